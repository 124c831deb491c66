"""The chokepoint analysis on small chains checked by hand (issue #5 §3)."""

from __future__ import annotations

import numpy as np
import pytest

from xinzhi.chains.analysis import (
    analyse,
    analyse_chain,
    arrays_from_spec,
    choose_modes,
)
from xinzhi.chains.graph import CycleError
from xinzhi.chains.linking import explicit_links
from xinzhi.chains.rules import load_rules
from xinzhi.chains.yamlio import parse_yaml

from .helpers import SMALL, chain_yaml, equal_rules


@pytest.fixture(scope="module")
def small():
    return analyse_chain(None, parse_yaml(SMALL, "small.yaml"), equal_rules())


def test_every_node_is_scored_by_hand(small):
    rows = {row["key"]: row for row in small.node_rows()}
    # criticality: share of the other 5 nodes downstream
    assert {k: r["descendants"] for k, r in rows.items()} == {
        "a": 2,
        "b": 2,
        "c": 1,
        "d": 0,
        "e": 1,
        "f": 0,
    }
    assert rows["b"]["score"] == pytest.approx((1 + 0.8 + 0.4 + 1 + 0.5) / 5)
    assert rows["c"]["score"] == pytest.approx(
        (0.5 + 0.6 + 0.2 + 0 + 0) / 5
    )  # local leader, 自主可控
    assert rows["e"]["score"] == pytest.approx((1 + 0.9 + 0.2 + 1) / 4)  # domestic status unknown
    # unknown is left out, never zero: a has only criticality and the local gap
    assert rows["a"]["score"] == pytest.approx((0.4 + 1) / 2)
    assert rows["a"]["completeness"] == pytest.approx(2 / 5)
    assert rows["a"]["import_dependence"] is None and rows["a"]["technology_control"] is None


def test_disconnected_parts_are_analysed_apart(small):
    rows = {row["key"]: row for row in small.node_rows()}
    assert {rows[k]["part"] for k in "abcd"} == {rows["a"]["part"]}
    assert rows["e"]["part"] == rows["f"]["part"] != rows["a"]["part"]


def test_problem_list_ranks_chokepoints_with_mode_and_reason(small):
    assert [(p.node_key, p.rank) for p in small.problems] == [("e", 1), ("b", 2)]
    e, b = small.problems
    assert e.problem_class == "元器件" and e.dimensions == ["技术受制于人", "进口替代"]
    assert (e.mode, e.reason_zh, e.reason_en) == ("基础研究", "成熟度3", "maturity 3")
    assert (b.mode, b.reason_zh) == ("带土移植", "引进国内甲")
    assert e.unknown == ["国内供给能力"] and "国内供给能力未知" in e.basis_zh
    # a node with neither dimension known never enters the list, whatever its score
    assert "a" not in [p.node_key for p in small.problems]


def test_technology_list_ranks_technologies_with_modes(small):
    items = [(t.rank, t.node_key, t.technology_name, t.mode) for t in small.technologies]
    assert items == [(1, "e", "敏感材料", "基础研究"), (2, "b", "轴承钢冶炼", "带土移植")]
    assert small.technologies[1].score == pytest.approx(((1 + 0.8 + 0.4 + 1 + 0.5) / 5 + 1) / 2)


def test_strong_local_leader_gives_own_rd(small):
    c = small.arrays.node_keys.index("c")
    assert small.rules.modes[small.nodes.mode[c]].mode.zh == "自主研发"
    assert small.arrays.links.names[small.nodes.leader_link[c]] == "本地龙头公司"


def _variables(**given):
    names = (
        "score",
        "technology_control",
        "import_dependence",
        "criticality",
        "maturity",
        "local_firms",
        "capable_local_firms",
        "leader_level",
        "domestic_capability",
        "domestic_suppliers",
    )
    return {name: np.array([given.get(name, np.nan)], dtype=float) for name in names}


@pytest.mark.parametrize(
    ("given", "mode"),
    [
        ({"maturity": 3, "leader_level": 4, "capable_local_firms": 3}, "基础研究"),
        ({"maturity": 7, "leader_level": 4, "capable_local_firms": 1}, "自主研发"),
        ({"maturity": 7, "leader_level": 2, "capable_local_firms": 3}, "联合攻关"),
        (
            {"maturity": 7, "leader_level": 0, "capable_local_firms": 0, "domestic_suppliers": 2},
            "带土移植",
        ),
        (
            {"maturity": 7, "leader_level": 0, "capable_local_firms": 0, "domestic_suppliers": 0},
            "揭榜挂帅",
        ),
        ({"leader_level": 2, "capable_local_firms": 1, "domestic_suppliers": 3}, "揭榜挂帅"),
        ({}, "揭榜挂帅"),  # all unknown: no comparison holds, the default applies
    ],
)
def test_mode_rule_each_branch(given, mode):
    rules = equal_rules()
    chosen = choose_modes(rules, _variables(**given), 1)
    assert rules.modes[chosen[0]].mode.zh == mode


def test_shipped_rule_gives_each_of_the_five_modes():
    rules = load_rules()
    cases = {
        "基础研究": {"maturity": 2},
        "自主研发": {"maturity": 8, "leader_level": 4, "capable_local_firms": 1},
        "联合攻关": {"maturity": 8, "leader_level": 3, "capable_local_firms": 1},
        "带土移植": {
            "maturity": 8,
            "leader_level": 0,
            "capable_local_firms": 0,
            "domestic_suppliers": 1,
        },
        "揭榜挂帅": {
            "maturity": 8,
            "leader_level": 0,
            "capable_local_firms": 0,
            "domestic_suppliers": 0,
        },
    }
    for mode, given in cases.items():
        assert rules.modes[choose_modes(rules, _variables(**given), 1)[0]].mode.zh == mode, mode


def test_a_cycle_is_reported_not_looped_on():
    chain = parse_yaml(SMALL, "small.yaml")
    rules = equal_rules()
    arrays = arrays_from_spec(chain, explicit_links(chain), rules)
    # add d → a behind the validator's back: a → c → d → a
    arrays.src = np.append(arrays.src, 3)
    arrays.dst = np.append(arrays.dst, 0)
    with pytest.raises(CycleError) as caught:
        analyse(arrays, rules)
    assert caught.value.cycles == [[0, 2, 3, 0]]


def test_unknown_capability_is_not_none_found():
    body = """
    - key: x
      name: 零件
      segment: 上游
      kind: component
      import_dependence: 70%
      enterprises: [{enterprise_name: 某公司}]
    """
    result = analyse_chain(None, parse_yaml(chain_yaml(body), "x.yaml"), equal_rules())
    row = result.node_rows()[0]
    # a firm is linked but its capability was never assessed: the local gap is unknown
    assert row["local_firms"] == 1 and row["leader_level"] is None
    assert row["score"] == pytest.approx((0.7 + 0) / 2)  # import and criticality (0) only
