"""Matching over the database: the right matches, their reasons, and a fresh index."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import sqlalchemy as sa

from xinzhi.matching.embedding import Embedder, normalise_rows
from xinzhi.matching.imports import import_list
from xinzhi.matching.matcher import Matcher, NotFound, default_index_dir
from xinzhi.matching.scoring import DEFAULT_WEIGHTS
from xinzhi.store.db import make_engine, session_scope
from xinzhi.store.models.chains import Chain, ChainNode
from xinzhi.store.models.matching import ResearchResult, TechnicalDemand

from ..ingest.helpers import write_csv
from .test_imports import RESULT_HEADER


def _codes(engine, model, matches) -> list[str]:
    with engine.connect() as conn:
        code = dict(conn.execute(sa.select(model.id, model.code)).all())
    return [code[m.id] for m in matches]


def test_a_demand_finds_the_result_that_answers_it_with_reasons(matcher):
    demand, matches = matcher.for_demand("D-0001")
    assert demand.title == "协作机器人关节减速器寿命提升"
    assert _codes(matcher.engine, ResearchResult, matches)[0] == "R-0001"
    best = {r.code: r for r in matches[0].reasons}
    assert {"shared_terms", "same_field", "maturity", "same_district"} <= set(best)
    assert best["same_district"].zh == "同在浑南区"
    assert all(m.reasons for m in matches)
    assert matches == sorted(matches, key=lambda m: -m.score)


def test_a_result_finds_the_demands_it_serves(matcher):
    _, matches = matcher.for_result("R-0004")
    assert _codes(matcher.engine, TechnicalDemand, matches)[0] == "D-0003"
    maturity = next(r for r in matches[0].reasons if r.code == "maturity")
    assert "未说明" in maturity.zh  # D-0003 states no maturity: neutral, said so


def test_ids_and_codes_both_name_a_record(matcher):
    with matcher.engine.connect() as conn:
        demand_id = conn.scalar(
            sa.select(TechnicalDemand.id).where(TechnicalDemand.code == "D-0002")
        )
    assert matcher.row("demands", demand_id).title == matcher.row("demands", "d-0002").title
    with pytest.raises(NotFound) as error:
        matcher.for_demand("D-9999")
    assert "D-9999" in error.value.zh and "no demand" in error.value.en


def test_the_index_is_built_once_and_rebuilt_when_the_data_changes(matcher, tmp_path):
    matcher.for_demand("D-0001")
    assert matcher.rebuilt == ["results"]
    again = Matcher(matcher.engine, index_dir=matcher.index_dir, embedder=None)
    again.for_demand("D-0001")
    assert again.rebuilt == []  # loaded from disk
    rows = [
        [
            "R-0100",
            "谐波减速器柔轮新材料",
            "柔轮用新型合金",
            "机器人",
            "6",
            "所",
            "",
            "",
            "2024-03-31",
        ]
    ]
    assert import_list(
        matcher.engine, "results", write_csv(tmp_path / "r.csv", RESULT_HEADER, rows), actor="t"
    ).ok
    _, matches = again.for_demand("D-0001")
    assert again.rebuilt == ["results"]
    assert "R-0100" in _codes(matcher.engine, ResearchResult, matches)


def test_same_chain_node_is_a_reason(city, tmp_path):
    with session_scope(city) as session:
        chain = Chain(key="robot", name="机器人", version=1)
        session.add(chain)
        session.flush()
        node = ChainNode(
            chain_id=chain.id,
            key="reducer",
            name="精密减速器",
            segment="上游",
            kind="component",
            problem_class="零部件",
            foreign_suppliers=[],
            domestic_suppliers=[],
            keywords=[],
            industry_codes=[],
            platforms=[],
            illustrative=True,
            position=1,
        )
        session.add(node)
        session.flush()
        for model, code in ((ResearchResult, "R-0006"), (TechnicalDemand, "D-0001")):
            session.scalar(sa.select(model).where(model.code == code)).chain_node_id = node.id
    matcher = Matcher(city, index_dir=tmp_path / "index", embedder=None)
    _, matches = matcher.for_demand("D-0001")
    found = {(_codes(city, ResearchResult, [m])[0]): m for m in matches}
    reasons = {r.code: r for r in found["R-0006"].reasons}
    assert reasons["same_node"].zh == "同一产业链节点：机器人·精密减速器"
    assert reasons["same_node"].points == pytest.approx(100 * DEFAULT_WEIGHTS.chain, abs=0.1)


class BagOfCharacters:
    """A stand-in for a local embedding model: hashed character counts."""

    name = "test-bag-of-characters-1"

    def embed(self, texts):
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for char in text:
                rows[i, hash(char) % 64] += 1
        return normalise_rows(rows)


def test_an_embedding_model_adds_a_semantic_reason_and_rebuilds_the_index(city, tmp_path):
    assert isinstance(BagOfCharacters(), Embedder)
    plain = Matcher(city, index_dir=tmp_path / "index", embedder=None)
    plain.for_demand("D-0001")
    embedded = Matcher(city, index_dir=tmp_path / "index", embedder=BagOfCharacters())
    _, matches = embedded.for_demand("D-0001")
    assert embedded.rebuilt == ["results"]  # another model: another index
    assert all(any(r.code == "semantic" for r in m.reasons) for m in matches)


def test_the_configured_embedder_is_loaded_from_the_environment(monkeypatch):
    from xinzhi.matching.embedding import EmbedderError, configured_embedder

    monkeypatch.delenv("XINZHI_EMBEDDER", raising=False)
    assert configured_embedder() is None
    monkeypatch.setenv("XINZHI_EMBEDDER", "tests.matching.test_matcher:BagOfCharacters")
    assert configured_embedder().name == "test-bag-of-characters-1"
    monkeypatch.setenv("XINZHI_EMBEDDER", "no.such.module:factory")
    with pytest.raises(EmbedderError, match="cannot load"):
        configured_embedder()


def test_all_matches_of_a_side(matcher):
    ranked = matcher.all_for("demands", top=3)
    assert len(ranked) == 4 and all(len(matches) <= 3 for _, matches in ranked)
    assert all(m.reasons for _, matches in ranked for m in matches)


def test_the_index_sits_beside_an_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.delenv("XINZHI_MATCH_INDEX", raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'city.db'}")
    assert default_index_dir(engine) == tmp_path / "city.match-index"
    monkeypatch.setenv("XINZHI_MATCH_INDEX", str(tmp_path / "elsewhere"))
    assert default_index_dir(engine) == tmp_path / "elsewhere"


def test_demands_can_only_name_registered_enterprises(city):
    with session_scope(city) as session:
        demand = session.scalar(sa.select(TechnicalDemand).where(TechnicalDemand.code == "D-0001"))
        assert demand.as_of == dt.date(2024, 3, 31)
    with pytest.raises(sa.exc.IntegrityError), session_scope(city) as session:
        session.add(
            TechnicalDemand(
                code="X",
                enterprise_id=999_999,
                title="t",
                description="d",
                field="robotics",
                source="t",
                as_of=dt.date(2024, 1, 1),
            )
        )


def test_chain_nodes_are_named_by_unique_name_or_by_keys():
    from xinzhi.matching.chainlink import ChainInfo

    chains = ChainInfo(
        node_chain={1: 1, 2: 2, 3: 1},
        chain_names={1: "集成电路", 2: "机器人"},
        node_names={1: "2.5D/3D先进封装", 2: "精密减速器", 3: "精密减速器"},
        node_keys={1: ("ic", "2.5D/3D"), 2: ("robot", "reducer"), 3: ("ic", "reducer")},
    )
    assert chains.resolve("2.5D/3D先进封装") == 1  # a name holding "/"
    assert chains.resolve("ic/2.5D/3D") == 1  # a node key holding "/"
    assert chains.resolve("robot : reducer") == 2 and chains.resolve("ic：reducer") == 3
    assert chains.resolve("精密减速器") is None  # two nodes have that name: say which
    assert chains.resolve("robot/none") is None
    assert chains.label(2) == "机器人·精密减速器" and chains.label(99) is None
