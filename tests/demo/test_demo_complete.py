"""The rest of the demo city: chain maps, matching lists, the challenge board, the matching
indexes and a recorded assessment run — so that every page of the web app has data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
import sqlalchemy as sa

from xinzhi.chains.catalogue import shipped_chains
from xinzhi.demo import build_demo_city
from xinzhi.demo.completion import Completion, complete_demo_city
from xinzhi.demo.matching import INSTITUTION_FIELDS, ListSizes
from xinzhi.demo.reference import shenyang
from xinzhi.demo.texts import chain_topics, result_text, term_topics
from xinzhi.matching import challenges as board
from xinzhi.matching.matcher import Matcher
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade

SEED = 2023
FIRMS = 300
STATES = {"draft", "published", "closed", "under_review", "awarded", "failed"}


@dataclass
class Completed:
    engine: sa.Engine
    done: Completion

    def rows(self, sql: str) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql).all()]

    def scalar(self, sql: str):
        return self.rows(sql)[0][0]


def _complete(engine: sa.Engine, *, assess: bool) -> Completed:
    upgrade(engine)
    build_demo_city(engine, seed=SEED, enterprises=FIRMS)
    return Completed(engine, complete_demo_city(engine, seed=SEED, assess=assess))


def _sqlite(tmp_path_factory, name: str, *, assess: bool) -> Completed:
    path = tmp_path_factory.mktemp(name) / "demo.db"
    return _complete(make_engine(f"sqlite:///{path}"), assess=assess)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Completed:
    built = _sqlite(tmp_path_factory, "complete", assess=True)
    yield built
    built.engine.dispose()


def test_the_eight_shipped_chains_are_in_the_database(city):
    chains = shipped_chains()
    assert city.rows("select key, version from chains order by id") == [
        (chain.key, 1) for chain in chains
    ]
    assert city.scalar("select count(*) from chain_nodes") == sum(len(c.nodes) for c in chains)
    assert city.done.counts["chains"] == 8


def test_the_lists_have_the_sizes_declared_for_the_city(city):
    sizes = ListSizes.at(FIRMS)
    assert city.scalar("select count(*) from experts") == sizes.experts
    assert city.scalar("select count(*) from research_results") == sizes.results
    assert city.scalar("select count(*) from technical_demands") == sizes.demands
    # One import batch per list, written by the matching area's own import.
    kinds = [r[0] for r in city.rows("select kind from import_batches where kind like 'match_%'")]
    assert sorted(kinds) == ["match_demands", "match_experts", "match_results"]


def test_every_result_has_its_experts_and_most_sit_on_a_chain_node(city):
    unlinked = city.scalar(
        "select count(*) from research_results r where not exists "
        "(select 1 from research_result_experts e where e.result_id = r.id)"
    )
    assert unlinked == 0
    on_node = city.scalar("select count(*) from research_results where chain_node_id is not null")
    assert on_node > city.scalar("select count(*) from research_results") / 2
    # Experts work at the city's universities and institutes.
    hosts = {h.name for h in shenyang().research_hosts}
    assert {r[0] for r in city.rows("select institution from experts")} <= hosts


def test_demands_come_from_registered_firms_of_the_chain_industries(city):
    industries = {i.code: i.chain for i in shenyang().industries}
    rows = city.rows(
        "select e.industry_code, d.field from technical_demands d "
        "join enterprises e on e.id = d.enterprise_id"
    )
    chains = {c.name for c in shipped_chains()}
    allowed = chains | {"新材料", "生物医药", "节能环保", "软件和信息服务"}
    assert rows and all(industries[code] in allowed for code, _ in rows)


def test_a_demands_best_match_shares_its_terms_and_says_so(city):
    matcher = Matcher(city.engine)
    demands = [r[0] for r in city.rows("select id from technical_demands order by id limit 12")]
    for demand_id in demands:
        demand, matches = matcher.for_demand(demand_id, top=1)
        assert matches, demand.title
        best = matches[0]
        assert "shared_terms" in {r.code for r in best.reasons}, [r.zh for r in best.reasons]
        result = matcher.row("results", best.id)
        tokens = matcher.segmenter.tokens
        assert set(tokens(demand.text)) & set(tokens(result.text))


def test_a_demand_finds_the_results_on_its_own_chain_node(city):
    """Where a result sits on the demand's chain node, the best match is one of those."""
    pairs = city.rows(
        "select d.id, d.chain_node_id from technical_demands d where exists "
        "(select 1 from research_results r where r.chain_node_id = d.chain_node_id)"
    )
    assert len(pairs) >= 5
    matcher = Matcher(city.engine)
    for demand_id, node in pairs:
        _, matches = matcher.for_demand(demand_id, top=1)
        assert matcher.row("results", matches[0].id).node_id == node
        assert "same_node" in {r.code for r in matches[0].reasons}


