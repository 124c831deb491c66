"""Enterprise search, filters, keyset pages, the profile, its assessment section, the export."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from xinzhi.assessments.results import enterprise_results
from xinzhi.store import models
from xinzhi.store.models.search import name_initials
from xinzhi.web.search import IndexState

from .conftest import assess
from .helpers import client_for, make_app


def _all_pages(client, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = client.get("/api/enterprises", params=params | ({"after": cursor} if cursor else {}))
        body = page.json()
        items += body["items"]
        cursor = body["next"]
        if not cursor:
            return items


def _names(engine, where=None) -> list[str]:
    stmt = sa.select(models.Enterprise.name)
    with engine.connect() as conn:
        return conn.scalars(stmt if where is None else stmt.where(where)).all()


def test_keyset_pages_walk_every_enterprise_once_in_order(any_web_city):
    client = client_for(any_web_city, "analyst")
    items = _all_pages(client, size=7)
    assert sorted(i["name"] for i in items) == sorted(_names(any_web_city.engine))
    assert len({i["id"] for i in items}) == len(items)
    newest = _all_pages(client, size=50, sort="newest")
    assert [i["id"] for i in newest] == sorted((i["id"] for i in items), reverse=True)
    # backwards from the third page gives the second
    first = client.get("/api/enterprises", params={"size": 5}).json()
    second = client.get("/api/enterprises", params={"size": 5, "after": first["next"]}).json()
    third = client.get("/api/enterprises", params={"size": 5, "after": second["next"]}).json()
    back = client.get("/api/enterprises", params={"size": 5, "before": third["prev"]}).json()
    assert [i["id"] for i in back["items"]] == [i["id"] for i in second["items"]]


def test_district_analyst_pages_hold_only_its_district(any_web_city):
    items = _all_pages(client_for(any_web_city, "district"), size=50)
    assert items and {i["district_id"] for i in items} == {any_web_city.district_id}
    E = models.Enterprise
    assert len(items) == len(_names(any_web_city.engine, E.district_id == any_web_city.district_id))
    # a district filter cannot widen the scope
    other = (
        client_for(any_web_city, "district")
        .get("/api/enterprises", params={"district": any_web_city.other_district_id})
        .json()
    )
    assert other["items"] == [] and other["total"] == 0


def test_search_by_name_initials_and_credit_code(any_web_city):
    city = any_web_city
    app = make_app(city)
    app.state.search_index.verify_now(city.engine)  # index ready: the bigram path is used
    client = client_for(city, "analyst", app)
    name, code = city.other_enterprise_name, city.other_enterprise_code
    brand = name.removeprefix("沈阳")[:2]
    found = client.get("/api/enterprises", params={"q": brand, "size": 200}).json()["items"]
    assert name in [i["name"] for i in found]
    assert all(brand in i["name"] for i in found)
    assert len(found) == sum(brand in n for n in _names(city.engine))
    assert client.get("/api/enterprises", params={"q": name}).json()["items"][0]["name"] == name
    initials = name_initials(name)
    by_initials = client.get("/api/enterprises", params={"q": initials}).json()["items"]
    assert name in [i["name"] for i in by_initials]
    by_code = client.get("/api/enterprises", params={"q": code[:12].lower()}).json()["items"]
    assert code in [i["credit_code"] for i in by_code]
    assert client.get("/api/enterprises", params={"q": "不存在的企业名"}).json()["total"] == 0
    # LIKE wildcards in a query are text, not patterns
    assert client.get("/api/enterprises", params={"q": "%_"}).json()["total"] == 0


def test_search_without_the_index_gives_the_same_answers(web_city):
    """Before the index is verified, names are read with LIKE: slower, same result."""
    city = web_city
    brand = city.other_enterprise_name.removeprefix("沈阳")[:2]
    cold = client_for(city, "analyst")
    cold.app.state.search_index = IndexState()  # never verified
    cold.app.state.search_index.ready = lambda engine, version: False
    warm_app = make_app(city)
    warm_app.state.search_index.verify_now(city.engine)
    warm = client_for(city, "analyst", warm_app)
    params = {"q": brand, "size": 200}
    assert (
        cold.get("/api/enterprises", params=params).json()["items"]
        == warm.get("/api/enterprises", params=params).json()["items"]
    )


def test_industry_filter_and_page(web_city):
    client = client_for(web_city, "analyst")
    items = _all_pages(client, industry="C", size=100)
    assert items and all(i["industry_code"].startswith("C") for i in items)
    html = client.get("/enterprises", params={"industry": "C"}).text
    assert 'id="enterprise-list"' in html and items[0]["name"] in html


def test_enterprise_user_sees_only_its_own_firm(web_city):
    client = client_for(web_city, "enterprise")
    body = client.get("/api/enterprises").json()
    assert [i["id"] for i in body["items"]] == [web_city.enterprise_id]
    assert client.get(f"/enterprises/{web_city.enterprise_id}").status_code == 200
    assert client.get(f"/enterprises/{web_city.sibling_enterprise_id}").status_code == 404
    assert client.get(f"/api/enterprises/{web_city.other_enterprise_id}").status_code == 404
    assert client.get("/").headers["location"] == f"/enterprises/{web_city.enterprise_id}"


def test_profile_shows_data_by_year_ip_contracts_with_dates(web_city):
    client = client_for(web_city, "analyst")
    E, Y = models.Enterprise, models.EnterpriseYear
    with web_city.engine.connect() as conn:
        firm = conn.scalar(
            sa.select(Y.enterprise_id)
            .group_by(Y.enterprise_id)
            .order_by(sa.func.count().desc(), Y.enterprise_id)
            .limit(1)
        )
        years = conn.scalars(sa.select(Y.year).where(Y.enterprise_id == firm)).all()
        code = conn.scalar(sa.select(E.credit_code).where(E.id == firm))
    body = client.get(f"/api/enterprises/{firm}").json()
    assert body["credit_code"] == code
    assert sorted(y["year"] for y in body["years"]) == sorted(years)
    assert all(y["as_of"] for y in body["years"])
    html = client.get(f"/enterprises/{firm}").text
    assert code in html and 'id="years"' in html and "数据日期" in html
    assert f'hx-get="/enterprises/{firm}/assessments"' in html


def test_assessment_section_explains_each_clause_for_the_firm_only(web_city):
    client = client_for(web_city, "enterprise")
    url = f"/enterprises/{web_city.enterprise_id}/assessments"
    expected = {
        e.declaration.id: e for e in enterprise_results(web_city.engine, web_city.enterprise_id)
    }
    body = client.get(f"/api{url}").json()["results"]
    assert {r["assessment"] for r in body} == set(expected) >= {"hnte", "sme"}
    for result in body:
        explained = expected[result["assessment"]]
        assert result["status"] == explained.status
        assert (result["score_low"], result["score_high"]) == (explained.score or (None, None))
        shown = [c["id"] for c in result["clauses"]]
        assert [c.id for c in [*explained.clauses, *explained.items]] == [
            i for i in shown if i in {c.id for c in [*explained.clauses, *explained.items]}
        ]
    hnte = next(r for r in body if r["assessment"] == "hnte")
    registered = next(c for c in hnte["clauses"] if c["id"] == "registered_one_year")
    assert registered["status"] in ("符合", "不符合", "未知") and registered["values"]
    assert "国科发火〔2016〕32号" in registered["reference"]
    html = client.get(url).text
    assert "高新技术企业" in html and "科技型中小企业" in html and "尚未评价" not in html
    assert (
        client.get(f"/enterprises/{web_city.sibling_enterprise_id}/assessments").status_code == 404
    )


def test_tier_filter_lists_the_firms_that_passed_in_the_latest_run(web_city):
    client = client_for(web_city, "analyst")
    assert 'name="tier" disabled' in client.get("/enterprises").text  # no run yet
    result = assess(web_city)
    passed = {
        r["enterprise_id"]
        for r in result.results.to_pylist()
        if r["assessment"] == "sme" and r["status"] == "pass"
    }
    client = client_for(web_city, "analyst")
    listed, after = set(), None
    while True:
        page = client.get(
            "/api/enterprises",
            params={"tier": "sme", "size": 200, **({"after": after} if after else {})},
        ).json()
        listed |= {row["id"] for row in page["items"]}
        after = page.get("next")
        if not after:
            break
    assert listed == passed and passed
    assert client.get("/api/enterprises", params={"tier": "nonsense"}).status_code == 422


def test_export_is_safe_against_formula_injection(web_city):
    with web_city.engine.begin() as conn:
        conn.execute(
            sa.update(models.Enterprise)
            .where(models.Enterprise.id == web_city.other_enterprise_id)
            .values(name="=cmd|' /C calc'!A0")
        )
    client = client_for(web_city, "analyst")
    response = client.get("/enterprises/export.xlsx", params={"q": web_city.other_enterprise_code})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == web_city.other_enterprise_code
    assert rows[1][1] == "'=cmd|' /C calc'!A0"  # text, not a formula
    assert sheet.cell(2, 2).data_type == "s"
    district = client_for(web_city, "district").get("/enterprises/export.xlsx")
    exported = {
        r[0]
        for r in load_workbook(io.BytesIO(district.content)).active.iter_rows(
            min_row=2, values_only=True
        )
    }
    assert (
        web_city.other_enterprise_code not in exported
        and web_city.sibling_enterprise_code in exported
    )


def test_search_pages_walk_every_match_once(any_web_city):
    """Keyset pages of a search (bigram, initials and credit-code orders) cover each match once."""
    city = any_web_city
    app = make_app(city)
    app.state.search_index.verify_now(city.engine)
    client = client_for(city, "analyst", app)
    names = _names(city.engine)
    for query, expected in (
        ("科技", [n for n in names if "科技" in n]),
        ("有限公司", [n for n in names if "有限公司" in n]),  # only stop bigrams: a scan
        ("sy", [n for n in names if name_initials(n).startswith("sy")]),
    ):
        items = _all_pages(client, q=query, size=9)
        assert sorted(i["name"] for i in items) == sorted(expected), query
        assert len({i["id"] for i in items}) == len(items), query
    codes = _all_pages(client, q="9121", size=13)
    assert [i["credit_code"] for i in codes] == sorted(i["credit_code"] for i in codes)
