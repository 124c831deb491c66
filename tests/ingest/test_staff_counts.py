"""Staff counts with two decimals (issue #19 item 12): the enterprise-year import keeps
12.25 and 12.5 exactly; a third decimal or a negative count is an error naming the row and
the column, and nothing of the file is written."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from xinzhi.ingest.pipeline import import_file
from xinzhi.store import models

from .helpers import code, write_csv

HEADER = ["统一社会信用代码", "年度", "职工总数", "科技人员数"]


def test_fractional_staff_counts_are_kept_exactly(registry, tmp_path):
    path = write_csv(
        tmp_path / "years.csv",
        HEADER,
        [
            [code("MA0XK1W1"), 2023, "122.5", "12.25"],
            [code("MA0XK1W2"), 2023, "12.5", "12.5"],
            [code("MA0XK1W2"), 2022, 40, 4],
        ],
    )
    result = import_file(registry, "enterprise_years", path, actor="test")
    assert result.ok, result.errors
    with registry.connect() as conn:
        rows = conn.execute(
            sa.select(
                models.EnterpriseYear.year,
                models.EnterpriseYear.employees,
                models.EnterpriseYear.tech_staff,
            ).order_by(models.EnterpriseYear.id)
        ).all()
        stored = conn.execute(
            sa.text("SELECT employees, tech_staff FROM enterprise_years ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        (2023, Decimal("122.50"), Decimal("12.25")),
        (2023, Decimal("12.50"), Decimal("12.50")),
        (2022, Decimal("40.00"), Decimal("4.00")),
    ]
    assert [tuple(r) for r in stored] == [(12250, 1225), (1250, 1250), (4000, 400)]  # hundredths


def test_a_third_decimal_or_a_negative_count_is_refused_with_row_and_column(registry, tmp_path):
    path = write_csv(
        tmp_path / "years.csv",
        HEADER,
        [
            [code("MA0XK1W1"), 2023, "122.5", "12.25"],  # fine, but the file is refused
            [code("MA0XK1W2"), 2023, "12.255", "1"],
            [code("MA0XK1W3"), 2023, "10", "-1"],
        ],
    )
    result = import_file(registry, "enterprise_years", path, actor="test")
    assert not result.ok
    found = {(e.row, e.column, e.code) for e in result.errors}
    assert (3, "职工总数", "headcount_precision") in found, result.errors
    assert (4, "科技人员数", "headcount_negative") in found, result.errors
    precision = next(e for e in result.errors if e.code == "headcount_precision")
    assert "两位小数" in precision.zh and "2 decimal places" in precision.en
    with registry.connect() as conn:  # all or nothing
        assert conn.scalar(sa.select(sa.func.count()).select_from(models.EnterpriseYear)) == 0