def test_the_indexes_are_built_and_current(city):
    matcher = Matcher(city.engine)
    for side in ("results", "demands"):
        assert (matcher.index_dir / side).is_dir()
        matcher.index(side)
    assert matcher.rebuilt == []  # the pages' first request does not rebuild them


def test_the_board_has_a_challenge_in_every_state(city):
    states = Counter(r[0] for r in city.rows("select state from challenges"))
    assert set(states) == STATES and sum(states.values()) == 6
    awarded = city.rows(
        "select a.id, avg(r.score) from challenge_applications a "
        "join challenges c on c.id = a.challenge_id "
        "join challenge_reviews r on r.application_id = a.id "
        "where c.state = 'awarded' group by a.id, a.status "
        "order by avg(r.score) desc"
    )
    winner = city.scalar(
        "select a.id from challenge_applications a join challenges c "
        "on c.id = a.challenge_id where c.state = 'awarded' "
        "and a.status = 'awarded'"
    )
    assert len(awarded) >= 2 and winner == awarded[0][0]
    # The lifecycle was walked, not written: each step is in the audit log.
    actions = Counter(
        r[0] for r in city.rows("select action from audit_log where subject like 'challenge:%'")
    )
    assert actions["challenge.create"] == 6 and actions["challenge.publish"] == 5
    assert actions["challenge.award"] == 1 and actions["challenge.fail"] == 1


def test_the_open_challenge_still_takes_applications(city):
    from xinzhi.store.db import session_scope

    challenge_id = city.scalar("select id from challenges where state = 'published'")
    with session_scope(city.engine) as session:
        application = board.apply(
            session, challenge_id, applicant="测试团队", proposal="测试方案", actor="test"
        )
        assert application.id
        session.rollback()


def test_an_assessment_run_is_recorded_with_current_statuses(city):
    from xinzhi.assessments.runs import latest_run
    from xinzhi.web.results import tier_counts

    run = latest_run(city.engine)
    assert run is not None and run.id == city.done.run_id and run.actor == "xinzhi demo"
    statuses = city.scalar(f"select count(*) from current_statuses where run_id = {run.id}")
    summary = run.summary["counts"]
    kept = sum(c["pass"] + c["undetermined"] for c in summary.values())
    assert statuses == kept > 0
    tiers = tier_counts(city.engine)
    assert all(t.assessed for t in tiers)
    assert city.done.counts["pass_hnte"] == next(t.passed for t in tiers if t.key == "hnte") > 0


def test_the_policies_are_run_once_so_that_payouts_show(city):
    from xinzhi.policies.runs import load_run

    run = load_run(city.engine)
    assert run is not None and run.record.actor == "xinzhi demo"
    assert run.record.as_of.isoformat() == "2023-12-31"
    assert city.done.counts["policy_paid_fen"] == run.record.summary["paid"] > 0
    assert city.done.counts["policy_firms"] > 0


def test_the_researcher_login_is_tied_to_the_busiest_expert(city):
    from xinzhi.demo.users import create_demo_users

    logins = {login.username: login for login in create_demo_users(city.engine)}
    expert_id = city.scalar("select expert_id from users where username = 'researcher'")
    busiest = city.rows(
        "select expert_id, count(*) from research_result_experts "
        "group by expert_id order by count(*) desc, expert_id limit 1"
    )[0][0]
    assert expert_id == busiest
    sql = f"select name, institution from experts where id = {expert_id}"
    name, institution = city.rows(sql)[0]
    assert logins["researcher"].scope == f"{institution} {name}"
    # The enterprise login's firm has a demand, so its profile shows matched results.
    firm = city.scalar("select enterprise_id from users where username = 'enterprise'")
    assert city.scalar(f"select count(*) from technical_demands where enterprise_id = {firm}") >= 1


