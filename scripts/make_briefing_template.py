"""Write the default Word template of the briefings (docxtpl / Jinja2 tags in an ordinary
.docx): src/xinzhi/documents/briefings/templates/briefing.docx.

A bureau edits a copy in Word — letterhead, fonts, heading styles, the wording around the
tags — and passes it with ``xinzhi report … --template FILE``. The tags it must keep are
listed in docs/reports.md. Run again after changing this script:

    PYTHONPATH=src python scripts/make_briefing_template.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

OUT = Path(__file__).resolve().parents[1] / "src/xinzhi/documents/briefings/templates/briefing.docx"


def _east_asian(style, name: str) -> None:
    """Set the font Word uses for Chinese text (w:eastAsia), as well as the Latin one."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def main() -> None:
    doc = Document()
    styles = doc.styles
    styles["Normal"].font.size = Pt(11)
    _east_asian(styles["Normal"], "宋体")
    for name in ("Title", "Heading 1", "Heading 2"):
        _east_asian(styles[name], "黑体")
        styles[name].font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
    styles["Title"].font.size = Pt(20)

    title = doc.add_paragraph("{{ title }}", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = doc.add_paragraph("{{ subtitle }}")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = doc.add_paragraph("数据截至 {{ data_as_of }}　生成于 {{ generated_at }}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta.runs[0].font.size = Pt(9)

    doc.add_paragraph("{%p for section in sections %}")
    doc.add_paragraph("{{ section.title }}", style="Heading 1")
    doc.add_paragraph("{%p for bullet in section.bullets %}")
    doc.add_paragraph("{{ bullet }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{{p section.tables }}")
    doc.add_paragraph("{%p for chart in section.charts %}")
    picture = doc.add_paragraph("{{ chart.image }}")
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = doc.add_paragraph("图：{{ chart.title }}")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.runs[0].font.size = Pt(9)
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")

    doc.add_paragraph("数据来源与日期", style="Heading 1")
    doc.add_paragraph("{%p for note in notes %}")
    note = doc.add_paragraph("[{{ note.number }}] {{ note.figure }}：{{ note.text }}")
    note.runs[0].font.size = Pt(9)
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("缺失的数据写作“数据缺失”，不按 0 计。").runs[0].font.size = Pt(9)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
