"""统一社会信用代码 (GB 32100-2015) with the embedded 组织机构代码 (GB 11714); RULES.md §4.

Layout (§4.1 ✅ [S20e, S20f, S20a, S20d, S20b]): 1 登记管理部门 · 2 机构类别 · 3–8 行政区划码 ·
9–17 组织机构代码 (8-character body + GB 11714 check) · 18 GB 32100 check character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidValue
from .text import normalise_code

# --- value tables and weights (RULES.md §4.2–§4.4, §4.6) -------------------------------------

# §4.2 ✅ [S20a, S20b]: 31 characters, value = index; I, O, S, V, Z are never used.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# §4.3 ✅ [S20a, S20b, S20d]: W_i = 3^(i−1) mod 31
# → 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28.
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# §4.4 / §0 C8 ✅ [S20b, S20g, S20h]: GB 11714 values run over the FULL alphabet (A=10 … Z=35),
# unlike the GB 32100 table above; mixing the two tables up is the classic bug.
ORG_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_DIGITS = "0123456789"
_USCC_VALUE = {c: v for v, c in enumerate(USCC_CHARSET)}
_ORG_VALUE = {c: v for v, c in enumerate(ORG_VALUES)}

# §4.2 ✅ [S20c, S20d] format: charset everywhere except the region (positions 3–8), digits only.
_ALLOWED = tuple(_DIGITS if 2 <= i <= 7 else USCC_CHARSET for i in range(18))

# Precomputed value × weight per position, holding only the characters the format allows
# there, so one dict lookup per character both validates and weighs it (make_credit_code is
# called about a million times by the demo generator).
_USCC_TERMS = tuple(
    {c: _USCC_VALUE[c] * w for c in _ALLOWED[i]} for i, w in enumerate(USCC_WEIGHTS)
)
_ORG_TERMS = tuple({c: _ORG_VALUE[c] * w for c in ORG_VALUES} for w in ORG_WEIGHTS)
# §4.3 ✅: C18 = 31 − (S mod 31), 31 → 0; indexed here by S mod 31.
_USCC_CHECK_BY_REMAINDER = tuple(USCC_CHARSET[(31 - r) % 31] for r in range(31))
# §4.4 ✅: C9 = 11 − (S mod 11), 10 → X, 11 → 0; indexed here by S mod 11.
_ORG_CHECK_BY_REMAINDER = tuple(
    "0" if r == 0 else "X" if r == 1 else str(11 - r) for r in range(11)
)
_lookup = dict.__getitem__

# --- registration authority and category (RULES.md §4.1) -------------------------------------

# §4.1 ✅ [S20e, S20f]: the four department codes of GB 32100-2015.
DEPARTMENTS = {"1": "机构编制", "5": "民政", "9": "工商（市场监管）", "Y": "其他"}
# §4.1 ✅ [S20e]: category codes under each department.
CATEGORIES = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直管群众团体", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "Y": {"1": "其他"},
}
# §4.1 ❓: department codes reported from later practice, unconfirmed. Used only to word the
# warning; they stay "unknown" (department_zh is None) until a source confirms them.
_UNCONFIRMED_DEPARTMENTS = {"3": "司法行政", "7": "宗教", "8": "工会", "A": "军队", "N": "农业农村"}

# Legacy identifiers people paste instead (§4.6 ✅): 15-digit 工商注册号, 9-character 组织机构代码.
_LEGACY_REGISTRATION_NUMBER = re.compile(r"\d{15}")
_LEGACY_ORG_CODE = re.compile(r"[0-9A-Z]{8}-?[0-9X]")

_LOOK_ALIKE_DIGIT = {"O": "0", "I": "1"}


@dataclass(frozen=True)
class CreditCode:
    """A 统一社会信用代码 that passed the format check (and, unless overridden, both checksums)."""

    value: str  # 18 characters, normalised
    department: str  # position 1, 登记管理部门代码
    category: str  # position 2, 机构类别代码
    region: str  # positions 3–8, GB/T 2260 division of the registration authority
    org_code: str  # positions 9–17, 组织机构代码 including its check character

    @property
    def department_zh(self) -> str | None:
        """登记管理部门 label, or None for a code GB 32100-2015 does not list."""
        return DEPARTMENTS.get(self.department)

    @property
    def category_zh(self) -> str | None:
        """机构类别 label, or None if unknown under this department."""
        return CATEGORIES.get(self.department, {}).get(self.category)

    @property
    def warnings(self) -> tuple[InvalidValue, ...]:
        """Unknown department / category codes: reported, never rejected (RULES.md §4.1 ✅/❓)."""
        if self.department not in DEPARTMENTS:
            guess = _UNCONFIRMED_DEPARTMENTS.get(self.department)
            zh_guess = f"（可能为“{guess}”，待核实）" if guess else ""
            en_guess = f" (possibly {guess}, unconfirmed)" if guess else ""
            return (
                InvalidValue(
                    "credit_code_department",
                    f"统一社会信用代码“{self.value}”的登记管理部门代码“{self.department}”"
                    f"不在 GB 32100-2015 的已知代码（1、5、9、Y）中{zh_guess}",
                    f"credit code '{self.value}': registration-authority code "
                    f"'{self.department}' is not one of the known codes 1, 5, 9, Y{en_guess}",
                ),
            )
        known = CATEGORIES[self.department]
        if self.category not in known:
            listed = "、".join(f"{code} {name}" for code, name in known.items())
            return (
                InvalidValue(
                    "credit_code_category",
                    f"统一社会信用代码“{self.value}”的机构类别代码“{self.category}”不是登记管理部门"
                    f"“{self.department}”（{DEPARTMENTS[self.department]}）下的已知类别（{listed}）",
                    f"credit code '{self.value}': category code '{self.category}' is not known "
                    f"under registration authority '{self.department}' "
                    f"(known: {', '.join(known)})",
                ),
            )
        return ()


# --- check characters ------------------------------------------------------------------------


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character (position 18) of the first 17 characters (RULES.md §4.3 ✅)."""
    if len(first17) != 17:
        raise InvalidValue(
            "credit_code_length",
            f"计算校验码需要17位字符，“{first17}”为{len(first17)}位",
            f"the check character needs 17 characters; '{first17}' has {len(first17)}",
        )
    try:
        total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    except KeyError as error:
        raise _not_in_table(first17, error.args[0], "GB 32100") from None
    return _USCC_CHECK_BY_REMAINDER[total % 31]


