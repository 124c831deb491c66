"""Keyset page cursors: whatever a caller sends is either one of ours or a 400, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.web.auth import BadRequest
from xinzhi.web.search import INT64, decode_cursor, encode_cursor

sort_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-INT64, INT64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=100),
)


@given(st.lists(sort_values, max_size=4))
def test_a_cursor_we_wrote_reads_back(values):
    assert decode_cursor(encode_cursor(values)) == values


@given(st.text(max_size=300))
def test_any_text_is_a_cursor_or_a_400(text):
    try:
        values = decode_cursor(text)
    except BadRequest:
        return
    assert values is None or isinstance(values, list)


@given(
    st.lists(st.one_of(st.integers(INT64 + 1), st.dictionaries(st.text(), st.text())), min_size=1)
)
def test_values_no_column_can_hold_are_refused(values):
    with pytest.raises(BadRequest):
        decode_cursor(encode_cursor(values))
