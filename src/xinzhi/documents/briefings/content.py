"""What a briefing says, independent of its format: sections of bullets, tables and charts,
and the numbered notes (data date and source) that its figures cite."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Note:
    number: int
    figure: str  # what is cited: "科技型企业总数"
    text: str  # "数据日期 2023-08-31；来源：enterprises 表，导入批次 3（…）"


@dataclass(frozen=True)
class Bullet:
    text: str
    notes: tuple[int, ...] = ()

    @property
    def marked(self) -> str:
        """The text with its note numbers, as printed: "…99.69%。[1]"."""
        return self.text + "".join(f"[{n}]" for n in self.notes)


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    title: str
    png: bytes
    width_cm: float = 15.0


@dataclass
class Section:
    key: str
    title: str
    bullets: list[Bullet] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Briefing:
    title: str
    subtitle: str
    region: str
    period_label: str
    generated_at: dt.datetime
    data_as_of: dt.date | None
    sections: list[Section]
    notes: list[Note]

    def text(self) -> str:
        """Every bullet and table cell, for tests and search."""
        out = [self.title, self.subtitle]
        for section in self.sections:
            out.append(section.title)
            out.extend(b.marked for b in section.bullets)
            for table in section.tables:
                out.append(table.title)
                out.append(" ".join(table.header))
                out.extend(" ".join(row) for row in table.rows)
        return "\n".join(out)