def org_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body (RULES.md §4.4 ✅)."""
    if len(body8) != 8:
        raise InvalidValue(
            "credit_code_length",
            f"组织机构代码本体应为8位，“{body8}”为{len(body8)}位",
            f"an organisation-code body has 8 characters; '{body8}' has {len(body8)}",
        )
    try:
        total = sum(map(_lookup, _ORG_TERMS, body8))
    except KeyError as error:
        raise _not_in_table(body8, error.args[0], "GB 11714") from None
    return _ORG_CHECK_BY_REMAINDER[total % 11]


def _not_in_table(text: str, char: str, standard: str) -> InvalidValue:
    return InvalidValue(
        "credit_code_charset",
        f"“{text}”含有 {standard} 字符表以外的字符“{char}”",
        f"'{text}' contains '{char}', which is not in the {standard} character table",
    )


# --- parsing ---------------------------------------------------------------------------------


def parse_credit_code(raw: str, *, allow_checksum_failure: bool = False) -> CreditCode:
    """Normalise and check a 统一社会信用代码; raise ``InvalidValue`` saying what is wrong.

    ``allow_checksum_failure`` tolerates a failed GB 11714 or GB 32100 check: some genuinely
    issued codes fail it (RULES.md §4.6 ✅), so an administrator may accept one after checking
    the licence. Length and character set are always enforced.
    """
    code = normalise_code(raw if isinstance(raw, str) else str(raw))
    if len(code) != 18:
        raise _length_error(code)
    problems = [(i, c) for i, c in enumerate(code) if c not in _ALLOWED[i]]
    if problems:
        raise _charset_error(code, problems)
    if not allow_checksum_failure:
        # §4.4 ✅ [S20b, S20g, S20h]: position 17 checks positions 9–16 (full-alphabet table).
        if code[16] != _ORG_CHECK_BY_REMAINDER[sum(map(_lookup, _ORG_TERMS, code[8:16])) % 11]:
            raise InvalidValue(
                "credit_code_org_check",
                f"统一社会信用代码“{code}”第17位（组织机构代码校验码，GB 11714）与第9–16位不符；"
                "请对照营业执照逐位核对",
                f"credit code '{code}': character 17, the organisation-code check character "
                "(GB 11714), does not match characters 9–16; compare the code character by "
                "character with the licence",
            )
        # §4.3 ✅ [S20a, S20b, S20d]: position 18 checks positions 1–17.
        if code[17] != _USCC_CHECK_BY_REMAINDER[sum(map(_lookup, _USCC_TERMS, code[:17])) % 31]:
            raise InvalidValue(
                "credit_code_checksum",
                f"统一社会信用代码“{code}”第18位校验码不符（GB 32100）；请对照营业执照逐位核对",
                f"credit code '{code}': the check character (position 18, GB 32100) does not "
                "match; compare the code character by character with the licence",
            )
    return CreditCode(code, code[0], code[1], code[2:8], code[8:17])


def is_valid_credit_code(raw: str) -> bool:
    """True if ``raw`` normalises to a code that passes the format and both checksums."""
    if not isinstance(raw, str):
        return False
    code = normalise_code(raw)
    if len(code) != 18:
        return False
    try:
        total = sum(map(_lookup, _USCC_TERMS, code[:17]))
    except KeyError:
        return False  # a character the format does not allow at its position
    return (
        code[17] == _USCC_CHECK_BY_REMAINDER[total % 31]
        and code[16] == _ORG_CHECK_BY_REMAINDER[sum(map(_lookup, _ORG_TERMS, code[8:16])) % 11]
    )


def make_credit_code(department: str, category: str, region: str, org_body8: str) -> str:
    """Build a valid 18-character code from its parts, computing both check characters."""
    if len(department) != 1 or len(category) != 1 or len(region) != 6 or len(org_body8) != 8:
        raise InvalidValue(
            "credit_code_length",
            f"部件长度应为1、1、6、8位：“{department}”“{category}”“{region}”“{org_body8}”",
            f"the parts must have 1, 1, 6 and 8 characters: "
            f"'{department}' '{category}' '{region}' '{org_body8}'",
        )
    first16 = department + category + region + org_body8
    try:
        # The USCC table rejects characters the format forbids (I, O, S, V, Z; letters in the
        # region) before the org check character is looked up at position 17.
        partial = sum(map(_lookup, _USCC_TERMS, first16))
    except KeyError:
        problems = [(i, c) for i, c in enumerate(first16) if c not in _ALLOWED[i]]
        raise _charset_error(first16, problems) from None
    org_check = _ORG_CHECK_BY_REMAINDER[sum(map(_lookup, _ORG_TERMS, org_body8)) % 11]
    total = partial + _USCC_TERMS[16][org_check]
    return first16 + org_check + _USCC_CHECK_BY_REMAINDER[total % 31]


# --- error messages ----------------------------------------------------------------------------


def _shown(code: str) -> str:
    """The value as quoted in a message, cut short if someone pasted a paragraph."""
    return code if len(code) <= 40 else code[:37] + "…"


def _length_error(code: str) -> InvalidValue:
    zh_hint = en_hint = ""
    if _LEGACY_REGISTRATION_NUMBER.fullmatch(code):
        zh_hint = "；这像是15位工商注册号（旧代码），请填写18位统一社会信用代码"
        en_hint = (
            "; this looks like a 15-digit business registration number (legacy), "
            "not the 18-character credit code"
        )
    elif _LEGACY_ORG_CODE.fullmatch(code):
        zh_hint = "；这像是9位组织机构代码（旧代码），请填写18位统一社会信用代码"
        en_hint = (
            "; this looks like a 9-character organisation code (legacy), "
            "not the 18-character credit code"
        )
    return InvalidValue(
        "credit_code_length",
        f"统一社会信用代码应为18位，“{_shown(code)}”为{len(code)}位{zh_hint}",
        f"a credit code has 18 characters; '{_shown(code)}' has {len(code)}{en_hint}",
    )


def _charset_error(code: str, problems: list[tuple[int, str]]) -> InvalidValue:
    """One message naming every offending position (1-based) and character."""
    zh_parts, en_parts = [], []
    for index, char in problems:
        position = index + 1
        digit = _LOOK_ALIKE_DIGIT.get(char)
        zh_hint = f"，是否应为数字{digit}？" if digit else ""
        en_hint = f"; did you mean the digit {digit}?" if digit else ""
        if _ALLOWED[index] is _DIGITS:
            zh_parts.append(f"第{position}位“{char}”应为数字（第3–8位为行政区划码）{zh_hint}")
            en_parts.append(
                f"character {position} '{char}' must be a digit (characters 3–8 are the "
                f"administrative-division code){en_hint}"
            )
        elif char in "IOSVZ":
            zh_parts.append(
                f"第{position}位“{char}”不合法（GB 32100 不使用字母 I、O、S、V、Z）{zh_hint}"
            )
            en_parts.append(
                f"character {position} '{char}' is not allowed (GB 32100 never uses the "
                f"letters I, O, S, V, Z){en_hint}"
            )
        else:
            zh_parts.append(
                f"第{position}位“{char}”不合法（只允许数字和字母 A–H J–N P Q R T U W X Y）"
            )
            en_parts.append(
                f"character {position} '{char}' is not allowed (digits and the letters "
                "A–H J–N P Q R T U W X Y only)"
            )
    return InvalidValue(
        "credit_code_charset",
        f"统一社会信用代码“{_shown(code)}”：" + "；".join(zh_parts),
        f"credit code '{_shown(code)}': " + "; ".join(en_parts),
    )
