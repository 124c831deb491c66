"""The vectorised path for plain cells gives exactly what the per-cell parsers give."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinzhi.domain.errors import InvalidValue
from xinzhi.ingest import columns as c
from xinzhi.ingest import fastpath
from xinzhi.ingest.headers import bind_header
from xinzhi.ingest.kinds import ENTERPRISE_YEARS

from .helpers import code

HEADER = [
    "统一社会信用代码",
    "年度",
    "销售收入",
    "净资产",
    "职工总数",
    "科技人员数",
    "成本费用支出总额",
    "科技成果转化数",
]
BOUND = bind_header(ENTERPRISE_YEARS, HEADER)

money_cells = st.one_of(
    st.decimals(min_value=0, max_value=10**15, places=2).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "007",
            "1.5",
            "1.005",
            "1,234.50",
            "-1",
            "１２",
            "1e5",
            "abc",
            "999999999999999.99",
            "1000000000000000",
            ".5",
            "5.",
            " 12 ",
        ]
    ),
)
signed_cells = st.one_of(money_cells, st.sampled_from(["-0", "-0.00", "-12.3", "--1", "+5"]))
count_cells = st.sampled_from(["", "0", "12", "007", "12.0", "-1", "1000000000", "2147483648", "x"])
headcount_cells = st.one_of(
    count_cells,
    st.decimals(min_value=0, max_value=10**9, places=2).map(str),
    st.sampled_from(["12.25", "12.5", "12.255", "0.01", ".5", "5.", "999999999.99", "-0.5"]),
)
year_cells = st.sampled_from(["2023", "1948", "1949", "2099", "23", "2023.0", "2023年", "", "x"])
code_cells = st.sampled_from(
    [code("MA0XK1W1"), code("MA0XK1W2").lower(), "91110108MA01B7C46G", "", "bad"]
)


def _slow(parser, raw):
    try:
        return parser(raw, 1) if parser is not None else None
    except InvalidValue:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            code_cells,
            year_cells,
            money_cells,
            signed_cells,
            headcount_cells,
            headcount_cells,
            money_cells,
            count_cells,
        ),
        min_size=1,
        max_size=20,
    )
)
def test_plain_rows_parse_as_the_per_cell_parsers_do(rows):
    checker = c.CreditCodeChecker(set())
    result = fastpath.parse_plain([list(r) for r in rows], BOUND, checker)
    for cells, values, plain in zip(rows, result.values, result.plain, strict=True):
        if not plain:
            continue  # such rows go through the per-cell parsers
        for b, raw, value in zip(BOUND, cells, values, strict=True):
            if raw == "":
                assert value is None and not b.column.required
            else:
                assert value == _slow(b.column.parse or checker, raw), (b.column.name, raw)


spreadsheet_numbers = st.one_of(
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(places=2, min_value=-(10**12), max_value=10**12).map(float),
    st.sampled_from([0.1 + 0.2, 1e16, 1e-7, -0.0, 2023.0, True, dt.date(2023, 1, 1)]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(*[spreadsheet_numbers] * 7), min_size=1, max_size=20))
def test_spreadsheet_numbers_parse_as_the_per_cell_parsers_do(rows):
    """calamine gives numbers, not text: the fast path reads them as the slow one does."""
    checker = c.CreditCodeChecker(set())
    cells = [[code("MA0XK1W1"), *row] for row in rows]
    result = fastpath.parse_plain(cells, BOUND, checker)
    for row, values, plain in zip(cells, result.values, result.plain, strict=True):
        if not plain:
            continue
        for b, raw, value in zip(BOUND, row, values, strict=True):
            assert value == _slow(b.column.parse or checker, raw), (b.column.name, raw)


@pytest.mark.parametrize("value", [True, dt.date(2023, 1, 1), 1e16, 0.1 + 0.2])
def test_other_values_leave_the_fast_path(value):
    rows = [[code("MA0XK1W1"), value, "1", "1", "1", "1", "1", "1"]]
    result = fastpath.parse_plain(rows, BOUND, c.CreditCodeChecker(set()))
    assert result.plain == [False]


def test_a_plain_row_takes_the_fast_path():
    rows = [[code("MA0XK1W1"), "2023", "5200.5", "-35", "120", "", "4100.25", "3"]]
    result = fastpath.parse_plain(rows, BOUND, c.CreditCodeChecker(set()))
    assert result.plain == [True]
    # Staff counts in hundredths of a person (120 → 12000), money in fen.
    assert result.values == [(code("MA0XK1W1"), 2023, 520050, -3500, 12000, None, 410025, 3)]
