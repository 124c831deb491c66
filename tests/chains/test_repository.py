"""Chains in the database — SQLite and PostgreSQL: versions, node ids, all-or-nothing saves,
registry links, the contract other areas use (technology_list, domain_terms, node ids)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from xinzhi.chains.analysis import TechnologyItem, analyse_chain, technology_list
from xinzhi.chains.catalogue import load_shipped, resolve_chain
from xinzhi.chains.innovation import innovation_chain
from xinzhi.chains.linking import resolve_links
from xinzhi.chains.problems import ChainFileError
from xinzhi.chains.repository import (
    edit_node,
    list_chains,
    load_chain,
    node_ids,
    save_chain,
    versions,
)
from xinzhi.chains.rules import load_rules
from xinzhi.chains.terms import domain_terms
from xinzhi.chains.yamlio import parse_yaml
from xinzhi.domain.credit_code import make_credit_code
from xinzhi.store import models
from xinzhi.store.db import session_scope
from xinzhi.store.models.chains import ChainEnterpriseLink, ChainNode, ChainVersion

from .helpers import SMALL, equal_rules

AS_OF = dt.date(2023, 8, 31)


def _registry(engine, firms: list[tuple[str, str | None, bool]]) -> dict[str, str]:
    """Enterprises (name, industry code, HNTE?) in one district; returns name → credit code."""
    codes = {}
    with session_scope(engine) as session:
        district = models.District(
            code="210112",
            name="浑南区",
            city="沈阳市",
            province="辽宁省",
            kind="district",
            source="test",
            as_of=AS_OF,
        )
        for i, (name, industry, hnte) in enumerate(firms):
            code = make_credit_code("9", "1", "210112", f"CH{i:06d}")
            codes[name] = code
            session.add(
                models.Enterprise(
                    credit_code=code,
                    name=name,
                    district=district,
                    founded_on=dt.date(2015, 1, 1),
                    industry_code=industry,
                    hnte_certificate_no="GR2023" if hnte else None,
                    source="test",
                    as_of=AS_OF,
                )
            )
    return codes


def test_versions_are_kept_and_node_ids_stay(engine):
    chain = parse_yaml(SMALL, "small.yaml")
    first = save_chain(engine, chain, actor="甲", source="small.yaml")
    assert (first.version, first.changed, first.nodes_inserted) == (1, True, 6)
    ids = node_ids(engine, "mini")
    assert sorted(ids) == list("abcdef")
    again = save_chain(engine, parse_yaml(SMALL, "small.yaml"), actor="甲", source="small.yaml")
    assert (again.version, again.changed) == (1, False)  # identical: nothing written
    changed = parse_yaml(
        SMALL.replace("import_dependence: 80%", "import_dependence: 60%"), "s.yaml"
    )
    changed.nodes = [n for n in changed.nodes if n.key != "f"]
    changed.edges = [e for e in changed.edges if "f" not in (e.source, e.target)]
    second = save_chain(engine, changed, actor="乙", source="s.yaml", note="去掉f")
    assert (second.version, second.nodes_updated, second.nodes_deleted) == (
        2,
        2,
        1,
    )  # b; e lost its edge
    assert {k: v for k, v in node_ids(engine, "mini").items()} == {k: ids[k] for k in "abcde"}
    assert [(v.version, v.actor, v.current) for v in versions(engine, "mini")] == [
        (1, "甲", False),
        (2, "乙", True),
    ]
    assert str(load_chain(engine, "mini", 1).node("b").import_dependence) == "0.8"  # old kept
    assert str(load_chain(engine, "mini").node("b").import_dependence) == "0.6"
    assert list_chains(engine)[0]["version"] == 2
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(ChainVersion)) == 2
        actions = conn.scalars(sa.select(models.AuditEntry.action)).all()
    assert actions == ["chain.import", "chain.import"]


def test_edits_are_validated_and_versioned(engine):
    save_chain(engine, parse_yaml(SMALL, "small.yaml"), actor="甲", source="small.yaml")
    result = edit_node(
        engine, "mini", "a", {"import_dependence": "45%", "foreign_suppliers": "甲；乙"}, actor="乙"
    )
    assert result.version == 2
    node = load_chain(engine, "mini").node("a")
    assert (str(node.import_dependence), node.foreign_suppliers) == ("0.45", ["甲", "乙"])
    with pytest.raises(ChainFileError) as caught:
        edit_node(engine, "mini", "a", {"import_dependence": "1.5", "colour": "red"}, actor="乙")
    assert {p.code for p in caught.value.problems} == {"unknown_field"}
    with pytest.raises(ChainFileError) as caught:
        edit_node(engine, "mini", "a", {"import_dependence": "1.5"}, actor="乙")
    assert caught.value.problems[0].code == "ratio_range"
    assert [v.version for v in versions(engine, "mini")] == [1, 2]  # the bad edits wrote nothing


def test_unknown_credit_code_writes_nothing(engine):
    chain = parse_yaml(SMALL, "small.yaml")
    chain.node("c").enterprises[0].credit_code = make_credit_code("9", "1", "210112", "NWHERE01")
    with pytest.raises(ChainFileError) as caught:
        save_chain(engine, chain, actor="甲", source="small.yaml")
    assert caught.value.problems[0].code == "unknown_enterprise"
    assert list_chains(engine) == [] and node_ids(engine, "mini") == {}


def test_as_of_is_required_unless_given(engine):
    chain = parse_yaml(SMALL.replace("as_of: 2023-08-31\n", ""), "small.yaml")
    with pytest.raises(ChainFileError):
        save_chain(engine, chain, actor="甲", source="small.yaml")
    assert save_chain(engine, chain, actor="甲", source="small.yaml", as_of=AS_OF).version == 1


def test_registry_links_explicit_keyword_and_industry_code(engine):
    codes = _registry(
        engine,
        [
            ("沈阳甲机器人科技有限公司", "C3491", True),  # keyword 机器人 and code C3491
            ("沈阳乙特种机器人有限公司", None, False),  # the longer keyword wins: special robots
            ("沈阳丙伺服电机有限公司", None, True),  # keyword 伺服电机
            ("沈阳新松机器人自动化股份有限公司", "C3491", True),  # named in the map: explicit, 领先
            ("沈阳丁食品有限公司", "C1391", False),  # nothing
        ],
    )
    chain = load_shipped("robot")
    links = resolve_links(engine, chain, load_rules())
    by_firm = {}
    for node, name, basis, level in zip(
        links.node.tolist(), links.names, links.basis, links.capability.tolist()
    ):
        by_firm.setdefault(name, set()).add((chain.nodes[node].key, basis, level))
    assert ("industrial_robot", "keyword", 2.0) in by_firm["沈阳甲机器人科技有限公司"]
    assert by_firm["沈阳乙特种机器人有限公司"] == {("special_robot", "keyword", 1.0)}
    assert ("servo_motor", "keyword", 2.0) in by_firm["沈阳丙伺服电机有限公司"]
    assert ("industrial_robot", "explicit", 4.0) in by_firm["沈阳新松机器人自动化股份有限公司"]
    assert ("industrial_robot", "keyword", 2.0) not in by_firm["沈阳新松机器人自动化股份有限公司"]
    assert "沈阳丁食品有限公司" not in by_firm
    explicit = [
        i
        for i, n in enumerate(links.names)
        if n == "沈阳新松机器人自动化股份有限公司" and links.basis[i] == "explicit"
    ]
    assert links.enterprise_ids[explicit[0]] is not None  # resolved by its registered name
    # and the explicit links are stored with the registry id when the map is imported
    save_chain(engine, chain, actor="甲", source="robot.yaml")
    with engine.connect() as conn:
        ids = (
            conn.execute(
                sa.select(ChainEnterpriseLink.enterprise_id).where(
                    ChainEnterpriseLink.enterprise_name == "沈阳新松机器人自动化股份有限公司"
                )
            )
            .scalars()
            .all()
        )
    assert ids and all(i is not None for i in ids)
    assert codes  # the registry was built


def test_technology_list_and_terms_follow_the_database(engine):
    items = technology_list(engine, "robot")  # not in the database yet: the shipped map
    assert items and isinstance(items[0], TechnologyItem)
    first = items[0]
    assert (first.chain_key, first.rank) == ("robot", 1) and first.node_name and first.reason_zh
    assert first.mode in {"自主研发", "联合攻关", "揭榜挂帅", "带土移植", "基础研究"}
    save_chain(engine, parse_yaml(SMALL, "small.yaml"), actor="甲", source="small.yaml")
    small = technology_list(engine, "mini", equal_rules())
    assert [t.technology_name for t in small] == ["敏感材料", "轴承钢冶炼"]
    assert "敏感材料" in domain_terms(engine) and "敏感材料" not in domain_terms(None)


def test_dropping_a_node_other_records_use_is_refused(engine):
    demand_model = getattr(models.matching, "TechnicalDemand", None)
    if demand_model is None or "chain_node_id" not in demand_model.__table__.c:
        pytest.skip("the matching area has no technical demands yet")
    codes = _registry(engine, [("沈阳甲机器人科技有限公司", None, False)])
    save_chain(engine, parse_yaml(SMALL, "small.yaml"), actor="甲", source="small.yaml")
    table = demand_model.__table__
    values = {"chain_node_id": node_ids(engine, "mini")["f"]}
    with engine.begin() as conn:
        enterprise_id = conn.scalar(sa.select(models.Enterprise.id))
        for column in table.c:
            if column.name in values or column.primary_key or column.nullable or column.default:
                continue
            values[column.name] = {
                "enterprise_id": enterprise_id,
                "as_of": AS_OF,
                "imported_at": dt.datetime(2023, 9, 1),
            }.get(column.name, "x" if isinstance(column.type, sa.String) else 1)
        conn.execute(table.insert().values(values))
    without_f = parse_yaml(SMALL, "small.yaml")
    without_f.nodes = [n for n in without_f.nodes if n.key != "f"]
    without_f.edges = [e for e in without_f.edges if e.target != "f"]
    with pytest.raises(ChainFileError) as caught:
        save_chain(engine, without_f, actor="乙", source="s.yaml")
    assert (
        caught.value.problems[0].code == "node_referenced" and "f" in caught.value.problems[0].value
    )
    assert [v.version for v in versions(engine, "mini")] == [1]
    assert codes


def test_innovation_chain_links_patents_and_platforms(engine):
    _registry(engine, [("沈阳甲机器人科技有限公司", "C3491", True)])
    with session_scope(engine) as session:
        firm = session.scalar(sa.select(models.Enterprise))
        session.add(
            models.IPRight(
                kind="invention_patent",
                number="202310000001.X",
                title="一种RV减速器摆线轮的磨削方法",
                enterprise_id=firm.id,
                acquisition="own",
                source="t",
                as_of=AS_OF,
            )
        )
        session.add(
            models.Platform(
                name="机器人学全国重点实验室",
                kind="state_key_lab",
                level="national",
                host_name="研究所",
                source="t",
                as_of=AS_OF,
            )
        )
        session.add(
            models.Platform(
                name="沈阳甲机器人科技有限公司企业技术中心",
                kind="enterprise_tech_centre",
                level="municipal",
                host_name=firm.name,
                enterprise_id=firm.id,
                source="t",
                as_of=AS_OF,
            )
        )
    chain = resolve_chain(engine, "robot")
    links = resolve_links(engine, chain, load_rules())
    found = innovation_chain(engine, chain, links)
    assert found["rv_reducer"].patents == 1
    assert found["rv_reducer"].patent_examples[0]["owner"] == "沈阳甲机器人科技有限公司"
    names = [p["name"] for p in found["industrial_robot"].platforms]
    assert "机器人学全国重点实验室" in names and "沈阳甲机器人科技有限公司企业技术中心" in names
    assert found["controller"].patents == 0


def test_analysis_on_the_database_with_the_registry(engine):
    _registry(engine, [(f"沈阳{i}号机器人有限公司", None, True) for i in range(3)])
    result = analyse_chain(engine, load_shipped("robot"))
    row = next(r for r in result.node_rows() if r["key"] == "industrial_robot")
    assert row["local_firms"] == 4  # three by keyword, 新松 named in the map
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(ChainNode)) == 0  # read only
