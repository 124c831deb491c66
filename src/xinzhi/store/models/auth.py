"""Tables of the auth area."""

from __future__ import annotations

from .base import Base  # noqa: F401
