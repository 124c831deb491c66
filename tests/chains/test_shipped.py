"""The eight Shenyang chains ship, load, analyse and render (issue #5 §2, "done when")."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from xinzhi.chains.analysis import analyse_chain
from xinzhi.chains.catalogue import SHIPPED, load_shipped
from xinzhi.chains.svg import render_svg
from xinzhi.chains.terms import domain_terms
from xinzhi.chains.vocab import Mode, Segment

NAMES = {
    "aviation": "航空",
    "robot": "机器人",
    "compressor": "压缩机",
    "transmission": "输变电",
    "heavy_machinery": "重型机械",
    "medical": "医疗装备",
    "ic": "集成电路",
    "high_end_equipment": "高端装备",
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_eight_chains_named_in_the_seeds_ship():
    assert {key: load_shipped(key).name for key in SHIPPED} == NAMES


@pytest.mark.parametrize("key", SHIPPED)
def test_each_map_is_a_credible_illustrative_first_map(key):
    chain = load_shipped(key)
    assert len(chain.nodes) >= 25 and len(chain.edges) >= 40 and chain.technology_count >= 15
    assert all(node.illustrative for node in chain.nodes)  # until a bureau confirms them
    assert {node.segment for node in chain.nodes} == set(Segment)
    assert chain.as_of is not None and "示意" in chain.source
    with_imports = [n for n in chain.nodes if n.import_dependence is not None]
    assert len(with_imports) >= len(chain.nodes) * 0.8
    assert sum(bool(n.foreign_suppliers) for n in chain.nodes) >= 15


@pytest.mark.parametrize("key", SHIPPED)
def test_linking_rules_do_not_overlap_within_a_chain(key):
    """An industry code or keyword names one node: else one firm is every node's firm."""
    chain = load_shipped(key)
    codes = Counter(code for node in chain.nodes for code in node.industry_codes)
    words = Counter(word for node in chain.nodes for word in node.keywords)
    assert [c for c, n in codes.items() if n > 1] == []
    assert [w for w, n in words.items() if n > 1] == []


@pytest.mark.parametrize("key", SHIPPED)
def test_each_chain_analyses_and_renders_with_chinese_labels(key):
    chain = load_shipped(key)
    result = analyse_chain(None, chain)
    assert 3 <= len(result.problems) <= len(chain.nodes)
    assert len(result.technologies) >= 3
    for item in result.problems + result.technologies:
        assert item.mode in {m.zh for m in Mode} and item.reason_zh and item.reason_en
        assert "{" not in item.reason_zh + item.reason_en
    svg = render_svg(chain, result)
    root = ET.fromstring(svg)  # well-formed XML
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert sum(bool(CJK.search(node.name)) for node in chain.nodes) >= len(chain.nodes) - 2
    assert sum(bool(CJK.search(t)) for t in texts) >= len(chain.nodes) - 2
    assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) >= len(chain.nodes)
    assert "Noto Sans CJK SC" in root.get("font-family")


def test_all_five_modes_are_recommended_somewhere_across_the_chains():
    results = [analyse_chain(None, load_shipped(key)) for key in SHIPPED]
    modes = Counter(item.mode for r in results for item in r.problems + r.technologies)
    assert set(modes) >= {"带土移植", "揭榜挂帅", "基础研究", "自主研发", "联合攻关"}


def test_domain_terms_work_without_a_database():
    terms = domain_terms(None)
    assert {"RV减速器", "光刻胶", "盾构", "特高压套管", "CT球管"} <= set(terms)
    assert terms == sorted(set(terms)) and all(len(t) >= 2 for t in terms)
