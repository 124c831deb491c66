"""The errors Xinzhi raises for people: a reason in Chinese first and in English.

Every error a user can cause (a bad file, a bad value, a missing record, a rule that does not
compile) is a ``XinzhiError``: ``zh`` and ``en`` say why, ``str(error)`` is both. Subclasses
keep the standard base that callers already catch (``ValueError``, ``LookupError`` …) beside it.
"""

from __future__ import annotations


class XinzhiError(Exception):
    """An error with its reason in Chinese (``zh``) and English (``en``)."""

    zh: str
    en: str

    def __init__(self, zh: str, en: str, *, message: str | None = None) -> None:
        self.zh = zh
        self.en = en
        super().__init__(message if message is not None else f"{zh} / {en}")

    def bilingual(self) -> str:
        return f"{self.zh} / {self.en}"


class InvalidValue(XinzhiError, ValueError):
    """A value that breaks a rule. ``zh`` and ``en`` say why, for people; ``code`` is for programs."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        super().__init__(zh, en, message=f"{en} / {zh}")
