"""Pages and API of the matching area."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
