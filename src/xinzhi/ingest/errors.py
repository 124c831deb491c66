"""The error of an import file as a whole, before or apart from its rows."""

from __future__ import annotations

from ..domain.errors import XinzhiError


class ImportFileError(XinzhiError):
    """The file as a whole cannot be imported (format, encoding, headers, size, emptiness)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, message=f"{en} / {zh}")
