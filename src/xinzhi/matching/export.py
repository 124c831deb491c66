"""Every demand's best results and every result's best demands, with reasons, as .xlsx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from ..store.models import Enterprise
from ..store.models.matching import ResearchResult, TechnicalDemand
from .matcher import Matcher
from .scoring import Match
from .sheets import add_sheet, append_row

COLUMNS = (
    ("编号 Code", 16),
    ("名称 Title", 36),
    ("单位/企业 Owner", 28),
    ("排名 Rank", 8),
    ("匹配编号 Match code", 16),
    ("匹配名称 Match title", 36),
    ("匹配单位 Match owner", 28),
    ("匹配度 Score", 10),
    ("匹配理由", 70),
    ("Reasons", 70),
)


def _owners(conn) -> dict[str, dict[int, tuple[str, str, str]]]:
    """id → (code, title, owner) for both sides."""
    results = conn.execute(
        sa.select(
            ResearchResult.id, ResearchResult.code, ResearchResult.title, ResearchResult.institution
        )
    ).all()
    demands = conn.execute(
        sa.select(
            TechnicalDemand.id, TechnicalDemand.code, TechnicalDemand.title, Enterprise.name
        ).join(Enterprise, Enterprise.id == TechnicalDemand.enterprise_id)
    ).all()
    return {
        "results": {r[0]: tuple(r[1:]) for r in results},
        "demands": {d[0]: tuple(d[1:]) for d in demands},
    }


def write_all_matches(matcher: Matcher, path: Path, *, top: int = 10, workers: int = 1) -> dict:
    """Write both directions; return counts for the caller to report."""
    from openpyxl import Workbook

    with matcher.engine.connect() as conn:
        names = _owners(conn)
    workbook = Workbook()
    workbook.remove(workbook.active)
    counts = {}
    for side, other, title in (
        ("demands", "results", "需求→成果 Demands→Results"),
        ("results", "demands", "成果→需求 Results→Demands"),
    ):
        sheet = add_sheet(workbook, title, COLUMNS)
        ranked = matcher.all_for(side, top, workers=workers)
        for row, matches in ranked:
            code, name, owner = names[side][row.id]
            if not matches:
                append_row(
                    sheet, (code, name, owner, None, None, None, None, None, "无匹配", "no match")
                )
            for rank, match in enumerate(matches, start=1):
                append_row(
                    sheet,
                    (code, name, owner, rank, *names[other][match.id], *_score_and_reasons(match)),
                )
        counts[side] = (len(ranked), sum(len(m) for _, m in ranked))
    about = add_sheet(workbook, "说明 About", (("项目 Item", 24), ("值 Value", 70)))
    append_row(about, ("生成时间 Generated", dt.datetime.now().strftime("%Y-%m-%d %H:%M")))
    append_row(about, ("每条取前 Top", top))
    append_row(about, ("权重 Weights", matcher.weights.describe(matcher.embedder is not None)))
    path = Path(path)
    workbook.save(path)
    return counts


def _score_and_reasons(match: Match) -> tuple:
    return (
        match.score,
        "；".join(f"{r.zh}（+{r.points}）" for r in match.reasons),
        "; ".join(f"{r.en} (+{r.points})" for r in match.reasons),
    )
