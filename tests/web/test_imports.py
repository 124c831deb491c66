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
    assert page.status_code == 415 and "只接受 .xlsx、.xls、.ods 或 .csv" in page.text


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


def _preview_form(page: str) -> tuple[str, dict]:
    """The preview form's action and its fields as the page sets them."""
    import re

    token = re.search(r'action="/imports/preview/([\w-]+)"', page)[1]
    fields = dict(re.findall(r'name="(header\d+)" value="([^"]*)"', page))
    for name, body in re.findall(r'<select name="(map\d+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        fields[name] = chosen[1] if chosen else ""
    return token, fields


def test_preview_then_map_an_unknown_column_save_the_mapping_and_commit(web_city, tmp_path):
    from ..ingest.bureau_files import district_list, write_xlsx

    client = client_for(web_city, "analyst")
    rows, merged = district_list()
    rows[1][3] = "所在地"  # a header no kind knows: the district column
    rows[4][3] = "浑南区"
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    before = _count(web_city.engine, models.Enterprise)
    options = {"kind": "enterprises", "as_of": "2023-12-31", "year": "2023"}
    with path.open("rb") as handle:
        page = client.post(
            "/imports", data={**options, "action": "preview"}, files={"file": ("名单.xlsx", handle)}
        )
    assert page.status_code == 400 and "未知列“所在地”" in page.text
    assert "表头在第 2 行" in page.text  # the preview shows how every other column is read
    token, fields = _preview_form(page.text)
    unknown = next(k for k, v in fields.items() if v == "所在地")
    assert fields["map" + unknown[6:]] == ""
    fields["map" + unknown[6:]] = "district"
    page = client.post(f"/imports/preview/{token}", data={**options, **fields, "action": "preview"})
    assert page.status_code == 200 and "预览（未写入）" in page.text, page.text
    assert "将新增 4" in page.text and "第7行是合计行，未导入" in page.text
    assert _count(web_city.engine, models.Enterprise) == before
    save = {"save_as": "浑南区科技局", "action": "commit"}
    page = client.post(f"/imports/preview/{token}", data={**options, **fields, **save})
    assert page.status_code == 200 and "新增 8" in page.text, page.text  # 4 firms + 4 years
    assert _count(web_city.engine, models.Enterprise) == before + 4
    assert _count(web_city.engine, models.EnterpriseYear) >= 4
    with web_city.engine.connect() as conn:
        assert conn.scalar(sa.select(models.ImportMapping.name)) == "浑南区科技局"
    # the upload is gone once committed
    assert client.post(f"/imports/preview/{token}", data=options).status_code == 404
    # the same headers again: the saved mapping is applied without asking
    with path.open("rb") as handle:
        page = client.post(
            "/imports", data={**options, "action": "preview"}, files={"file": ("名单.xlsx", handle)}
        )
    assert page.status_code == 200 and "已套用保存的对应关系“浑南区科技局”" in page.text
    assert "将更新" in page.text


def test_a_preview_belongs_to_its_uploader(web_city, tmp_path):
    from ..ingest.bureau_files import district_list, write_xlsx

    rows, merged = district_list()
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    options = {"kind": "enterprises", "as_of": "2023-12-31", "year": "2023"}
    with path.open("rb") as handle:
        page = client_for(web_city, "analyst").post(
            "/imports", data={**options, "action": "preview"}, files={"file": ("名单.xlsx", handle)}
        )
    token, fields = _preview_form(page.text)
    other = client_for(web_city, "admin")
    response = other.post(
        f"/imports/preview/{token}", data={**options, **fields, "action": "commit"}
    )
    assert response.status_code == 404
