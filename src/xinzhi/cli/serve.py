"""`xinzhi stats`, `xinzhi serve`: headline figures and the web app."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ..store.db import database_url
from .common import RulesOption, console, open_engine, use_rules


def stats() -> None:
    """Headline counts of the city, with the date each describes / 城市概况."""
    from ..metrics.headline import headline

    table = Table("指标 indicator", "值 value", "数据日期 as of", "导入时间 imported")
    for figure in headline(open_engine()):
        table.add_row(
            f"{figure.zh} {figure.en}",
            f"{figure.value:,} {figure.unit_zh}",
            str(figure.as_of or "—"),
            str(figure.imported_at or "—")[:19],
        )
    console.print(table)


def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    rules: RulesOption = None,
) -> None:
    """Serve the web app / 启动网页服务."""
    use_rules(rules)
    import uvicorn

    open_engine()  # fail early, before the server starts, if the schema is behind
    console.print(f"新质 Xinzhi → http://{host}:{port}  ({database_url()})")
    uvicorn.run("xinzhi.web.app:create_app", factory=True, **uvicorn_options(host, port))


def uvicorn_options(host: str, port: int) -> dict:
    """uvicorn's own proxy-header handling is off: by default it believes X-Forwarded-For
    from 127.0.0.1, which would let anyone behind a same-host proxy pick their address. The
    app believes proxies only when XINZHI_TRUSTED_PROXIES names them (docs/web.md)."""
    return {"host": host, "port": port, "proxy_headers": False, "server_header": False}
