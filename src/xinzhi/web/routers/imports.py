"""Imports from the browser: upload an .xlsx or .csv, see the errors inline, download the
error report. The import itself is ``ingest.pipeline.import_file``: all rows or none.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from ...domain.errors import XinzhiError
from ...ingest.kinds import KINDS
from ...store import models
from ..auth import CityStaff, EngineDep, NotFound, Principal, SettingsDep
from ..config import WebSettings
from ..limits import private_directory
from ..templating import render

router = APIRouter()

ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx or .ods is a zip archive
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls is an OLE2 compound file
IGNORE = "__ignore__"  # the mapping choice that leaves a column out
SHOWN_ERRORS = 100
REPORT_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class UploadRejected(XinzhiError):
    def __init__(self, status: int, zh: str, en: str) -> None:
        self.status = status
        super().__init__(zh, en, message=en)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UploadRejected(400, f"未知的数据类型“{kind[:40]}”", f"unknown kind '{kind[:40]}'")


def _save_upload(upload: UploadFile, directory: Path, max_bytes: int) -> Path:
    """Copy the upload to a file of the right suffix after checking its type and size."""
    name = Path(upload.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRejected(
            415,
            f"只接受 .xlsx、.xls、.ods 或 .csv 文件，而不是“{name[:80]}”",
            f"only .xlsx, .xls, .ods or .csv files are accepted, not '{name[:80]}'",
        )
    path = directory / f"upload{suffix}"
    size = 0
    with path.open("wb") as out:
        while block := upload.file.read(1 << 20):
            size += len(block)
            if size > max_bytes:
                raise UploadRejected(
                    413,
                    f"文件超过 {max_bytes // 2**20} MB 的上限",
                    f"the file exceeds the {max_bytes // 2**20} MB limit",
                )
            out.write(block)
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if not head:
        raise UploadRejected(400, "文件是空的", "the file is empty")
    if suffix in (".xlsx", ".xlsm", ".ods") and not head.startswith(ZIP_MAGIC):
        raise UploadRejected(
            415, f"文件内容不是 {suffix} 格式", f"the file's content is not {suffix}"
        )
    if suffix == ".xls" and not head.startswith(OLE_MAGIC):
        raise UploadRejected(415, "文件内容不是 .xls 格式", "the file's content is not .xls")
    if suffix == ".csv" and (b"\x00" in head or head.startswith(ZIP_MAGIC)):
        raise UploadRejected(415, "文件内容不是文本 CSV", "the file is not a text CSV file")
    return path


def _store_report(settings: WebSettings, principal: Principal, result) -> str:
    """Write the error report where only its uploader (or an admin) can fetch it; return its token."""
    from ...ingest.report import write_error_report

    directory = private_directory(settings.reports_dir)
    _sweep_reports(directory, settings.report_hours)
    token = secrets.token_urlsafe(24)
    write_error_report(result, directory / f"{token}.xlsx")
    (directory / f"{token}.json").write_text(
        json.dumps({"user_id": principal.user_id, "source": result.source}), encoding="utf-8"
    )
    return token


def _sweep_reports(directory: Path, hours: int) -> None:
    cutoff = time.time() - hours * 3600
    for path in directory.glob("*.*"):
        if path.suffix in (".xlsx", ".json") and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _pending_dir(settings: WebSettings) -> Path:
    directory = settings.reports_dir / "pending"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep_reports(directory, settings.report_hours)
    return directory


def _keep_upload(settings: WebSettings, principal: Principal, path: Path, source: str) -> str:
    """Keep a previewed upload until it is committed (or expires with the reports)."""
    token = secrets.token_urlsafe(24)
    directory = _pending_dir(settings)
    shutil.move(str(path), directory / f"{token}{path.suffix}")
    (directory / f"{token}.json").write_text(
        json.dumps({"user_id": principal.user_id, "source": source, "suffix": path.suffix}),
        encoding="utf-8",
    )
    return token


def _pending_upload(settings: WebSettings, principal: Principal, token: str) -> tuple[Path, str]:
    if not (20 <= len(token) <= 64) or not set(token) <= REPORT_TOKEN_CHARS:
        raise NotFound()
    directory = settings.reports_dir / "pending"
    meta = directory / f"{token}.json"
    if not meta.is_file():
        raise NotFound("预览已过期，请重新上传", "the preview has expired: upload the file again")
    owner = json.loads(meta.read_text(encoding="utf-8"))
    path = directory / f"{token}{owner['suffix']}"
    if owner.get("user_id") != principal.user_id or not path.is_file():
        raise NotFound("预览已过期，请重新上传", "the preview has expired: upload the file again")
    return path, owner["source"]


def _options(as_of: str | None, year: str | None) -> dict:
    from ...domain.errors import InvalidValue
    from ...domain.values import parse_date, parse_year

    try:
        return {
            "as_of": parse_date(as_of) if as_of else None,
            "year": parse_year(year) if year else None,
        }
    except InvalidValue as error:
        raise UploadRejected(
            400, f"数据日期或年度有误：{error.zh}", f"bad as-of date or year: {error.en}"
        ) from None


def _import(engine, settings, principal, kind, path, source, options, **more) -> dict:
    """Run the import (or its preview); the outcome as a dict for the page and the API."""
    from ...ingest.errors import ImportFileError
    from ...ingest.pipeline import import_file

    try:
        result = import_file(
            engine, kind, path, actor=principal.audit_name, source=source, **options, **more
        )
    except ImportFileError as error:
        rejected = UploadRejected(400, error.zh, error.en)
        rejected.parts = [_part_view(part) for part in getattr(error, "parts", ())]
        raise rejected from None
    outcome = {
        "ok": result.ok,
        "kind": kind,
        "source": result.source,
        "dry_run": result.dry_run,
        "rows": result.rows,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "batch_id": result.batch_id,
        "error_count": result.error_count,
        "errors": [vars(e) for e in result.errors[:SHOWN_ERRORS]],
        "notices": result.notices,
        "parts": [_part_view(part) for part in result.parts],
        "report_url": None,
    }
    if not result.ok:
        token = _store_report(settings, principal, result)
        outcome["report_url"] = f"/imports/reports/{token}"
    return outcome


def _part_view(part) -> dict:
    """A part of the preview: each source column with the field it goes to, for the page."""
    columns = []
    for header, target, unit in part.columns:
        field = IGNORE if target is None else ("" if target == "?" else target.split(" (")[0])
        columns.append({"header": header, "field": field, "label": target, "unit": unit})
    return {
        "kind": part.kind,
        "sheet": part.sheet,
        "header_rows": "、".join(str(n) for n in part.header_rows),
        "unit": part.unit,
        "mapping_name": part.mapping_name,
        "defaults": part.defaults,
        "rows": part.rows,
        "inserted": part.inserted,
        "updated": part.updated,
        "unchanged": part.unchanged,
        "columns": columns,
        "fields": [(c.name, c.zh) for c in KINDS[part.kind].columns],
    }


def run_upload(
    engine,
    settings: WebSettings,
    principal: Principal,
    kind: str,
    upload: UploadFile,
    as_of: str | None,
    *,
    year: str | None = None,
    sheet: str | None = None,
    preview: bool = False,
) -> dict:
    """Check, save and import an upload (or preview it, keeping the file for the commit)."""
    _check_kind(kind)
    options = _options(as_of, year) | {"sheet": sheet or None}
    directory = Path(tempfile.mkdtemp(prefix="xinzhi-upload-"))
    try:
        path = _save_upload(upload, directory, settings.upload_max_bytes)
        source = Path(upload.filename or path.name).name[:200]
        outcome = _import(engine, settings, principal, kind, path, source, options, dry_run=preview)
        if preview:
            outcome["token"] = _keep_upload(settings, principal, path, source)
        return outcome
    except UploadRejected as rejected:
        if preview and getattr(rejected, "parts", None):  # unknown columns: map them
            rejected.token = _keep_upload(settings, principal, path, source)
        raise
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def mapping_from_form(form) -> dict[str, str | None]:
    """The columns chosen on the preview: header{n} with map{n} = a field or IGNORE."""
    mapping: dict[str, str | None] = {}
    for key, header in form.items():
        if key.startswith("header") and key[6:].isdigit():
            choice = str(form.get(f"map{key[6:]}", ""))
            if choice == IGNORE:
                mapping[str(header)] = None
            elif choice:
                mapping[str(header)] = choice
    return mapping


def _recent_batches(engine, limit: int = 20) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(models.ImportBatch.__table__)
            .order_by(models.ImportBatch.id.desc())
            .limit(limit)
        ).all()


def _kinds() -> list[tuple[str, str]]:
    return [(k.name, k.zh) for k in KINDS.values()]


KindField = Annotated[str, Form(max_length=40)]
FileField = Annotated[UploadFile, File()]
AsOfField = Annotated[str, Form(max_length=20)]


@router.get("/imports", include_in_schema=False)
def imports_page(request: Request, principal: CityStaff, engine: EngineDep):
    return render(
        request,
        "imports.html",
        {"kinds": _kinds(), "outcome": None, "rejected": None, "batches": _recent_batches(engine)},
    )


@router.post("/imports", include_in_schema=False)
def upload_page(
    request: Request,
    principal: CityStaff,
    engine: EngineDep,
    settings: SettingsDep,
    kind: KindField,
    file: FileField,
    as_of: AsOfField = "",
    year: Annotated[str, Form(max_length=10)] = "",
    sheet: Annotated[str, Form(max_length=100)] = "",
    action: Annotated[str, Form(max_length=20)] = "import",
):
    context = {"kinds": _kinds(), "outcome": None, "rejected": None, "selected_kind": kind}
    context["form"] = {"as_of": as_of, "year": year, "sheet": sheet}
    status = 200
    try:
        context["outcome"] = run_upload(
            engine,
            settings,
            principal,
            kind,
            file,
            as_of or None,
            year=year or None,
            sheet=sheet or None,
            preview=action == "preview",
        )
        status = 200 if context["outcome"]["ok"] else 422
    except UploadRejected as rejected:
        context["rejected"], status = rejected, rejected.status
    context["batches"] = _recent_batches(engine)
    return render(request, "imports.html", context, status_code=status)


@router.post("/imports/preview/{token}", include_in_schema=False)
async def preview_page(
    request: Request, token: str, principal: CityStaff, engine: EngineDep, settings: SettingsDep
):
    """Preview again with the columns as mapped on the page, or commit (and save the mapping)."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    kind = str(form.get("kind", ""))[:40]
    commit = form.get("action") == "commit"
    as_of, year, sheet = (str(form.get(name, ""))[:100] for name in ("as_of", "year", "sheet"))
    save_as = str(form.get("save_as", "")).strip()[:100] or None
    context = {"kinds": _kinds(), "outcome": None, "rejected": None, "selected_kind": kind}
    context["form"] = {"as_of": as_of, "year": year, "sheet": sheet, "save_as": save_as or ""}
    status = 200
    try:
        _check_kind(kind)
        path, source = _pending_upload(settings, principal, token)
        options = _options(as_of or None, year or None) | {"sheet": sheet or None}
        mapping = mapping_from_form(form)
        outcome = await run_in_threadpool(
            _import,
            engine,
            settings,
            principal,
            kind,
            path,
            source,
            options,
            dry_run=not commit,
            mapping=mapping,
            save_mapping=save_as if commit else None,
        )
        if commit and outcome["ok"]:
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
        else:
            outcome["token"] = token
        context["outcome"] = outcome
        status = 200 if outcome["ok"] else 422
    except UploadRejected as rejected:
        rejected.token = token
        context["rejected"], status = rejected, rejected.status
    context["batches"] = _recent_batches(engine)
    return render(request, "imports.html", context, status_code=status)


