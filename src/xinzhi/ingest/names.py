"""Suggesting a registered firm for a row that names a firm but gives no credit code.

Names are compared in a normal form — half-width, no spaces, one kind of bracket, and
有限责任公司 read as 有限公司 — and only a unique match is suggested. A suggestion is an error
that names the firm and its code: the person fills the code in, nothing is matched silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import Connection

from ..domain.text import to_halfwidth
from ..store import models

# Headers of a firm's name column, in any kind that names firms by credit code.
NAME_HEADERS = ("企业名称", "单位名称", "公司名称", "企业全称", "单位全称", "name")
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    text = _SPACES.sub("", to_halfwidth(str(name))).replace("（", "(").replace("）", ")")
    return text.replace("有限责任公司", "有限公司").lower()


def suggester(conn: Connection) -> Callable[[object], tuple[str, str, str]]:
    """``suggest(name)`` → (zh, en, error code); the registry is read at the first call."""
    by_name: dict[str, list[tuple[str, str]]] | None = None

    def suggest(name) -> tuple[str, str, str]:
        nonlocal by_name
        if by_name is None:
            by_name = {}
            rows = conn.execute(sa.select(models.Enterprise.name, models.Enterprise.credit_code))
            for registered, code in rows:
                by_name.setdefault(normalise_name(registered), []).append((registered, code))
        found = by_name.get(normalise_name(name), []) if name else []
        if len(found) == 1:
            registered, code = found[0]
            return (
                f"必填项为空；按名称找到已登记企业“{registered}”，统一社会信用代码 {code}："
                "核对无误后请在本行填入该代码",
                f"required value is blank; the name matches the registered firm '{registered}', "
                f"credit code {code}: check it and fill the code in on this row",
                "credit_code_suggested",
            )
        if len(found) > 1:
            return (
                f"必填项为空；名称“{name}”对应多家已登记企业，请填写统一社会信用代码",
                f"required value is blank; the name '{name}' matches several registered firms: "
                "give the credit code",
                "required",
            )
        return (
            f"必填项为空；未找到名称为“{name}”的已登记企业" if name else "必填项为空",
            f"required value is blank; no registered firm is named '{name}'"
            if name
            else "required value is blank",
            "required",
        )

    return suggest
