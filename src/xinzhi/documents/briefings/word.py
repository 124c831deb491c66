"""The briefing as Word (.docx): the bureau's editable template filled by docxtpl.

The template (``templates/briefing.docx``, or the bureau's own with ``--template``) holds
Jinja2 tags — ``{{ title }}``, a loop over ``sections`` with their ``bullets``, ``tables``
and ``charts``, and the ``notes`` — and keeps its letterhead and styles. Tables come in as a
sub-document in the template's own table style; charts as inline PNG images.
"""

from __future__ import annotations

import io
from pathlib import Path

from ...domain.errors import InvalidValue
from .content import Briefing

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "briefing.docx"
TABLE_STYLE = "Table Grid"


def _tables(template, section):
    from docx.shared import Pt

    subdoc = template.new_subdoc()
    for table in section.tables:
        caption = subdoc.add_paragraph()
        run = caption.add_run(table.title + "".join(f"[{n}]" for n in table.notes))
        run.bold = True
        grid = subdoc.add_table(rows=1, cols=len(table.header))
        try:
            grid.style = TABLE_STYLE
        except KeyError:  # a bureau template without the style keeps its default
            pass
        for cell, text in zip(grid.rows[0].cells, table.header):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, text in zip(cells, row):
                cell.text = text
        for row in grid.rows:
            for cell in row.cells:
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(9)
    return subdoc


def render_docx(briefing: Briefing, template_path: Path | None = None) -> bytes:
    from docx.shared import Cm
    from docxtpl import DocxTemplate, InlineImage

    path = Path(template_path) if template_path else DEFAULT_TEMPLATE
    if not path.is_file():
        raise InvalidValue(
            "template", f"找不到 Word 模板 {path}", f"the Word template {path} does not exist"
        )
    try:
        template = DocxTemplate(str(path))
        template.init_docx()
    except Exception as error:  # noqa: BLE001 — any unreadable file gets the same clear error
        raise InvalidValue(
            "template",
            f"Word 模板 {path.name} 无法读取（应为 .docx 文件）：{error}",
            f"the Word template {path.name} cannot be read (a .docx is expected): {error}",
        ) from error
    sections = [
        {
            "key": s.key,
            "title": s.title,
            "bullets": [b.marked for b in s.bullets],
            "tables": _tables(template, s),
            "charts": [
                {
                    "title": c.title,
                    "image": InlineImage(template, io.BytesIO(c.png), width=Cm(c.width_cm)),
                }
                for c in s.charts
            ],
        }
        for s in briefing.sections
    ]
    context = {
        "title": briefing.title,
        "subtitle": briefing.subtitle,
        "region": briefing.region,
        "period": briefing.period_label,
        "data_as_of": briefing.data_as_of.isoformat() if briefing.data_as_of else "数据缺失",
        "generated_at": briefing.generated_at.strftime("%Y-%m-%d %H:%M"),
        "sections": sections,
        "notes": briefing.notes,
    }
    try:
        template.render(context, autoescape=True)
    except Exception as error:  # noqa: BLE001 — a template with broken tags
        raise InvalidValue(
            "template",
            f"Word 模板 {path.name} 的标签有误：{error}",
            f"the tags of the Word template {path.name} are broken: {error}",
        ) from error
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()
