"""The 图鉴's wording: numbers, year on year, and comparisons that turn with the trend."""

from __future__ import annotations

from decimal import Decimal

from xinzhi.documents.briefings import wording as w


def test_numbers_as_published():
    assert w.number(19938) == "19938"
    assert w.number(Decimal("249.30")) == "249.3"
    assert w.percent(Decimal("99.69")) == "99.69%"
    assert w.percent(Decimal("196.50")) == "196.5%"
    assert w.number(None) == w.percent(None) == "数据缺失"


def test_year_on_year_reads_growth_decline_or_missing():
    assert w.yoy(Decimal("56.11")) == "同比增长56.11%"
    assert w.yoy(Decimal("-3.2")) == "同比下降3.2%"
    assert w.yoy(Decimal(0)) == "与上年同期持平"
    assert w.yoy(None) == "同比数据缺失"


def test_the_wording_turns_when_the_trend_reverses():
    assert w.versus_previous(12, 5, "上月", "家") == "较上月增加12家"
    assert w.versus_previous(12, -3, "上月", "家") == "较上月增加12家，扭转上月下降态势"
    assert w.versus_previous(-4, 7, "上季度", "家") == "较上季度减少4家，由上季度增长转为下降"
    assert w.versus_previous(None, 7, "上月", "家") == "较上月数据缺失"
    assert w.rank(2, 13) == "，居全市第2位（共13个区县）"
