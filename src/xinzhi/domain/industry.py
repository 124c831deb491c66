"""Industry classifications: GB/T 4754-2017 行业代码 and 战略性新兴产业分类 (2018); RULES.md §7."""

from __future__ import annotations

import re

from .errors import InvalidValue
from .text import normalise_code

# --- GB/T 4754-2017 国民经济行业分类 (RULES.md §7.1) -------------------------------------------
# Four levels: 门类 (letter) · 大类 (2 digits) · 中类 (3) · 小类 (4); 20 / 97 / 473 / 1382 ✅ [S24].
# The 大类 number is unique across 门类, so the letter follows from it ✅ [S24, S25].

# 门类 letter → (name, first 大类, last 大类).
# Names ✅ [S25b]; ranges of A and B ✅ [S25]; all other ranges ❓ (from memory; they are
# contiguous and sum to 97 大类, which the tests check). Beware the 2002 edition's different
# lettering (F = 交通运输 …) in legacy data ✅ [S25b].
GB4754_SECTIONS: dict[str, tuple[str, int, int]] = {
    "A": ("农、林、牧、渔业", 1, 5),
    "B": ("采矿业", 6, 12),
    "C": ("制造业", 13, 43),
    "D": ("电力、热力、燃气及水生产和供应业", 44, 46),
    "E": ("建筑业", 47, 50),
    "F": ("批发和零售业", 51, 52),
    "G": ("交通运输、仓储和邮政业", 53, 60),
    "H": ("住宿和餐饮业", 61, 62),
    "I": ("信息传输、软件和信息技术服务业", 63, 65),
    "J": ("金融业", 66, 69),
    "K": ("房地产业", 70, 70),
    "L": ("租赁和商务服务业", 71, 72),
    "M": ("科学研究和技术服务业", 73, 75),
    "N": ("水利、环境和公共设施管理业", 76, 79),
    "O": ("居民服务、修理和其他服务业", 80, 82),
    "P": ("教育", 83, 83),
    "Q": ("卫生和社会工作", 84, 85),
    "R": ("文化、体育和娱乐业", 86, 90),
    "S": ("公共管理、社会保障和社会组织", 91, 96),
    "T": ("国际组织", 97, 97),
}

_SECTION_BY_DIVISION = {
    division: letter
    for letter, (_name, first, last) in GB4754_SECTIONS.items()
    for division in range(first, last + 1)
}
_FIRST_DIVISION, _LAST_DIVISION = min(_SECTION_BY_DIVISION), max(_SECTION_BY_DIVISION)

# Optional 门类 letter, then the 大类 (2 digits), 中类 (3) or 小类 (4) code.
_INDUSTRY_CODE = re.compile(r"([A-Z]?)(\d{2,4})?")


def section_of_division(division: int) -> str:
    """The 门类 letter of a 大类 number, e.g. 65 → "I" (RULES.md §7.1)."""
    try:
        return _SECTION_BY_DIVISION[division]
    except (KeyError, TypeError):
        raise InvalidValue(
            "industry_code",
            f"行业大类“{division}”不存在（GB/T 4754-2017 大类为01–97）",
            f"there is no industry division '{division}' (GB/T 4754-2017 divisions are 01–97)",
        ) from None


def parse_industry_code(raw: str) -> str:
    """Check a GB/T 4754-2017 code and return it with its 门类 letter: "3831" → "C3831".

    Accepts a 门类 letter alone ("C") or a 大类/中类/小类 code with or without the letter
    ("C38", "383", "3831"). Only the 大类 and the letter are checked: RULES.md does not list
    the 473 中类 and 1382 小类, so a well-formed but unused 小类 passes.
    """
    text = normalise_code(raw if isinstance(raw, str) else str(raw))
    match = _INDUSTRY_CODE.fullmatch(text)
    if not text or match is None:
        raise InvalidValue(
            "industry_code",
            f"行业代码“{text}”格式不正确：应为门类字母和/或2–4位数字（GB/T 4754-2017），"
            "如 C3831、3831、C",
            f"industry code '{text}' is malformed: expected a section letter and/or 2–4 digits "
            "(GB/T 4754-2017), e.g. C3831, 3831 or C",
        )
    letter, digits = match.groups()
    if letter and letter not in GB4754_SECTIONS:
        raise InvalidValue(
            "industry_code",
            f"行业代码“{text}”的门类字母“{letter}”不存在（GB/T 4754-2017 门类为A–T）",
            f"industry code '{text}': there is no section '{letter}' "
            "(GB/T 4754-2017 sections are A–T)",
        )
    if digits is None:
        return letter
    division = int(digits[:2])
    if not _FIRST_DIVISION <= division <= _LAST_DIVISION:
        raise InvalidValue(
            "industry_code",
            f"行业代码“{text}”的大类“{digits[:2]}”不存在（GB/T 4754-2017 大类为01–97）",
            f"industry code '{text}': there is no division '{digits[:2]}' "
            "(GB/T 4754-2017 divisions are 01–97)",
        )
    section = _SECTION_BY_DIVISION[division]
    if letter and letter != section:
        name = GB4754_SECTIONS[section][0]
        raise InvalidValue(
            "industry_code",
            f"行业代码“{text}”的门类字母“{letter}”与大类“{digits[:2]}”不符：大类{digits[:2]}属于"
            f"{section}门类（{name}）",
            f"industry code '{text}': section letter '{letter}' does not match division "
            f"{digits[:2]}, which belongs to section {section}",
        )
    return section + digits


# --- 战略性新兴产业分类 (2018), 国家统计局令第23号 (RULES.md §7.2) ----------------------------
# Names and order ✅ [S26]; the numeric codes 1–9 following that order are ❓. The mapping
# from 行业代码 is many-to-many and partial, so it is never derived here ❓.
SEI_CATEGORIES: dict[str, str] = {
    "1": "新一代信息技术产业",
    "2": "高端装备制造产业",
    "3": "新材料产业",
    "4": "生物产业",
    "5": "新能源汽车产业",
    "6": "新能源产业",
    "7": "节能环保产业",
    "8": "数字创意产业",
    "9": "相关服务业",
}


def _sei_names() -> dict[str, str]:
    """Exact names and their short forms without "产业" / "业", keeping only unambiguous ones."""
    claims: dict[str, set[str]] = {}
    for code, name in SEI_CATEGORIES.items():
        short = name.removesuffix("产业") if name.endswith("产业") else name.removesuffix("业")
        for alias in {name, short}:
            claims.setdefault(alias, set()).add(code)
    full_names = {name: code for code, name in SEI_CATEGORIES.items()}
    return full_names | {
        alias: next(iter(codes))
        for alias, codes in claims.items()
        if len(codes) == 1 and alias not in full_names
    }


_SEI_BY_NAME = _sei_names()


def parse_sei_category(raw: str) -> str:
    """The code "1"–"9" of a 战略性新兴产业 category given by code or Chinese name."""
    text = normalise_code(raw if isinstance(raw, str) else str(raw))
    if text in SEI_CATEGORIES:
        return text
    code = _SEI_BY_NAME.get(text)
    if code is not None:
        return code
    listed = "、".join(f"{code} {name}" for code, name in SEI_CATEGORIES.items())
    raise InvalidValue(
        "sei_category",
        f"“{text}”不是战略性新兴产业分类（2018）的一级类别；可选：{listed}",
        f"'{text}' is not a first-level strategic-emerging-industry category (2018); "
        "give the code 1–9 or the Chinese name",
    )
