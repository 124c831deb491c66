"""The Chinese font of generated notices: Noto Sans CJK SC, from the system package
fonts-noto-cjk (installed by scripts/ensure-system-packages.sh).

The package ships OpenType fonts with CFF outlines, which reportlab cannot embed; so the font
is cut down to the characters a document uses (fontTools' subsetter) and its outlines are
converted to TrueType quadratics (cu2qu) — a small font embedded in each PDF, so a notice
reads the same on any machine.
"""

from __future__ import annotations

import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path

from ..domain.errors import XinzhiError

FAMILY = "Noto Sans CJK SC"
SEARCH = [
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
]


class FontMissing(XinzhiError, RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "找不到中文字体 Noto Sans CJK（Debian 包 fonts-noto-cjk）：请运行 scripts/ensure-system-packages.sh "
            "或 apt-get install fonts-noto-cjk，或用环境变量 XINZHI_CJK_FONT 指定字体文件",
            "the Chinese font Noto Sans CJK (Debian package fonts-noto-cjk) is missing: run "
            "scripts/ensure-system-packages.sh or apt-get install fonts-noto-cjk, or point "
            "XINZHI_CJK_FONT at a font file",
        )


def find_cjk_font() -> Path:
    configured = os.environ.get("XINZHI_CJK_FONT", "").strip()
    candidates = [Path(configured)] if configured else SEARCH
    for path in candidates:
        if path.is_file():
            return path
    raise FontMissing()


def _face(path: Path):
    """The Simplified Chinese face of a collection (or the only face of a plain font)."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() != ".ttc":
        return TTFont(path, lazy=False)
    collection = TTCollection(path, lazy=True)
    for number, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == FAMILY:
            return TTFont(path, fontNumber=number, lazy=False)
    return TTFont(path, fontNumber=0, lazy=False)


@lru_cache(maxsize=8)
def truetype_subset(characters: frozenset[str]) -> bytes:
    """The CJK font cut down to ``characters`` (plus ASCII), with TrueType outlines."""
    from fontTools import subset

    font = _face(find_cjk_font())
    options = subset.Options()
    options.desubroutinize = True
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=_subset_text(characters))
    subsetter.subset(font)
    if "CFF " in font:
        _cff_to_truetype(font)
    # reportlab keeps one face per PostScript name for the whole process: every subset
    # needs a name of its own, or a later document is drawn with an earlier subset's glyphs
    # (its characters missing from the PDF).
    digest = subset_digest(characters)
    for record in font["name"].names:
        if record.nameID == 6:  # e.g. NotoSansCJKsc-Regular-3974273d317f231b (at most 63)
            record.string = f"{record.toUnicode()}-{digest}"[:63]
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _subset_text(characters: frozenset[str]) -> str:
    return "".join(sorted(characters | {chr(c) for c in range(32, 127)} | {"\u3000"}))


def subset_digest(characters: frozenset[str]) -> str:
    """What names a subset: the same characters, the same name."""
    return hashlib.sha1(_subset_text(characters).encode()).hexdigest()[:16]


def _cff_to_truetype(font) -> None:
    """Replace CFF (cubic) outlines by glyf (quadratic) ones, as fontTools' otf2ttf does."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\000\001\000\000"


def register_reportlab_font(characters: set[str], name: str = "XinzhiCJK") -> str:
    """Register the subset with reportlab under ``name`` (again when the characters change)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    characters = frozenset(characters)
    font_name = f"{name}-{subset_digest(characters)}"
    if font_name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font_name, io.BytesIO(truetype_subset(characters))))
    return font_name
