"""Charts of the briefings as PNG images, drawn by matplotlib (Agg, no display) in the
Simplified Chinese face of Noto Sans CJK — the font the notices embed (``documents.fonts``), so
a chart reads the same on any machine and no font is fetched at run time."""

from __future__ import annotations

import io
from functools import lru_cache

from ..fonts import FAMILY, find_cjk_font

DPI = 150
BLUE, GREY, RED = "#1f5fa8", "#9aa5b1", "#c0392b"


@lru_cache(maxsize=1)
def _font():
    """The SC face of the collection (matplotlib registers every face of a .ttc)."""
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    path = find_cjk_font()
    font_manager.fontManager.addfont(str(path))
    if path.suffix.lower() == ".ttc":
        return FontProperties(family=FAMILY)
    return FontProperties(fname=str(path))


def _png(figure) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def district_bars(names: list[str], values: list[int], targets: list[float | None]) -> bytes:
    """Enterprises per district (bars) with each district's target (markers)."""
    legend = ("科技型企业（家）", "全年目标")
    font = _font()
    fig, ax = _figure(7.5, 3.6)
    positions = range(len(names))
    ax.bar(positions, values, color=BLUE, label=legend[0])
    known = [(i, t) for i, t in zip(positions, targets) if t is not None]
    if known:
        ax.scatter(
            [i for i, _ in known],
            [t for _, t in known],
            color=RED,
            marker="_",
            s=300,
            zorder=3,
            label=legend[1],
        )
    ax.set_xticks(list(positions))
    ax.set_xticklabels(names, fontproperties=font, rotation=45, ha="right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(prop=font, frameon=False, fontsize=8)
    return _png(fig)


def cumulative_lines(year: int, this_year: list, last_year: list | None) -> bytes:
    """Technology-contract turnover, cumulative by month: this year against the last."""
    labels = (f"{year}年", f"{year - 1}年", "月", "亿元")
    font = _font()
    fig, ax = _figure(7.0, 3.2)
    months = list(range(1, len(this_year) + 1))
    ax.plot(months, [float(v) for v in this_year], color=BLUE, marker="o", label=labels[0])
    if last_year is not None:
        ax.plot(
            range(1, len(last_year) + 1),
            [float(v) for v in last_year],
            color=GREY,
            linestyle="--",
            marker=".",
            label=labels[1],
        )
    ax.set_xticks(range(1, 13))
    ax.set_xlim(0.5, 12.5)
    ax.set_xlabel(labels[2], fontproperties=font)
    ax.set_ylabel(labels[3], fontproperties=font)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(prop=font, frameon=False)
    return _png(fig)
