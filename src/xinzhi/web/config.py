"""The web app's settings, from the environment (``XINZHI_…``), with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"{name} must be a whole number, not {value!r} / {name} 须为整数"
        ) from None


def _env_flag(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return None
    return value not in ("0", "false", "no", "off")


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


def default_reports_dir() -> Path:
    """Under the user's own cache folder, not a shared temporary one: nobody else can create
    it first (a fixed name under /tmp could be made by another local user)."""
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(cache) / "xinzhi" / "reports"


@dataclass(frozen=True)
class WebSettings:
    # Largest import upload accepted (XINZHI_UPLOAD_MAX_MB), on the import routes only and only
    # for a signed-in user who may import; larger requests are refused with 413 before their
    # body is read. The upload streams to disk.
    upload_max_bytes: int = 100 * 1024 * 1024
    # Every other request body (and any body of a caller not allowed to import): refused with
    # 413 above this, before anything parses it (XINZHI_BODY_MAX_KB).
    body_max_bytes: int = 64 * 1024
    # Sessions end this many hours after login (XINZHI_SESSION_HOURS).
    session_hours: int = 12
    # Cookies get the Secure flag when the request came over https; XINZHI_SECURE_COOKIES=1
    # forces it (behind a proxy that terminates TLS), =0 never sets it.
    secure_cookies: bool | None = None
    # Login limits (accounts.login): free failures per (user name, source address), then a
    # delay doubling from login_delay_seconds up to the window; failures per source address in
    # the window. Stored, so a restart does not reset them.
    login_failures_per_user: int = 5
    login_failures_per_ip: int = 30
    login_window_minutes: int = 15
    login_delay_seconds: int = 60
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (XINZHI_TRUSTED_PROXIES,
    # comma-separated addresses or networks); none by default, so the client address is the
    # connection's own.
    trusted_proxies: tuple[str, ...] = ()
    # Where the error reports of rejected uploads wait for download (XINZHI_WEB_REPORTS_DIR);
    # it must be a folder of the server's user that nobody else can open (checked).
    reports_dir: Path = field(
        default_factory=lambda: Path(
            os.environ.get("XINZHI_WEB_REPORTS_DIR", "") or default_reports_dir()
        )
    )
    report_hours: int = 24
    page_size: int = 20

    @classmethod
    def from_env(cls, **overrides) -> WebSettings:
        values = {
            "upload_max_bytes": _env_int("XINZHI_UPLOAD_MAX_MB", 100) * 1024 * 1024,
            "body_max_bytes": _env_int("XINZHI_BODY_MAX_KB", 64) * 1024,
            "session_hours": _env_int("XINZHI_SESSION_HOURS", 12),
            "secure_cookies": _env_flag("XINZHI_SECURE_COOKIES"),
            "login_failures_per_user": _env_int("XINZHI_LOGIN_FAILURES_PER_USER", 5),
            "login_failures_per_ip": _env_int("XINZHI_LOGIN_FAILURES_PER_IP", 30),
            "login_window_minutes": _env_int("XINZHI_LOGIN_WINDOW_MINUTES", 15),
            "login_delay_seconds": _env_int("XINZHI_LOGIN_DELAY_SECONDS", 60),
            "trusted_proxies": _env_list("XINZHI_TRUSTED_PROXIES"),
        }
        return cls(**(values | overrides))
