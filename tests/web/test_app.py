"""The app's shell: vendored front-end files with their licences, offline API docs, the nav,
upload size limits before the body is read, and profile panels other areas plug in."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from xinzhi.web.auth import Staff
from xinzhi.web.templating import PROFILE_PANELS, STATIC_DIR, register_profile_panel

from .helpers import client_for, make_app


def test_vendored_libraries_ship_with_their_licences():
    vendor = STATIC_DIR / "vendor"
    for library, bundle in (
        ("echarts", "echarts.min.js"),
        ("htmx", "htmx.min.js"),
        ("swagger-ui", "swagger-ui-bundle.js"),
    ):
        assert (vendor / library / bundle).stat().st_size > 10_000
        assert (vendor / library / "LICENSE").is_file()


def test_api_docs_are_served_without_a_cdn(web_city):
    client = client_for(web_city, None)
    html = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert {
        "/api/dashboard",
        "/api/enterprises",
        "/api/enterprises/{enterprise_id}",
        "/api/imports",
        "/api/audit",
        "/api/admin/users",
    } <= set(schema["paths"])


def test_nav_lists_what_the_role_may_open(web_city):
    admin = client_for(web_city, "admin").get("/account").text
    for path in ("/dashboard", "/enterprises", "/imports", "/audit", "/admin"):
        assert f'href="{path}"' in admin
    district = client_for(web_city, "district").get("/account").text
    assert 'href="/dashboard"' in district and 'href="/imports"' not in district
    assert 'href="/admin"' not in district


def test_oversized_requests_are_refused_before_reading(web_city):
    client = client_for(web_city, "analyst", make_app(web_city, upload_max_bytes=1000))
    response = client.post(
        "/api/imports",
        content=b"x" * 5000,
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413


def test_profile_panels_from_other_areas_load_where_the_role_may_open_them(web_city):
    router = APIRouter()

    @router.get("/test-panel/{enterprise_id}", response_class=HTMLResponse)
    def panel(enterprise_id: int, principal: Staff) -> str:
        return "<p>panel</p>"

    app = make_app(web_city)
    app.include_router(router)
    register_profile_panel("test", "测试", "test", "/test-panel/{enterprise_id}")
    try:
        html = (
            client_for(web_city, "analyst", app).get(f"/enterprises/{web_city.enterprise_id}").text
        )
        assert f'hx-get="/test-panel/{web_city.enterprise_id}"' in html
        own = client_for(web_city, "enterprise", app).get(f"/enterprises/{web_city.enterprise_id}")
        assert "/test-panel/" not in own.text  # the enterprise role may not open it
    finally:
        PROFILE_PANELS[:] = [p for p in PROFILE_PANELS if p.key != "test"]
