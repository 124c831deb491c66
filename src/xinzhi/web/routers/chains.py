"""Pages and API of the chains area."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
