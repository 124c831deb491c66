"""Limits against hostile callers: the request body size (ASGI middleware), the security
headers, and the private folder check for files the server keeps between requests."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

# Pages load scripts and styles from /static only (vendored ECharts and HTMX); ECharts sets
# inline styles, hence 'unsafe-inline' for styles but never for scripts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
]


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n / 2**10:g} KB"


class BodySizeLimit:
    """Refuse request bodies over the limit with 413, before the app reads them.

    The limit is ``max_bytes`` (small) unless ``allows_large(scope)`` says this request gets
    ``large_bytes`` instead (the import upload of a signed-in user who may import; asked only
    when the declared or streamed size passes the smaller of the two). Content-Length is
    checked up front; a body without one (chunked) is counted as it streams in.
    """

    def __init__(self, app, max_bytes: int, large_bytes: int = 0, allows_large=None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large_bytes = large_bytes
        self.allows_large = allows_large
        # below this no question needs asking: every request may send that much
        self.free_bytes = min(max_bytes, large_bytes) if allows_large else max_bytes

    def _limit(self, scope) -> int:
        if self.allows_large is not None and self.allows_large(scope):
            return self.large_bytes
        return self.max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit() or len(length) > 15:
                return await self._refuse(send, self.max_bytes)
            if int(length) > self.free_bytes and int(length) > (limit := self._limit(scope)):
                return await self._refuse(send, limit)
        received = 0
        limit = None  # asked once the body passes the free size
        started = refused = False

        async def counting_receive():
            # Over the limit, answer 413 here and tell the app the client has gone: an
            # exception would be turned into a 400 by FastAPI's body reader.
            nonlocal received, limit, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.free_bytes:
                    limit = self._limit(scope) if limit is None else limit
                    if received > limit:
                        if not started and not refused:
                            await self._refuse(send, limit)
                        refused = True
                        return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if refused:
                return  # the app's answer to the "disconnect": the 413 is already sent
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _refuse(self, send, limit: int) -> None:
        body = json.dumps(
            {
                "detail": {
                    "zh": f"请求内容超过 {_size(limit)} 的上限",
                    "en": f"the request body exceeds the {_size(limit)} limit",
                }
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class UnsafeDirectory(RuntimeError):
    pass


def private_directory(path: Path) -> Path:
    """``path`` as a folder only the server's user can open: created 0700 if absent; an
    existing one must be a real folder (not a link) owned by this user, with no access for
    group or others — otherwise another local user could read or plant files there."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = os.lstat(path)
    problem = None
    if not stat.S_ISDIR(info.st_mode):
        problem = ("不是文件夹（或是符号链接）", "is not a folder (or is a symbolic link)")
    elif info.st_uid != os.getuid():
        problem = ("属于其他用户", "belongs to another user")
    elif info.st_mode & 0o077:
        problem = (
            f"权限 {stat.S_IMODE(info.st_mode):o} 允许他人访问（应为 700）",
            f"mode {stat.S_IMODE(info.st_mode):o} lets others in (should be 700)",
        )
    if problem:
        raise UnsafeDirectory(
            f"{path} {problem[0]}，拒绝使用 / {path} {problem[1]}; refusing to use it"
        )
    return path
