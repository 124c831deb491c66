"""Tables of the chains area."""

from __future__ import annotations

from .base import Base  # noqa: F401
