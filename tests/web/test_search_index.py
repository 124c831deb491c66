"""The search index: pinyin initials, name bigrams, kept in step by imports and refreshes."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.ingest.pipeline import import_file
from xinzhi.store import models
from xinzhi.store.models.search import (
    STOP_GRAMS,
    EnterpriseNameGram,
    EnterpriseSearch,
    name_grams,
    name_initials,
    refresh_enterprise_search,
)

from ..ingest.helpers import (
    DISTRICT_HEADER,
    DISTRICT_ROWS,
    ENTERPRISE_HEADER,
    enterprise_rows,
    write_csv,
)


def test_initials_follow_the_reading_of_the_word():
    assert name_initials("沈阳恒拓机器人科技有限公司") == "syhtjqrkjyxgs"
    assert name_initials("重庆长安汽车股份有限公司") == "cqcaqcgfyxgs"  # 重庆 chóng, 长安 cháng
    assert name_initials("中国银行") == "zgyh"  # 银行 háng
    assert name_initials("ABC（沈阳）3D 打印") == "abcsy3ddy"


@given(st.text(max_size=60))
def test_initials_are_lower_case_letters_and_digits(name):
    initials = name_initials(name)
    assert initials == initials.lower() and all(c.isascii() and c.isalnum() for c in initials)
    assert len(initials) <= max(len(name), 0) * 6  # a character gives at most a few letters


@given(st.text(min_size=2, max_size=40))
def test_every_searchable_bigram_of_a_name_is_indexed(name):
    grams = name_grams(name)
    assert not grams & STOP_GRAMS
    for gram in grams:
        assert len(gram) == 2 and gram.isalnum()


def test_imports_and_refreshes_keep_the_index_in_step(engine, tmp_path):
    def imported(kind, header, rows):
        path = write_csv(tmp_path / f"{kind}.csv", header, rows)
        assert import_file(engine, kind, path, actor="test").ok

    imported("districts", DISTRICT_HEADER, DISTRICT_ROWS)
    imported("enterprises", ENTERPRISE_HEADER, enterprise_rows())
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(EnterpriseSearch.name, EnterpriseSearch.initials)).all())
        grams = set(conn.scalars(sa.select(EnterpriseNameGram.gram)).all())
    assert rows["沈阳甲智能装备有限公司"] == name_initials("沈阳甲智能装备有限公司")
    assert {"智能", "软件", "生物"} <= grams and "公司" not in grams
    renamed = enterprise_rows()
    renamed[0][1] = "沈阳丁机器人有限公司"  # an update renames; the index follows
    imported("enterprises", ENTERPRISE_HEADER, renamed)
    with engine.connect() as conn:
        names = set(conn.scalars(sa.select(EnterpriseSearch.name)).all())
        robots = conn.scalars(
            sa.select(EnterpriseNameGram.enterprise_id).where(EnterpriseNameGram.gram == "器人")
        ).all()
    assert "沈阳丁机器人有限公司" in names and "沈阳甲智能装备有限公司" not in names
    assert len(robots) == 1
    # a writer that bypasses imports leaves the index behind; a refresh catches up
    with engine.begin() as conn:
        conn.execute(
            sa.update(models.Enterprise)
            .where(models.Enterprise.id == robots[0])
            .values(name="沈阳戊航空有限公司")
        )
        assert refresh_enterprise_search(conn) == 1
        assert refresh_enterprise_search(conn) == 0
        assert (
            conn.scalar(
                sa.select(EnterpriseSearch.initials).where(
                    EnterpriseSearch.enterprise_id == robots[0]
                )
            )
            == "sywhkyxgs"
        )