MATCHING_TABLES = {
    "experts": "code, name, institution, title, fields, district_id",
    "research_results": "code, title, abstract, field, trl, institution, district_id, "
    "chain_node_id",
    "research_result_experts": "result_id, expert_id, position",
    "research_result_patents": "result_id, number",
    "technical_demands": "code, enterprise_id, title, description, field, budget, deadline, "
    "min_trl, chain_node_id",
    "challenges": "title, description, requirements, bounty, deadline, field, state, origin, "
    "chain_key, node_key, chain_node_id, demand_id",
    "challenge_applications": "challenge_id, applicant, expert_id, result_id, proposal, status",
    "challenge_reviews": "application_id, reviewer, score",
}


def test_same_seed_same_lists_and_board(city, tmp_path_factory):
    again = _sqlite(tmp_path_factory, "again", assess=False)
    try:
        for table, columns in MATCHING_TABLES.items():
            sql = f"select {columns} from {table} order by 1, 2"
            assert again.rows(sql) == city.rows(sql), table
        assert again.done.run_id is None
        assert [s.en for s in again.done.steps] == [s.en for s in city.done.steps][:-2]
    finally:
        again.engine.dispose()


def test_list_sizes_stay_within_bounds():
    assert ListSizes.at(100) == ListSizes(30, 90, 30)
    assert ListSizes.at(20_000) == ListSizes(200, 600, 500)
    assert ListSizes.at(1_000_000) == ListSizes(1_000, 3_000, 3_000)


def test_every_institution_is_one_of_the_citys_research_hosts():
    assert set(INSTITUTION_FIELDS) <= {h.name for h in shenyang().research_hosts}


def test_topics_cover_every_technology_of_every_chain():
    for chain in shipped_chains():
        topics = chain_topics(chain)
        assert len(topics) == chain.technology_count
        assert {t.node for t in topics} == {
            f"{chain.key}/{n.key}" for n in chain.nodes if n.technologies
        }
    assert len(term_topics("new_materials")) > 10 and term_topics("no_such_field") == []


def test_result_titles_never_repeat():
    rng = np.random.default_rng(1)
    topic = term_topics("artificial_intelligence")[0]
    taken: set[str] = set()
    titles = [result_text(rng, topic, 6, "东大张三", taken)[0] for _ in range(20)]
    assert len(set(titles)) == 20 and all(
        topic.subject in t or topic.technology in t for t in titles
    )


def test_the_rest_of_the_city_on_postgresql(postgres_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("XINZHI_MATCH_INDEX", str(tmp_path / "index"))  # not the working directory
    built = _complete(postgres_engine, assess=False)
    assert built.scalar("select count(*) from chains") == 8
    assert built.scalar("select count(*) from technical_demands") == ListSizes.at(FIRMS).demands
    assert {r[0] for r in built.rows("select state from challenges")} == STATES


def test_rows_in_memory_get_the_file_imports_checks(engine):
    """``import_rows`` (what the demo imports through): a bad row names row and column, and
    nothing of the list is written."""
    from xinzhi.demo.matching import EXPERT_HEADER, RESULT_HEADER
    from xinzhi.matching.imports import import_rows

    experts = [["EXP-0001", "王立新", "东北大学", "教授", "机器人", ""]]
    done = import_rows(
        engine,
        "experts",
        EXPERT_HEADER,
        experts,
        actor="test",
        source="t",
        as_of=dt.date(2023, 8, 31),
    )
    assert done.ok and done.inserted == 1
    results = [
        ["R-1", "谐波减速器", "寿命提高", "机器人", "6", "东北大学", "", "EXP-0001", "", ""],
        ["R-2", "RV减速器", "回差稳定", "机器人", "12", "东北大学", "", "EXP-0001", "", ""],
        ["R-3", "编码器", "23位", "机器人", "6", "东北大学", "", "EXP-0009", "", ""],
    ]
    failed = import_rows(
        engine,
        "results",
        RESULT_HEADER,
        results,
        actor="test",
        source="t",
        as_of=dt.date(2023, 8, 31),
    )
    assert not failed.ok
    assert {(e.row, e.column) for e in failed.errors} == {(3, "技术成熟度"), (4, "完成专家")}
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from research_results")) == 0
