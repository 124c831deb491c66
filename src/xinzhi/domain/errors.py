"""The one error type domain validators raise: a reason in Chinese and in English."""

from __future__ import annotations


class InvalidValue(ValueError):
    """A value that breaks a rule. ``zh`` and ``en`` say why, for people; ``code`` is for programs."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{en} / {zh}")
        self.code = code
        self.zh = zh
        self.en = en
