"""Generate a briefing file: what the CLI and the /reports page call."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from ...domain.errors import InvalidValue
from ...metrics.periods import Period
from .compose import build_briefing
from .content import Briefing

FORMATS = {".docx": "docx", ".pdf": "pdf"}
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def format_of(path: Path | str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidValue(
            "format",
            f"输出文件 {Path(path).name} 应以 .docx（Word）或 .pdf 结尾",
            f"the output file {Path(path).name} must end in .docx (Word) or .pdf",
        )
    return FORMATS[suffix]


def render(briefing: Briefing, fmt: str, template: Path | None = None) -> bytes:
    if fmt == "docx":
        from .word import render_docx

        return render_docx(briefing, template)
    if fmt == "pdf":
        if template is not None:
            raise InvalidValue(
                "template",
                "--template 只用于 Word（.docx）简报",
                "--template applies to Word (.docx) briefings only",
            )
        from .pdf import render_pdf

        return render_pdf(briefing)
    raise InvalidValue("format", f"格式 {fmt} 无效", f"format {fmt} is not docx or pdf")


def write_briefing(
    engine: Engine,
    period: Period,
    output: Path,
    *,
    district_id: int | None = None,
    template: Path | None = None,
    charts: bool = True,
) -> Briefing:
    """Compose the briefing and write it to ``output`` (.docx or .pdf, by its suffix)."""
    fmt = format_of(output)
    if template is not None and fmt == "docx" and not Path(template).is_file():
        raise InvalidValue(
            "template",
            f"找不到 Word 模板 {template}",
            f"the Word template {template} does not exist",
        )
    briefing = build_briefing(engine, period, district_id, charts=charts)
    data = render(briefing, fmt, template)
    output = Path(output)
    temporary = output.with_name(output.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(output)  # never a half-written file under the final name
    return briefing


def file_name(briefing: Briefing, period: Period, fmt: str) -> str:
    return f"{briefing.region}科技创新工作简报-{period.slug}.{fmt}"
