"""Alembic environment: Xinzhi runs migrations programmatically (see ``store.schema``)."""

from alembic import context

from xinzhi.store.models import Base
from xinzhi.store.types import ScaledDecimal

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    # Scaled decimals are plain BIGINTs in the database; migrations must not import app types.
    if type_ == "type" and isinstance(obj, ScaledDecimal):
        return "sa.BigInteger()"
    return False


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `xinzhi db upgrade` (xinzhi.store.schema)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
