"""Bring a database to the current schema with Alembic, and tell where it stands."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ..domain.errors import XinzhiError

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaOutOfDate(XinzhiError, RuntimeError):
    """The database is behind the code: `xinzhi db upgrade` migrates it."""


def alembic_config(engine: Engine | None = None, connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", str(engine.url) if engine else "")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(engine, connection), revision)


def ensure_current(engine: Engine, *, create: bool = True) -> None:
    """Upgrade an embedded SQLite database; ask for an explicit upgrade of a shared one.

    A shared PostgreSQL database is migrated by its administrator (`xinzhi db upgrade`),
    never as a side effect of a user's command.
    """
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
