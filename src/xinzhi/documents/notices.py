"""Notices (政策兑现告知书): one per enterprise that a recorded run pays — each policy, the
amount, its legal basis and the values that decided it, and how to object — as .docx, .pdf
(Noto Sans CJK embedded) or one .xlsx; and always the summary list for approval (审批汇总表).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc

from ..domain.money import format_yuan
from ..policies.declarations import FORMS, PROVENANCE
from ..policies.explanations import OUTCOME_TEXT, PayoutExplanation, explain_row
from ..policies.runs import PolicyRun
from .excel import safe_value

FORMATS = ("docx", "pdf", "xlsx")
SUMMARY_FILE = "审批汇总表.xlsx"


@dataclass
class Notice:
    number: str
    credit_code: str
    name: str
    district: str
    payouts: list[PayoutExplanation]

    @property
    def total(self) -> int:
        return sum(p.row["amount_paid"] or 0 for p in self.payouts)


def build_notices(
    run: PolicyRun, districts: dict[int, str], policy: str | None = None
) -> list[Notice]:
    """The notices of a run: enterprises with at least one payout (paid or reduced)."""
    r = run.results
    paid = r.filter(pc.greater(pc.fill_null(r["amount_paid"], 0), 0))
    if policy:
        paid = paid.filter(pc.equal(paid["policy"], policy))
    details = {}
    for ident, table in run.detail.items():
        wanted = paid.filter(pc.equal(paid["policy"], ident))["enterprise_id"]
        rows = table.filter(pc.is_in(table["enterprise_id"], wanted)).to_pylist()
        details[ident] = {row["enterprise_id"]: row for row in rows}
    notices: dict[int, Notice] = {}
    for row in paid.sort_by([("credit_code", "ascending"), ("policy", "ascending")]).to_pylist():
        eid = row["enterprise_id"]
        notice = notices.get(eid)
        if notice is None:
            number = f"{run.run_id or 0}-{len(notices) + 1:05d}"
            notice = notices[eid] = Notice(
                number, row["credit_code"], row["name"], districts.get(row["district_id"], ""), []
            )
        detail = details.get(row["policy"], {}).get(eid, {})
        notice.payouts.append(explain_row(run.compiled[row["policy"]], {**detail, **row}))
    return list(notices.values())


def notice_paragraphs(notice: Notice, run: PolicyRun) -> list[tuple[str, str]]:
    """The notice as (style, text) pairs: title, heading, body, item, small."""
    issuers = "、".join(dict.fromkeys(p.policy.issuer.zh for p in notice.payouts))
    out = [
        ("title", "政策兑现告知书"),
        ("small", f"（免申即享）  编号：{notice.number}"),
        ("heading", f"{notice.name}（统一社会信用代码：{notice.credit_code}）："),
    ]
    out.append(
        (
            "body",
            (
                f"经对登记数据（数据基准日 {run.as_of}）比对，贵单位符合下列政策条件，无需申请，"
                f"拟兑现合计 {format_yuan(notice.total)}："
            ),
        )
    )
    for i, payout in enumerate(notice.payouts, 1):
        p = payout.policy
        refs = "；".join(dict.fromkeys(ref.cite() for ref in p.references.values()))
        out.append(
            (
                "item",
                f"{i}. {p.name.zh}（{FORMS[p.form].zh}）：{format_yuan(payout.row['amount_paid'])}",
            )
        )
        if payout.row.get("outcome") == "reduced":
            rule = p.budget.text.zh if p.budget and p.budget.text else "按预算规则"
            out.append(
                (
                    "body",
                    f"   应得 {format_yuan(payout.row['amount'])}，{OUTCOME_TEXT['reduced'].zh}（{rule}）。",
                )
            )
        out.append(("body", f"   政策依据：{refs}；发布部门：{p.issuer.zh}；版本 {p.version}。"))
        out.append(("body", f"   金额计算：{p.amount.text.zh}。"))
        out.append(("body", f"   认定情况：{payout.basis('zh')}。"))
        if p.provenance == "illustrative":
            out.append(("small", f"   注：本政策为{PROVENANCE['illustrative'].zh}，仅供演示。"))
    objections = dict.fromkeys(
        f"{p.policy.objection.days} 日内向{p.policy.objection.contact.zh}" for p in notice.payouts
    )
    out.append(
        (
            "body",
            "如对上述认定或金额有异议，请自收到本告知书之日起"
            + "；或".join(objections)
            + "提出，并附更正材料。数据更正后仅对贵单位重新核定，原结果与更正结果均留档备查。",
        )
    )
    out.append(("body", "本告知书由系统依据已登记数据自动生成，经审批后生效。"))
    out.append(("right", issuers))
    out.append(("small", f"运行编号 {run.run_id} · 数据基准日 {run.as_of}"))
    return out


def _file_name(notice: Notice, suffix: str) -> str:
    name = re.sub(r'[\\/:*?"<>|\s]+', "_", notice.name)[:60]
    return f"{notice.number}_{notice.credit_code}_{name}.{suffix}"


def write_notices(run: PolicyRun, notices: list[Notice], folder: Path, fmt: str) -> list[Path]:
    """Write the notices in ``fmt`` and the summary list into ``folder``; returns the files."""
    if fmt not in FORMATS:
        raise ValueError(f"不支持的格式 {fmt}（docx、pdf、xlsx） / unsupported format {fmt}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if fmt == "pdf":
        from .fonts import register_reportlab_font

        texts = [notice_paragraphs(n, run) for n in notices]
        characters = {ch for paragraphs in texts for _, text in paragraphs for ch in text}
        font = register_reportlab_font(characters)
        for notice, paragraphs in zip(notices, texts):
            path = folder / _file_name(notice, "pdf")
            _write_pdf(paragraphs, path, font)
            written.append(path)
    elif fmt == "docx":
        for notice in notices:
            path = folder / _file_name(notice, "docx")
            _write_docx(notice_paragraphs(notice, run), path)
            written.append(path)
    else:
        path = folder / "告知书.xlsx"
        _write_xlsx_notices(run, notices, path)
        written.append(path)
    summary = folder / SUMMARY_FILE
    write_summary(run, notices, summary)
    written.append(summary)
    return written


def _write_pdf(paragraphs: list[tuple[str, str]], path: Path, font: str) -> None:
    from xml.sax.saxutils import escape

    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    styles = {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13, alignment=TA_CENTER),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=12, spaceBefore=10, spaceAfter=4
        ),
        "item": ParagraphStyle("item", parent=base, fontSize=12, spaceBefore=6),
        "body": base,
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, spaceBefore=16),
    }
    story = []
    for style, text in paragraphs:
        story.append(Paragraph(escape(text), styles[style]))
        if style == "title":
            story.append(Spacer(1, 2 * mm))
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title="政策兑现告知书",
        author="Xinzhi",
    )
    document.build(story)


def _write_docx(paragraphs: list[tuple[str, str]], path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from .fonts import FAMILY

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = FAMILY
    normal.font.size = Pt(11)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FAMILY)  # Word picks CJK glyphs by this
    sizes = {"title": 20, "small": 9, "heading": 12, "item": 12}
    for style, text in paragraphs:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        run.font.size = Pt(sizes.get(style, 11))
        run.bold = style in ("title", "item")
        if style in ("title", "small"):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif style == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.core_properties.title = "政策兑现告知书"
    document.save(str(path))


SUMMARY_HEADERS = [
    "序号 no.",
    "告知书编号 notice",
    "企业名称 name",
    "统一社会信用代码 credit_code",
    "区县 district",
    "政策 policy",
    "形式 form",
    "应得金额（元） due",
    "实发金额（元） paid",
    "结果 outcome",
    "认定情况 basis",
]


def write_summary(run: PolicyRun, notices: list[Notice], path: Path) -> None:
    """审批汇总表: every payout of the notices, totals per policy, lines to sign."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "审批汇总表"
    sheet.append([f"政策兑现审批汇总表 — 运行 run {run.run_id} · 数据基准日 as of {run.as_of}"])
    sheet.append(SUMMARY_HEADERS)
    totals: dict[str, list[int]] = {}
    n = 0
    for notice in notices:
        for payout in notice.payouts:
            n += 1
            p, row = payout.policy, payout.row
            sheet.append(
                [
                    safe_value(v)
                    for v in (
                        n,
                        notice.number,
                        notice.name,
                        notice.credit_code,
                        notice.district,
                        p.name.zh,
                        FORMS[p.form].zh,
                        (row["amount"] or 0) / 100,
                        (row["amount_paid"] or 0) / 100,
                        OUTCOME_TEXT[row["outcome"]].zh,
                        payout.basis("zh"),
                    )
                ]
            )
            total = totals.setdefault(p.name.zh, [0, 0])
            total[0] += 1
            total[1] += row["amount_paid"] or 0
    sheet.append([])
    sheet.append(["政策 policy", "户数 firms", "合计（元） total"])
    for name, (count, fen) in totals.items():
        sheet.append([safe_value(name), count, fen / 100])
    sheet.append([])
    for line in ("经办人：", "审核人：", "审批人：", "日期："):
        sheet.append([line])
    book.save(path)


def _write_xlsx_notices(run: PolicyRun, notices: list[Notice], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "告知书"
    sheet.append(
        [
            "告知书编号 notice",
            "企业名称 name",
            "统一社会信用代码 credit_code",
            "区县 district",
            "合计（元） total",
            "告知书全文 text",
        ]
    )
    for notice in notices:
        text = "\n".join(t for _, t in notice_paragraphs(notice, run))
        sheet.append(
            [
                safe_value(v)
                for v in (
                    notice.number,
                    notice.name,
                    notice.credit_code,
                    notice.district,
                    notice.total / 100,
                    text,
                )
            ]
        )
    book.save(path)
