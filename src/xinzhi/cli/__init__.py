"""The `xinzhi` command: one thin module per command group."""

from .main import app

__all__ = ["app"]
