"""Shared fixtures: the throwaway PostgreSQL, headless Chromium, a live ASGI server.

`make test` (scripts/run-tests.sh) starts a PostgreSQL cluster and sets

    XINZHI_TEST_POSTGRES_URL   postgresql+psycopg://postgres@127.0.0.1:PORT/xinzhi_test
    XINZHI_REQUIRE_POSTGRES=1  a missing or silent server fails the tests instead of skipping them
    XINZHI_CHROMIUM            the browser Playwright drives (default /usr/bin/chromium)
    XINZHI_REQUIRE_BROWSER=1   a missing browser fails the tests instead of skipping them

A plain `pytest` outside `make test` skips what needs PostgreSQL or Chromium.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent

# dbfixtures: sqlite_engine / postgres_engine / engine, built on postgres_url below.
pytest_plugins = ["pytester", "tests.dbfixtures"]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # containers often give /dev/shm only 64 MB: keep Chromium's shared memory in /tmp
    "--disable-dev-shm-usage",
]


def _required(var: str) -> bool:
    return os.environ.get(var, "").strip() not in ("", "0", "false", "no")


@pytest.fixture(scope="session", autouse=True)
def _private_cache_folder(tmp_path_factory) -> Iterator[None]:
    """Each test process gets a cache folder of its own (XDG_CACHE_HOME, where the web app
    keeps its reports): parallel workers never share files, nor touch the user's cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _wide_consoles(monkeypatch) -> None:
    """The CLI's rich consoles are made once, at import, with the width of whatever started
    the process (80 columns under a pytest worker): make every one of them wide, so that
    table cells never wrap and a test sees whole names and amounts. ``_width``, not the
    ``width`` property: undoing a property set would pin the width it had read."""
    import sys

    from rich.console import Console

    seen: set[int] = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("xinzhi.") or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Console) and id(value) not in seen:
                seen.add(id(value))
                monkeypatch.setattr(value, "_width", 240)


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the throwaway PostgreSQL database that `make test` started."""
    url = os.environ.get("XINZHI_TEST_POSTGRES_URL", "").strip()
    required = _required("XINZHI_REQUIRE_POSTGRES")
    if not url:
        if required:
            pytest.fail(
                "XINZHI_REQUIRE_POSTGRES=1 but XINZHI_TEST_POSTGRES_URL is not set: "
                "run the tests with `make test` (scripts/run-tests.sh)",
                pytrace=False,
            )
        pytest.skip("PostgreSQL not started: run `make test`")

    from sqlalchemy import create_engine, text

    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to answer is fatal here
        # The URL was given on purpose: never skip, with or without XINZHI_REQUIRE_POSTGRES.
        pytest.fail(f"PostgreSQL at {url} does not answer: {exc}", pytrace=False)
    finally:
        engine.dispose()
    return url


# --- Chromium / Playwright ----------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of the Chromium binary Playwright drives (Debian's, never a downloaded one)."""
    path = os.environ.get("XINZHI_CHROMIUM", "").strip() or "/usr/bin/chromium"
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    message = f"Chromium not found at {path}: run `make system-deps`, or `make test`"
    if _required("XINZHI_REQUIRE_BROWSER"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator:
    """A headless Chromium shared by the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        if _required("XINZHI_REQUIRE_BROWSER"):
            pytest.fail(f"playwright is not installed: {exc}", pytrace=False)
        pytest.skip("playwright is not installed: run `make install`")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot_path(request: pytest.FixtureRequest) -> Path:
    """test-artifacts/screenshots/<test name>.png, under the rootdir."""
    name = re.sub(r"[^\w.\-\[\]]+", "_", request.node.name, flags=re.UNICODE).strip("_")
    return Path(request.config.rootpath) / "test-artifacts" / "screenshots" / f"{name[:150]}.png"


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator:
    """A fresh browser context and page (zh-CN); a screenshot is saved after each test."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        path = screenshot_path(request)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(path), full_page=True)
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the test's result
            print(f"could not save screenshot {path}: {exc}")
        context.close()


# --- live ASGI server ---------------------------------------------------------------------


class _ThreadedServer:
    """A uvicorn.Server on an already-bound loopback socket, in a background thread."""

    def __init__(self, app, *, startup_timeout: float = 20.0, **options) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            def install_signal_handlers(self) -> None:  # older uvicorn; not the main thread
                pass

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, **({"log_level": "warning", "lifespan": "auto", "access_log": False} | options)
        )
        self.server = Server(config)
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, name=f"live-server-{self.port}", daemon=True
        )
        self.startup_timeout = startup_timeout

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self.error = exc

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.error is not None or not self.thread.is_alive():
                raise RuntimeError(f"live server failed to start: {self.error!r}")
            if self.server.started and self._answers():
                return self.url
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"live server on {self.url} did not answer within {self.startup_timeout}s"
        )

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer (404 included) means it is serving
        except OSError:
            return False

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self.sock.close()


@pytest.fixture
def live_server() -> Iterator[Callable[..., str]]:
    """Factory: `base_url = live_server(app)` serves an ASGI app on 127.0.0.1:<free port>;
    keyword arguments go to ``uvicorn.Config``.

    Every server started through it is shut down when the test ends.
    """
    servers: list[_ThreadedServer] = []

    def start(app, *, startup_timeout: float = 20.0, **options) -> str:
        server = _ThreadedServer(app, startup_timeout=startup_timeout, **options)
        servers.append(server)
        return server.start()

    yield start
    for server in reversed(servers):
        server.stop()
