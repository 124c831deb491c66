"""Pages and API of the assessments area."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
