"""The assessments page: the cultivation pipeline of the latest run, scoped by role; a run
started from the page is recorded and audited."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from xinzhi.assessments.cultivation import build_pipeline
from xinzhi.store import models
from xinzhi.store.models.runs import EvaluationRun

from .conftest import assess
from .helpers import client_for


def test_before_any_run_the_page_says_not_assessed(web_city):
    client = client_for(web_city, "analyst")
    assert "尚未评价" in client.get("/assessments").text
    assert client.get("/api/assessments/pipeline").json() == {
        "run_id": None,
        "rows": [],
        "seedlings": [],
        "to_collect": [],
    }


def test_pipeline_for_the_city_and_for_one_district(web_city):
    result = assess(web_city)
    city = client_for(web_city, "analyst").get("/api/assessments/pipeline").json()
    expected = build_pipeline(web_city.engine)
    assert city["run_id"] == result.run_id
    assert len(city["rows"]) == len(expected.rows) and len(city["seedlings"]) == len(
        expected.seedlings
    )
    totals = {r["assessment"]: r for r in city["rows"] if r["district_id"] is None}
    assert totals["hnte"]["passed"] == result.summary["counts"]["hnte"]["pass"]
    district = client_for(web_city, "district").get("/api/assessments/pipeline").json()
    assert {r["district_id"] for r in district["rows"]} == {web_city.district_id}  # no city total
    with web_city.engine.connect() as conn:
        own = set(
            conn.scalars(
                sa.select(models.Enterprise.credit_code).where(
                    models.Enterprise.district_id == web_city.district_id
                )
            )
        )
    assert {s["credit_code"] for s in district["seedlings"]} <= own
    html = client_for(web_city, "district").get("/assessments").text
    assert 'id="pipeline"' in html and web_city.other_enterprise_name not in html
    assert "重新评价全部企业" not in html  # only city staff may start a run
    wider = (
        client_for(web_city, "analyst")
        .get("/api/assessments/pipeline", params={"max_failed": 3, "score_margin": 30})
        .json()
    )
    assert len(wider["seedlings"]) >= len(city["seedlings"])
    assert (
        client_for(web_city, "analyst")
        .get("/api/assessments/pipeline", params={"max_failed": 0})
        .status_code
        == 422
    )


def test_the_margins_form_is_validated_and_kept_in_the_url(web_city):
    """Issue #19: the relative margin (overall and per tier) is a form field; a bad value is a
    bilingual message on the page (and a 422 from the API), the view's URL carries it."""
    assess(web_city)
    analyst = client_for(web_city, "analyst")
    page = analyst.get("/assessments", params={"margin": "30,unicorn=10", "score_margin": "12"})
    assert page.status_code == 200
    assert 'value="30,unicorn=10"' in page.text
    assert "margin=30%2Cunicorn%3D10" in page.text and "score_margin=12" in page.text  # export
    wide = analyst.get("/api/assessments/pipeline", params={"margin": "100", "max_failed": 2})
    narrow = analyst.get("/api/assessments/pipeline", params={"margin": "0", "max_failed": 2})
    assert wide.json()["distance"]["relative_margin"] == 1.0
    assert len(wide.json()["seedlings"]) >= len(narrow.json()["seedlings"])
    for bad, zh, en in (
        ({"margin": "abc"}, "相对差距“abc”", "a percentage is needed"),
        ({"margin": "20,hnte=150"}, "相对差距 0–100%", "margins 0–100 %"),
        ({"score_margin": "ten"}, "score_margin：须为整数", "a whole number is needed"),
        ({"max_failed": "0"}, "不符合条款数 1–20", "max_failed 1–20"),
    ):
        page = analyst.get("/assessments", params=bad)
        assert page.status_code == 422 and zh in page.text and en in page.text, bad
        assert 'id="pipeline"' not in page.text
    api = analyst.get("/api/assessments/pipeline", params={"margin": "abc"})
    assert api.status_code == 422 and "a percentage is needed" in api.text


def test_export_and_roles(web_city):
    assess(web_city)
    analyst = client_for(web_city, "analyst")
    response = analyst.get("/assessments/pipeline.xlsx", params={"tier": "hnte"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["梯度培育 pipeline", "苗企名单 seedlings", "待补数据 to collect"]
    assert client_for(web_city, "enterprise").get("/assessments").status_code == 403
    assert client_for(web_city, "researcher").get("/api/assessments/pipeline").status_code == 403


def test_a_run_started_from_the_page_is_recorded_and_audited(web_city):
    analyst = client_for(web_city, "analyst")
    response = analyst.post("/assessments/run", follow_redirects=False)
    assert response.status_code == 303
    with web_city.engine.connect() as conn:
        runs = conn.scalar(sa.select(sa.func.count()).select_from(EvaluationRun))
        audit = conn.execute(
            sa.select(models.AuditEntry.actor, models.AuditEntry.subject).where(
                models.AuditEntry.action == "assess.run"
            )
        ).all()
    assert runs == 1 and audit == [("web:analyst", "run:1")]
    assert client_for(web_city, "district").post("/assessments/run").status_code == 403


def test_a_run_for_an_application_date_from_the_page(web_city):
    """Issue #19 item 8: the run form's application date — the windows run to it and the
    accounting years are those ended before it; a bad date is shown, nothing is recorded."""
    import datetime as dt

    with web_city.engine.connect() as conn:
        latest = conn.scalar(sa.select(sa.func.max(models.EnterpriseYear.year)))
        earliest = conn.scalar(sa.select(sa.func.min(models.EnterpriseYear.year)))
    analyst = client_for(web_city, "analyst")
    refused = {
        (dt.date.today() + dt.timedelta(days=1)).isoformat(): "晚于今天",
        f"{earliest}-12-31": "之前没有已结束的会计年度数据",
        "2024-13-01": "日期",
    }
    for text, reason in refused.items():
        response = analyst.post("/assessments/run", data={"application_date": text})
        assert response.status_code == 422, text
        assert reason in response.text and 'id="run-error"' in response.text
        assert f'value="{text}"' in response.text  # the form keeps what was typed
    with web_city.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(EvaluationRun)) == 0

    applied = dt.date(latest + 1, 3, 1)
    response = analyst.post(
        "/assessments/run", data={"application_date": applied.isoformat()}, follow_redirects=False
    )
    assert response.status_code == 303
    with web_city.engine.connect() as conn:
        run = conn.execute(sa.select(EvaluationRun.as_of, EvaluationRun.summary)).one()
    assert run.as_of == applied and run.summary["application_date"] == applied.isoformat()
    assert "申报日" in analyst.get("/assessments").text
