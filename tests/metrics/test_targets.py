"""A target set by hand (the admin page) passes the same checks as `xinzhi import targets`:
the import kind's parsers, its region rule and its row check — and is audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from xinzhi.metrics.targets import TargetError, set_target
from xinzhi.store.models import AuditEntry, Target

from ..assessments.firms import registry


@pytest.fixture
def city(sqlite_engine):
    registry(sqlite_engine, [{"name": "甲", "district": "210102"}], lists=())
    return sqlite_engine


def target(engine, **changes):
    values = dict(
        indicator="技术合同成交额",
        region="沈阳市",
        year=2023,
        value="300",
        value_max=None,
        unit="亿元",
        actor="web:admin",
    )
    values.update(changes)
    set_target(engine, **values)


def test_a_target_is_written_and_audited(city):
    target(city)
    target(city, value="250.5", value_max="260")  # the same key: updated, not duplicated
    with city.connect() as conn:
        rows = conn.execute(sa.select(Target.value, Target.value_max, Target.region)).all()
        audit = conn.execute(sa.select(AuditEntry.action, AuditEntry.detail)).all()
    assert [(str(v), str(m), r) for v, m, r in rows] == [("250.5000", "260.0000", "沈阳市")]
    assert [a for a, _ in audit] == ["target.set", "target.set"]
    assert audit[-1][1]["value"] == "250.5000"


@pytest.mark.parametrize(
    ("changes", "zh", "en"),
    [
        ({"value": "lots"}, "目标值：“lots”不是数值", "value: 'lots' is not a number"),
        ({"value": "-1"}, "数值不能为负", "must not be negative"),
        ({"value": "1.00001"}, "最多保留4位小数", "at most 4 decimal places"),
        ({"value": ""}, "目标值必须填写", "value is required"),
        ({"indicator": "  "}, "指标必须填写", "indicator is required"),
        ({"unit": "x" * 21}, "单位", "unit"),
        ({"year": 1800}, "年度", "year"),
        ({"year": "20x4"}, "年度", "year"),
        ({"value": "7", "value_max": "6"}, "目标值大于目标上限", "target exceeds its upper bound"),
        ({"region": "铁西区"}, "既不是已登记城市也不是已登记区县", "neither a registered city"),
    ],
)
def test_what_the_import_rejects_the_form_rejects(city, changes, zh, en):
    with pytest.raises(TargetError) as raised:
        target(city, **changes)
    assert zh in raised.value.zh and en in raised.value.en
    with city.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(Target)) == 0
        assert conn.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_district_and_a_long_range_plan_are_accepted(city):
    target(city, region="和平区", year=2035, value="4", value_max="6", unit="家")
    with city.connect() as conn:
        assert conn.scalar(sa.select(Target.year)) == 2035