@router.get("/imports/reports/{token}", include_in_schema=False)
def download_report(token: str, principal: CityStaff, settings: SettingsDep):
    """The error report of a rejected upload, for whoever uploaded it (and admins)."""
    if not (20 <= len(token) <= 64) or not set(token) <= REPORT_TOKEN_CHARS:
        raise NotFound()
    report = settings.reports_dir / f"{token}.xlsx"
    meta = settings.reports_dir / f"{token}.json"
    if not report.is_file() or not meta.is_file():
        raise NotFound("错误报告不存在或已过期", "no such error report, or it has expired")
    owner = json.loads(meta.read_text(encoding="utf-8"))
    if owner.get("user_id") != principal.user_id and not principal.is_admin:
        raise NotFound("错误报告不存在或已过期", "no such error report, or it has expired")
    stem = Path(owner.get("source") or "import").stem
    return FileResponse(
        report,
        filename=f"{stem}.errors.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@router.get("/imports/templates/{kind}.xlsx", include_in_schema=False)
def download_template(kind: str, principal: CityStaff):
    from ...ingest.template import write_template

    if kind not in KINDS:
        raise NotFound()
    with tempfile.TemporaryDirectory() as directory:
        data = write_template(kind, Path(directory) / f"{kind}.xlsx").read_bytes()
    return StreamingResponse(
        iter([data]),
        headers={"Content-Disposition": f"attachment; filename={kind}_template.xlsx"},
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@router.post("/api/imports", tags=["imports"])
def upload_api(
    principal: CityStaff,
    engine: EngineDep,
    settings: SettingsDep,
    kind: KindField,
    file: FileField,
    as_of: AsOfField = "",
) -> JSONResponse:
    """Import an .xlsx or .csv file (multipart): all rows or none. On errors (422) the first
    100 are listed and ``report_url`` serves the full bilingual error report."""
    try:
        outcome = run_upload(engine, settings, principal, kind, file, as_of or None)
    except UploadRejected as rejected:
        return JSONResponse(
            {"detail": {"zh": rejected.zh, "en": rejected.en}}, status_code=rejected.status
        )
    return JSONResponse(
        json.loads(json.dumps(outcome, default=str)), status_code=200 if outcome["ok"] else 422
    )


@router.get("/api/imports", tags=["imports"])
def batches_api(principal: CityStaff, engine: EngineDep) -> list[dict]:
    """The latest committed imports (a rejected import leaves no batch: nothing was written)."""
    return [
        {
            c: getattr(row, c)
            for c in (
                "id",
                "kind",
                "source",
                "actor",
                "started_at",
                "finished_at",
                "as_of",
                "rows_total",
                "rows_inserted",
                "rows_updated",
                "rows_unchanged",
            )
        }
        for row in _recent_batches(engine)
    ]
