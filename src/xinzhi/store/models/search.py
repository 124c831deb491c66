"""The enterprise search index, kept in step with the registry.

* ``enterprise_search``: the pinyin initials of each name — 沈阳恒拓机器人科技有限公司 →
  ``syhtjqrkjyxgs`` — as users type them in a Chinese input method, and the name they were
  computed from, so that a refresh recomputes only new and renamed enterprises.
* ``ix_enterprises_district_id_name``: the registry's list of one district in name order, so
  that a district's first page reads 20 index entries instead of sorting the district.
* ``enterprise_name_grams``: every distinct pair of adjacent characters (bigram) of each
  name, with the name, so that a substring search ("恒拓", "机器人") reads the firms holding
  its rarest bigram in name order instead of scanning a million names. Bigrams every firm name has (有限, 公司
  …) and those with punctuation are left out: they select nothing.
"""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import Connection, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ...domain.text import to_halfwidth
from .base import Base
from .registry import Enterprise

REFRESH_CHUNK = 20_000


# Bigrams of the organisational forms (有限公司, 有限责任公司, 股份有限公司): in nearly every name.
STOP_GRAMS = frozenset({"有限", "限公", "公司", "股份", "份有", "限责", "责任", "任公"})


class EnterpriseSearch(Base):
    __tablename__ = "enterprise_search"

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200))  # the name the initials were computed from
    initials: Mapped[str] = mapped_column(String(200), index=True)


class EnterpriseNameGram(Base):
    """(bigram, name, enterprise): the key order lists the firms holding a bigram by name, so
    that the first page of a search reads twenty entries however many firms match."""

    __tablename__ = "enterprise_name_grams"

    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    # No index of its own: it would repeat the whole key (0.4 GB for a million firms). The
    # refresh deletes by the full key (it knows the old name); deleting an enterprise, which
    # the registry never does, would scan this table.
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = ({"sqlite_with_rowid": False},)


Index("ix_enterprises_district_id_name", Enterprise.district_id, Enterprise.name)


def normalise_name(text: str) -> str:
    """The form names and queries are compared in: half-width, lower case."""
    return to_halfwidth(text).lower()


def name_grams(name: str) -> set[str]:
    text = normalise_name(name)
    return {
        gram
        for gram in (text[i : i + 2] for i in range(len(text) - 1))
        if gram not in STOP_GRAMS and gram.isalnum()
    }


# Common characters whose initial depends on the word (重庆 chóng / 重工 zhòng, 银行 háng /
# 行业 xíng, 长春 cháng / 董事长 zhǎng …): names holding one are read with pypinyin's phrase
# dictionary; every other character takes its most common reading, from a cache.
CONTEXT_DEPENDENT = frozenset("重长行乐朝藏调传种还都曾单解区查朴厦会奇参仔落薄缩省率")


@lru_cache(maxsize=8192)
def _char_initial(char: str) -> str:
    from pypinyin import Style, pinyin

    if char.isascii():
        return char.lower() if char.isalnum() else ""
    reading = pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return reading[0][0].lower() if reading and reading[0] else ""


def name_initials(name: str) -> str:
    """Lower-case pinyin initials of a name; ASCII letters and digits are kept as they are."""
    if CONTEXT_DEPENDENT.isdisjoint(name):
        return "".join(_char_initial(char) for char in name)[:200]
    from pypinyin import Style, lazy_pinyin

    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(part.lower() if part.isascii() and part.isalnum() else "" for part in parts)[
        :200
    ]


_DELETE_GRAM = EnterpriseNameGram.__table__.delete().where(
    EnterpriseNameGram.gram == sa.bindparam("g"),
    EnterpriseNameGram.name == sa.bindparam("n"),
    EnterpriseNameGram.enterprise_id == sa.bindparam("e"),
)


def refresh_enterprise_search(
    conn: Connection, *, import_batch_id: int | None = None, id_range: tuple[int, int] | None = None
) -> int:
    """Index new and renamed enterprises — of one import batch, or ids in ``id_range``
    (inclusive), or all — and return how many.

    Runs inside the caller's transaction, so an import and its index rows commit together.
    """
    enterprises, index = Enterprise.__table__, EnterpriseSearch.__table__
    grams = EnterpriseNameGram.__table__
    stale = (
        sa.select(enterprises.c.id, enterprises.c.name, index.c.name.label("old_name"))
        .select_from(enterprises.outerjoin(index, index.c.enterprise_id == enterprises.c.id))
        .where(sa.or_(index.c.enterprise_id.is_(None), index.c.name != enterprises.c.name))
    )
    if import_batch_id is not None:
        stale = stale.where(enterprises.c.import_batch_id == import_batch_id)
    if id_range is not None:
        stale = stale.where(enterprises.c.id.between(*id_range))
    rows = conn.execute(stale).all()
    for start in range(0, len(rows), REFRESH_CHUNK):
        chunk = rows[start : start + REFRESH_CHUNK]
        ids = [row.id for row in chunk]
        conn.execute(index.delete().where(index.c.enterprise_id.in_(ids)))
        old_grams = [
            {"g": g, "n": r.old_name, "e": r.id}
            for r in chunk
            if r.old_name is not None
            for g in name_grams(r.old_name)
        ]
        if old_grams:
            conn.execute(_DELETE_GRAM, old_grams)
        conn.execute(
            index.insert(),
            [
                {"enterprise_id": r.id, "name": r.name, "initials": name_initials(r.name)}
                for r in chunk
            ],
        )
        gram_rows = [
            {"gram": g, "name": r.name, "enterprise_id": r.id}
            for r in chunk
            for g in name_grams(r.name)
        ]
        if gram_rows:
            conn.execute(grams.insert(), gram_rows)
    return len(rows)
