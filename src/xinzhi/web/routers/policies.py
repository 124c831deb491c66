"""Pages and API of the policies area."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
