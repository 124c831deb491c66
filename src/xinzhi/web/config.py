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


@dataclass(frozen=True)
class WebSettings:
    # Largest upload accepted (XINZHI_UPLOAD_MAX_MB); larger requests are refused with 413
    # before their body is read.
    upload_max_bytes: int = 100 * 1024 * 1024
    # Sessions end this many hours after login (XINZHI_SESSION_HOURS).
    session_hours: int = 12
    # Cookies get the Secure flag when the request came over https; XINZHI_SECURE_COOKIES=1
    # forces it (behind a proxy that terminates TLS), =0 never sets it.
    secure_cookies: bool | None = None
    # Login rate limit: failed attempts allowed per user name and per client address in the
    # window before further attempts are refused (stored, so a restart does not reset them).
    login_failures_per_user: int = 5
    login_failures_per_ip: int = 30
    login_window_minutes: int = 15
    # Where the error reports of rejected uploads wait for download (XINZHI_WEB_REPORTS_DIR).
    reports_dir: Path = field(
        default_factory=lambda: Path(
            os.environ.get("XINZHI_WEB_REPORTS_DIR", "")
            or Path(os.environ.get("TMPDIR", "/tmp")) / "xinzhi-reports"
        )
    )
    report_hours: int = 24
    page_size: int = 20

    @classmethod
    def from_env(cls, **overrides) -> WebSettings:
        values = {
            "upload_max_bytes": _env_int("XINZHI_UPLOAD_MAX_MB", 100) * 1024 * 1024,
            "session_hours": _env_int("XINZHI_SESSION_HOURS", 12),
            "secure_cookies": _env_flag("XINZHI_SECURE_COOKIES"),
            "login_failures_per_user": _env_int("XINZHI_LOGIN_FAILURES_PER_USER", 5),
            "login_failures_per_ip": _env_int("XINZHI_LOGIN_FAILURES_PER_IP", 30),
            "login_window_minutes": _env_int("XINZHI_LOGIN_WINDOW_MINUTES", 15),
        }
        return cls(**(values | overrides))
