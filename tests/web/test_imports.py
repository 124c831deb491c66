"""Uploads: all or nothing, errors inline, the error report, size and type limits."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from xinzhi.store import models

from ..ingest.helpers import (
    ENTERPRISE_HEADER,
    code,
    enterprise_rows,
    write_csv,
    write_xlsx,
)
from .helpers import client_for, make_app


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model))


def _new_rows() -> list[list]:
    rows = enterprise_rows()
    for row, body in zip(rows, ("MA0YK1W1", "MA0YK1W2", "MA0YK1W3"), strict=True):
        row[0] = code(body)
        row[1] = row[1].replace("沈阳", "沈阳新")
    return rows


def test_a_valid_upload_is_imported_and_searchable(web_city, tmp_path):
    client = client_for(web_city, "analyst")
    path = write_csv(tmp_path / "firms.csv", ENTERPRISE_HEADER, _new_rows())
    before = _count(web_city.engine, models.Enterprise)
    with path.open("rb") as handle:
        response = client.post(
            "/api/imports",
            data={"kind": "enterprises"},
            files={"file": ("firms.csv", handle, "text/csv")},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] and body["inserted"] == 3 and body["batch_id"]
    assert _count(web_city.engine, models.Enterprise) == before + 3
    found = client.get("/api/enterprises", params={"q": "沈阳新甲"}).json()["items"]
    assert [i["name"] for i in found] == ["沈阳新甲智能装备有限公司"]
    batches = client.get("/api/imports").json()
    assert batches[0]["source"] == "firms.csv" and batches[0]["actor"] == "web:analyst"


def test_an_upload_with_errors_writes_nothing_and_shows_them(web_city, tmp_path):
    client = client_for(web_city, "analyst")
    rows = _new_rows()
    rows[1][0] = "911101080000000000"  # bad check character
    rows[2][3] = "2019-13-45"
    path = write_xlsx(tmp_path / "firms.xlsx", [ENTERPRISE_HEADER], rows)
    before = _count(web_city.engine, models.Enterprise)
    with path.open("rb") as handle:
        response = client.post(
            "/imports", data={"kind": "enterprises"}, files={"file": ("firms.xlsx", handle)}
        )
    assert response.status_code == 422
    assert _count(web_city.engine, models.Enterprise) == before
    html = response.text
    assert 'id="import-errors"' in html and "未导入任何数据" in html
    assert html.count("<tr><td>") >= 2  # one row per error, with its row number
    report_url = html.split('id="error-report" href="')[1].split('"')[0]
    report = client.get(report_url)
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    reported_rows = {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert reported_rows == {3, 4}
    # the report is its uploader's: another analyst gets a 404, an admin may fetch it
    assert client_for(web_city, "admin").get(report_url).status_code == 200
    from xinzhi.accounts.users import create_user

    create_user(web_city.engine, "analyst2", "demo-password-1", "analyst", actor="test")
    assert client_for(web_city, "analyst2").get(report_url).status_code == 404
    assert client.get("/imports/reports/" + "A" * 32).status_code == 404


def test_wrong_types_and_oversized_uploads_are_refused(web_city, tmp_path):
    app = make_app(web_city, upload_max_bytes=2048)
    client = client_for(web_city, "analyst", app)

    def upload(name, content, kind="enterprises"):
        return client.post(
            "/api/imports", data={"kind": kind}, files={"file": (name, io.BytesIO(content))}
        )

    assert upload("firms.exe", b"MZ...").status_code == 415
    assert upload("firms.xlsx", b"not a zip at all").status_code == 415
    assert upload("firms.csv", b"PK\x03\x04 zip pretending to be csv").status_code == 415
    assert upload("firms.csv", b"a,b\x00,c").status_code == 415
    assert upload("firms.csv", b"").status_code == 400
    assert upload("firms.csv", b"x", kind="nonsense").status_code == 400
    too_big = upload("firms.csv", b"a" * 5000)
    assert too_big.status_code == 413 and "上限" in too_big.json()["detail"]["zh"]
    page = client.post(
        "/imports",
        data={"kind": "enterprises"},
        files={"file": ("x.docx", io.BytesIO(b"PK\x03\x04"))},
    )
    assert page.status_code == 415 and "只接受 .xlsx 或 .csv" in page.text


def test_a_file_level_problem_is_reported_inline(web_city, tmp_path):
    client = client_for(web_city, "analyst")
    path = write_csv(tmp_path / "empty.csv", ENTERPRISE_HEADER, [])
    with path.open("rb") as handle:
        response = client.post(
            "/api/imports", data={"kind": "enterprises"}, files={"file": ("empty.csv", handle)}
        )
    assert response.status_code == 400 and "没有数据行" in response.json()["detail"]["zh"]


def test_templates_download(web_city):
    response = client_for(web_city, "analyst").get("/imports/templates/enterprises.xlsx")
    assert response.status_code == 200
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "统一社会信用代码" in "".join(str(h) for h in header if h)
