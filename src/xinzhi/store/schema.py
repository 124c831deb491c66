"""Bring a database to the current schema with Alembic, and tell where it stands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Engine

from ..domain.errors import XinzhiError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used: importing it costs about a second, and every command
# checks the schema, which is almost always current (``ensure_current``'s quick path).

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaOutOfDate(XinzhiError, RuntimeError):
    """The database is behind the code: `xinzhi db upgrade` migrates it."""


def alembic_config(engine: Engine | None = None, connection=None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", str(engine.url) if engine else "")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(engine, connection), revision)


def ensure_current(engine: Engine, *, create: bool = True) -> None:
    """Upgrade an embedded SQLite database; ask for an explicit upgrade of a shared one.

    A shared PostgreSQL database is migrated by its administrator (`xinzhi db upgrade`),
    never as a side effect of a user's command.
    """
    quick = quick_head()
    if quick is not None and _stored_revision(engine) == quick:
        return  # current, known without importing Alembic
    current = current_revision(engine)
    if current == head_revision():
        return
    if engine.dialect.name == "sqlite" and create:
        upgrade(engine)
        return
    en = (
        f"database schema is at {current or 'empty'}, code expects {head_revision()}: "
        "run `xinzhi db upgrade`"
    )
    zh = "数据库结构需要升级，请运行 `xinzhi db upgrade`"
    raise SchemaOutOfDate(zh, en, message=f"{en} / {zh}")


_STEP = re.compile(
    r"^revision(?:: str)? = [\"']([^\"']+)[\"']$.*?"
    r"^down_revision(?:: [^=\n]+)? = (?:None|[\"']([^\"']+)[\"'])$",
    re.M | re.S,
)


def quick_head() -> str | None:
    """The head revision read from the migration files' text, or None when they are not one
    simple chain (a merge, a branch, an unusual header): then Alembic decides."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        step = _STEP.search(path.read_text(encoding="utf-8"))
        if step is None:
            return None
        revisions.add(step[1])
        if step[2]:
            parents.add(step[2])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(parents) == len(revisions) - 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (Alembic's table, read without Alembic)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    except sa.exc.DBAPIError:
        return None  # no table yet: a new database
    return rows[0][0] if len(rows) == 1 else None
