"""Text normalisation shared by the code validators and the import header matcher."""

from __future__ import annotations

import re

# Full-width ASCII forms U+FF01–U+FF5E sit exactly 0xFEE0 above their ASCII twins; U+3000 is
# the ideographic (full-width) space. Chinese input methods produce both.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20

# Any Unicode whitespace (\s covers tab, NBSP U+00A0 and U+3000) plus the invisible
# zero-width characters that copying from web pages and Word leaves inside codes.
_CODE_NOISE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def to_halfwidth(s: str) -> str:
    """Full-width ASCII (U+FF01–U+FF5E) to half-width and U+3000 to a space; nothing else."""
    return s.translate(_HALFWIDTH)


def normalise_code(s: str) -> str:
    """Canonical form of an identifier typed by a person: no whitespace, half-width, upper case.

    Whitespace is removed everywhere, not only at the ends, because codes are often written
    in groups ("9111 0108 MA01B7C46F"). Look-alike characters are deliberately left alone:
    mapping O→0 or I→1 would turn a typo into a different, possibly valid, code
    (RULES.md §4.6 ✅).
    """
    if s.isascii() and s.isalnum():
        return s.upper()  # the common case, already clean: skip the regex (bulk imports)
    return _CODE_NOISE.sub("", to_halfwidth(s)).upper()
