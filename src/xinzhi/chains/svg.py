"""A static SVG of a chain map for reports: layered by segment, chokepoints coloured.

Written directly as SVG text (no browser, no plotting library), on the layered layout of
``layout.py`` (the web map uses the same). Labels are Chinese text in a CJK font stack,
wrapped to the box.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np

from .analysis import ChainAnalysis
from .layout import layered_layout
from .spec import ChainSpec
from .vocab import Segment

BOX_W, BOX_H = 168, 54
GAP_X, GAP_Y = 56, 16
MARGIN, HEADER, FOOTER = 24, 96, 64
FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei',sans-serif"
SEGMENT_FILL = ("#f1f3f5", "#e7f5ff", "#f3f0ff")
STYLES = {  # fill, stroke, meaning
    "problem": ("#ffe3e3", "#c92a2a", "问题清单（卡脖子） chokepoint"),
    "watch": ("#fff3bf", "#e67700", "关注 watch (score ≥ 0.45)"),
    "ok": ("#ebfbee", "#2b8a3e", "一般 other"),
    "unknown": ("#f8f9fa", "#868e96", "未分析 not analysed"),
}
WATCH_SCORE = 0.45


def _text_width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in text)


def _wrap(text: str, size: float, width: float, lines: int = 2) -> list[str]:
    out, current = [], ""
    for ch in text:
        if _text_width(current + ch, size) > width:
            out.append(current)
            current = ch
            if len(out) == lines:
                break
        else:
            current += ch
    else:
        out.append(current)
        return out
    out[-1] = out[-1][:-1] + "…"
    return out


def render_svg(
    chain: ChainSpec, analysis: ChainAnalysis | None = None, *, title: str | None = None
) -> str:
    """The chain as an SVG document (text)."""
    column, row, columns = layered_layout(chain)
    rows = int(row.max()) + 1 if len(row) else 1
    width = 2 * MARGIN + columns * BOX_W + (columns - 1) * GAP_X
    height = HEADER + rows * (BOX_H + GAP_Y) + FOOTER
    x = MARGIN + column * (BOX_W + GAP_X)
    y = HEADER + row * (BOX_H + GAP_Y)
    style, subtitle = _styles(chain, analysis)
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT}">'
        ),
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        (
            f'<text x="{MARGIN}" y="34" font-size="22" font-weight="bold" fill="#212529">'
            f"{escape(title or f'{chain.name}产业链图谱（示意） {chain.name_en or chain.key}')}</text>"
        ),
        f'<text x="{MARGIN}" y="56" font-size="12" fill="#495057">{escape(subtitle)}</text>',
    ]
    segments = np.array([node.segment.order for node in chain.nodes], dtype=np.int64)
    for seg in Segment:
        members = column[segments == seg.order]
        if not len(members):
            continue
        left = MARGIN + int(members.min()) * (BOX_W + GAP_X) - GAP_X // 4
        right = MARGIN + int(members.max()) * (BOX_W + GAP_X) + BOX_W + GAP_X // 4
        out.append(
            f'<rect x="{left}" y="{HEADER - 28}" width="{right - left}" '
            f'height="{height - HEADER - FOOTER + 36}" rx="8" fill="{SEGMENT_FILL[seg.order]}"/>'
        )
        out.append(
            f'<text x="{(left + right) // 2}" y="{HEADER - 10}" font-size="14" '
            f'text-anchor="middle" fill="#343a40">{seg.zh} {seg.en}</text>'
        )
    index = {node.key: i for i, node in enumerate(chain.nodes)}
    out.append('<g fill="none" stroke="#adb5bd" stroke-width="1.2">')
    for edge in chain.edges:
        s, t = index[edge.source], index[edge.target]
        out.append(_edge_path(x[s], y[s], x[t], y[t], column[t] > column[s]))
    out.append("</g>")
    for i, node in enumerate(chain.nodes):
        fill, stroke, _ = STYLES[style[i]]
        thick = 2.4 if style[i] == "problem" else 1.2
        tip = _tooltip(node, analysis, i)
        out.append(f'<g data-key="{escape(node.key)}"><title>{escape(tip)}</title>')
        out.append(
            f'<rect x="{x[i]}" y="{y[i]}" width="{BOX_W}" height="{BOX_H}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{thick}"/>'
        )
        lines = _wrap(node.name, 13, BOX_W - 12)
        badge = _badge(analysis, i)
        used = len(lines) + bool(badge)
        top = y[i] + BOX_H / 2 - 7.5 * used + 11  # the block of lines centred in the box
        for k, line in enumerate(lines):
            out.append(
                f'<text x="{x[i] + BOX_W / 2:.0f}" y="{top + 15 * k:.0f}" font-size="13" '
                f'text-anchor="middle" fill="#212529">{escape(line)}</text>'
            )
        if badge:
            out.append(
                f'<text x="{x[i] + BOX_W / 2:.0f}" y="{top + 15 * len(lines):.0f}" '
                f'font-size="11" text-anchor="middle" fill="{stroke}">{escape(badge)}</text>'
            )
        out.append("</g>")
    legend_y = height - FOOTER + 30
    lx = MARGIN
    for key in ("problem", "watch", "ok"):
        fill, stroke, label = STYLES[key]
        out.append(
            f'<rect x="{lx}" y="{legend_y - 12}" width="16" height="16" rx="3" fill="{fill}" '
            f'stroke="{stroke}"/>'
        )
        out.append(
            f'<text x="{lx + 22}" y="{legend_y + 1}" font-size="12" fill="#495057">{escape(label)}</text>'
        )
        lx += 26 + int(_text_width(label, 12)) + 24
    out.append(
        f'<text x="{lx}" y="{legend_y + 1}" font-size="12" fill="#868e96">箭头：投入 → 使用 '
        "arrows: input → user；据公开资料整理，示意，待确认 illustrative</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _edge_path(x1, y1, x2, y2, forward: bool) -> str:
    if forward:
        sx, sy, tx, ty = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
        bend = max(GAP_X / 2, (tx - sx) / 2)
        d = f"M{sx:.0f},{sy:.0f} C{sx + bend:.0f},{sy:.0f} {tx - bend:.0f},{ty:.0f} {tx:.0f},{ty:.0f}"
        return _with_arrow(d, tx, ty, 0)
    # an input drawn to the left of (or above/below) its user: arc underneath, dashed
    sx, sy, tx, ty = x1 + BOX_W / 2, y1 + BOX_H, x2 + BOX_W / 2, y2 + BOX_H
    drop = max(sy, ty) + GAP_Y * 1.5
    d = f"M{sx:.0f},{sy:.0f} C{sx:.0f},{drop:.0f} {tx:.0f},{drop:.0f} {tx:.0f},{ty:.0f}"
    return _with_arrow(d, tx, ty, -90, dashed=True)


def _with_arrow(d: str, tx: float, ty: float, angle: int, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    head = (
        f'<path d="M{tx:.0f},{ty:.0f} l-7,-4 l0,8 z" fill="#adb5bd" stroke="none" '
        f'transform="rotate({angle} {tx:.0f} {ty:.0f})"/>'
    )
    return f'<path d="{d}"{dash}/>{head}'


def _styles(chain: ChainSpec, analysis: ChainAnalysis | None) -> tuple[list[str], str]:
    subtitle = (
        f"数据日期 as of {chain.as_of or '未知 unknown'} · {len(chain.nodes)} 个节点 nodes · "
        f"{len(chain.edges)} 条连接 edges"
    )
    if analysis is None:
        return ["unknown"] * len(chain.nodes), subtitle
    scores = analysis.nodes.score
    styles = []
    for i in range(len(chain.nodes)):
        if analysis.nodes.in_problem_list[i]:
            styles.append("problem")
        elif np.isnan(scores[i]):
            styles.append("unknown")
        elif scores[i] >= WATCH_SCORE:
            styles.append("watch")
        else:
            styles.append("ok")
    subtitle += (
        f" · 问题清单 {len(analysis.problems)} 项 · 技术清单 {len(analysis.technologies)} 项 · "
        f"规则 rules: {analysis.rules.label}"
    )
    return styles, subtitle


def _badge(analysis: ChainAnalysis | None, i: int) -> str:
    if analysis is None or np.isnan(analysis.nodes.score[i]):
        return ""
    mode = (
        analysis.rules.modes[analysis.nodes.mode[i]].mode.zh
        if analysis.nodes.in_problem_list[i]
        else ""
    )
    return f"{analysis.nodes.score[i]:.2f} {mode}".strip()


def _tooltip(node, analysis: ChainAnalysis | None, i: int) -> str:
    parts = [
        f"{node.name} {node.name_en or ''}".strip(),
        f"{node.segment.zh} · {node.effective_class.zh}",
    ]
    if node.import_dependence is not None:
        parts.append(f"进口依赖 import {float(node.import_dependence):.0%}")
    if node.foreign_suppliers:
        parts.append("国外供应商 " + "、".join(node.foreign_suppliers[:3]))
    if analysis is not None and not np.isnan(analysis.nodes.score[i]):
        parts.append(f"卡脖子指数 score {analysis.nodes.score[i]:.2f}")
    return "\n".join(parts)


def write_svg(chain: ChainSpec, path: Path, analysis: ChainAnalysis | None = None) -> Path:
    path = Path(path)
    path.write_text(render_svg(chain, analysis), encoding="utf-8")
    return path
