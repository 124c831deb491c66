"""Tables of the assessments area."""

from __future__ import annotations

from .base import Base  # noqa: F401
