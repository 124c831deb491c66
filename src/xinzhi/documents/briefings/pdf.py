"""The briefing as PDF for circulation, by reportlab (already used for the notices) with the
Noto Sans CJK subset embedded: the same sections, tables, charts and notes as the .docx."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from ..fonts import register_reportlab_font
from .content import Briefing


def render_pdf(briefing: Briefing) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    text = briefing.text() + "".join(n.figure + n.text for n in briefing.notes)
    text += "".join(c.title for s in briefing.sections for c in s.charts)
    text += "数据来源与日期截至生成于图：第页缺失的数据写作不按计。•"
    font = register_reportlab_font(set(text))
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1)
    centred = ParagraphStyle("centred", parent=base, fontSize=9, alignment=1)
    heading = ParagraphStyle(
        "heading",
        parent=base,
        fontSize=14,
        leading=22,
        spaceBefore=10,
        spaceAfter=4,
        textColor=colors.HexColor("#1f3a5f"),
    )
    bullet = ParagraphStyle("bullet", parent=base, leftIndent=14, bulletIndent=2, spaceAfter=3)
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11)
    small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=12)

    story = [
        Paragraph(escape(briefing.title), title),
        Paragraph(escape(briefing.subtitle), centred),
        Paragraph(
            escape(
                f"数据截至 {briefing.data_as_of or '数据缺失'}　"
                f"生成于 {briefing.generated_at:%Y-%m-%d %H:%M}"
            ),
            centred,
        ),
        Spacer(1, 0.4 * cm),
    ]
    width = A4[0] - 4 * cm
    for section in briefing.sections:
        story.append(Paragraph(escape(section.title), heading))
        for item in section.bullets:
            story.append(Paragraph(escape(item.marked), bullet, bulletText="•"))
        for table in section.tables:
            caption = table.title + "".join(f"[{n}]" for n in table.notes)
            rows = [[Paragraph(escape(c), cell) for c in table.header]]
            rows += [[Paragraph(escape(c), cell) for c in row] for row in table.rows]
            grid = Table(
                rows, colWidths=[width / len(table.header)] * len(table.header), repeatRows=1
            )
            grid.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            story.append(Spacer(1, 0.2 * cm))
            story.append(KeepTogether([Paragraph(escape(caption), small), grid]))
        for chart in section.charts:
            image = Image(io.BytesIO(chart.png))
            scale = min(1.0, width / image.imageWidth)
            image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
            story.append(KeepTogether([image, Paragraph(escape("图：" + chart.title), centred)]))
    story.append(Paragraph("数据来源与日期", heading))
    for note in briefing.notes:
        story.append(Paragraph(escape(f"[{note.number}] {note.figure}：{note.text}"), small))
    story.append(Paragraph("缺失的数据写作“数据缺失”，不按 0 计。", small))

    def page_number(canvas, doc) -> None:
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, f"第 {doc.page} 页")

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=briefing.title,
        author="新质 Xinzhi",
    )
    document.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
