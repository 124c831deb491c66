"""Taxonomy files: the shipped ones load; bad files fail with file, line and reason."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.errors import InvalidValue
from xinzhi.domain.ipc import parse_ipc_class, parse_ipc_list
from xinzhi.tracks.taxonomy import TaxonomyError, build_catalogue, load_catalogue, shipped_files

HEAD = """taxonomy: {key}
name: 测试分类
region: 沈阳市
valid_from: {start}
{end}status: 🟡
tracks:
"""


def taxonomy(key="test", start="2024-01-01", end=None, tracks="") -> str:
    return HEAD.format(key=key, start=start, end=f"valid_to: {end}\n" if end else "") + tracks


TRACK = """  - id: {id}
    name: 测试赛道
    status: ✅
    strong: [测试词]
"""


def problems(files, as_of=dt.date(2025, 1, 1)):
    with pytest.raises(TaxonomyError) as raised:
        build_catalogue(files, as_of)
    return raised.value.problems


def test_shipped_catalogue_loads_with_national_and_regional_tracks():
    catalogue = load_catalogue(dt.date(2025, 1, 1))
    keys = {t.key for t in catalogue.taxonomies}
    assert {"cn-miit-2024", "gd-2024", "dongguan-2024", "liaoning-shenyang-2024"} <= keys
    assert len(catalogue.classified) >= 15
    # the named flagship products are tracks of the national file
    for name in ("人形机器人", "量子计算", "脑机接口", "下一代移动通信"):
        assert any(t.name == name for t in catalogue.classified)
    # a regional group stands for national dictionaries
    assert catalogue.members("dg-humanoid-robot") == ["humanoid-robot"]
    assert set(catalogue.members("future-health")) == {
        "cell-gene",
        "brain-computer-interface",
        "bio-breeding",
    }
    # every taxonomy cites a source with a provenance mark
    assert all(
        t.sources and all(s.status in "✅🟡❓" for s in t.sources) for t in catalogue.taxonomies
    )


def test_before_the_national_text_took_effect_it_is_not_in_force():
    catalogue = load_catalogue(dt.date(2023, 6, 1))
    assert "cn-miit-2024" not in {t.key for t in catalogue.taxonomies}


def test_unknown_industry_code_fails_with_its_line():
    text = taxonomy(tracks=TRACK.format(id="a-track") + "    industry_codes: [C9999]\n")
    (problem,) = problems([("bad.yaml", text)])
    assert (problem.origin.file, problem.origin.line, problem.field) == (
        "bad.yaml",
        11,
        "industry_codes",
    )
    assert "大类" in problem.zh and "division" in problem.en


def test_bad_ipc_and_sei_codes_fail():
    text = taxonomy(tracks=TRACK.format(id="a-track") + "    ipc: [Z99X]\n    sei_codes: ['12']\n")
    found = problems([("bad.yaml", text)])
    assert {p.field for p in found} == {"ipc", "sei_codes"}
    assert all(p.origin.line in (11, 12) for p in found)


def test_duplicate_track_id_within_a_file_and_across_files():
    text = taxonomy(tracks=TRACK.format(id="twice") + TRACK.format(id="twice"))
    (problem,) = problems([("one.yaml", text)])
    assert problem.code == "duplicate_track" and problem.origin.line == 11
    other = taxonomy(key="other", tracks=TRACK.format(id="humanoid-robot"))
    (problem,) = problems([*shipped_files(), ("mine.yaml", other)])
    assert problem.code == "duplicate_track" and problem.origin.file == "mine.yaml"
    assert "cn-miit-2024.yaml" in problem.zh


def test_overlapping_versions_fail_and_dated_versions_do_not():
    v1 = taxonomy(start="2024-01-01", tracks=TRACK.format(id="t-one"))
    v2 = taxonomy(start="2025-01-01", tracks=TRACK.format(id="t-one"))
    (problem,) = problems([("v1.yaml", v1), ("v2.yaml", v2)])
    assert problem.code == "overlapping_versions" and problem.origin.file == "v2.yaml"
    v1_ended = taxonomy(start="2024-01-01", end="2025-01-01", tracks=TRACK.format(id="t-one"))
    catalogue = build_catalogue([("v1.yaml", v1_ended), ("v2.yaml", v2)], dt.date(2025, 6, 1))
    assert [t.file for t in catalogue.taxonomies] == ["v2.yaml"]
    catalogue = build_catalogue([("v1.yaml", v1_ended), ("v2.yaml", v2)], dt.date(2024, 6, 1))
    assert [t.file for t in catalogue.taxonomies] == ["v1.yaml"]


def test_missing_references_fail():
    text = taxonomy(
        tracks="  - {id: grp, name: 组, status: ✅, includes: [no-such-track]}\n"
        + TRACK.format(id="leaf")
        + "    chain_nodes: [robot/no_such_node]\n"
    )
    found = problems([("refs.yaml", text)])
    assert [p.code for p in found] == ["missing_reference", "missing_reference"]
    assert {p.value for p in found} == {"no-such-track", "robot/no_such_node"}


def test_unknown_field_bad_mark_and_cycle():
    text = taxonomy(tracks=TRACK.format(id="leaf") + "    colour: red\n")
    (problem,) = problems([("f.yaml", text)])
    assert problem.code == "unknown_field" and problem.origin.line == 11
    text = taxonomy(tracks="  - {id: leaf, name: x, status: ok}\n")
    assert problems([("m.yaml", text)])[0].code == "bad_mark"
    text = taxonomy(
        tracks="  - {id: ga, name: a, status: ✅, includes: [gb]}\n  - {id: gb, name: b, status: ✅, includes: [ga]}\n"
    )
    assert problems([("c.yaml", text)])[0].code == "cycle"


def test_yaml_syntax_error_names_the_line():
    (problem,) = problems([("s.yaml", taxonomy(tracks="  - id: [unclosed\n"))])
    assert problem.code == "yaml_syntax" and problem.origin.line >= 7


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("B25J", "B25J"),
        ("g06n 10/00", "G06N10/00"),
        ("Ｈ04Ｂ10/70", "H04B10/70"),
        ("B62D 57/032", "B62D57/032"),
    ],
)
def test_ipc_symbols_are_stored_compactly(raw, expected):
    assert parse_ipc_class(raw) == expected


def test_ipc_lists_split_and_deduplicate():
    assert parse_ipc_list("B25J 9/16; G05B 19/418、B25J 9/16") == "B25J9/16;G05B19/418"
    with pytest.raises(InvalidValue):
        parse_ipc_list("B25J 9/16; 机器人")


@given(
    st.sampled_from("ABCDEFGH"),
    st.integers(0, 99),
    st.sampled_from("ABCDEFGHJKLMNPQ"),
    st.integers(1, 9999),
    st.integers(0, 999999),
)
def test_ipc_round_trip(section, klass, subclass, group, subgroup):
    symbol = f"{section}{klass:02d}{subclass} {group}/{subgroup:02d}"
    parsed = parse_ipc_class(symbol)
    assert parse_ipc_class(parsed) == parsed
    assert parsed.startswith(f"{section}{klass:02d}{subclass}{group}/")


@given(st.text(max_size=20))
def test_ipc_parser_never_crashes(text):
    try:
        parse_ipc_class(text)
    except InvalidValue as error:
        assert error.zh and error.en
