"""The store: Alembic migrations, exact money, SQLite settings (issue #2 §2–3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st

from xinzhi.store import models
from xinzhi.store.db import make_engine, session_scope
from xinzhi.store.schema import (
    SchemaOutOfDate,
    current_revision,
    ensure_current,
    head_revision,
    quick_head,
)
from xinzhi.store.types import ScaledDecimal


def test_migrations_build_exactly_the_models(engine):
    """Alembic's autogenerate finds nothing to add: the migration history is the model."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, models.Base.metadata) == []
    assert current_revision(engine) == head_revision()


def _district(**overrides) -> models.District:
    fields = dict(
        code="210112",
        name="浑南区",
        city="沈阳市",
        province="辽宁省",
        kind="district",
        source="test",
        as_of=dt.date(2023, 8, 31),
    )
    return models.District(**(fields | overrides))


def test_money_round_trips_exactly_and_sums_exactly(engine):
    with session_scope(engine) as session:
        district = _district()
        enterprise = models.Enterprise(
            credit_code="91110108MA01B7C46F",
            name="甲",
            district=district,
            founded_on=dt.date(2015, 1, 1),
            source="test",
            as_of=dt.date(2023, 8, 31),
        )
        session.add(enterprise)
        for year, revenue in ((2021, "0.10"), (2022, "0.20"), (2023, "99999999999.99")):
            session.add(
                models.EnterpriseYear(
                    enterprise=enterprise,
                    year=year,
                    revenue=Decimal(revenue),
                    net_assets=Decimal("-1.5"),
                    source="test",
                    as_of=dt.date(year, 12, 31),
                )
            )
    with session_scope(engine) as session:
        years = session.scalars(sa.select(models.EnterpriseYear).order_by("year")).all()
        assert [y.revenue for y in years] == [
            Decimal("0.10"),
            Decimal("0.20"),
            Decimal("99999999999.99"),
        ]
        assert years[0].net_assets == Decimal("-1.50")
        total = session.scalar(sa.select(sa.func.sum(models.EnterpriseYear.revenue)))
    assert total == Decimal("100000000000.29")  # summed as whole fen: 0.1 + 0.2 is exactly 0.3


def test_money_with_more_than_two_places_is_refused():
    with pytest.raises(ValueError, match="decimal places"):
        ScaledDecimal(2).process_bind_param(Decimal("1.005"), None)


@settings(max_examples=200)
@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2, allow_nan=False))
def test_scaled_decimal_round_trip(value):
    money = ScaledDecimal(2)
    assert money.process_result_value(money.process_bind_param(value, None), None) == value


def test_check_constraints_hold_in_the_database(engine):
    """The database itself refuses inconsistent years, whatever path wrote them."""
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope(engine) as session:
            enterprise = models.Enterprise(
                credit_code="91110108MA01B7C46F",
                name="甲",
                district=_district(),
                founded_on=dt.date(2015, 1, 1),
                source="test",
                as_of=dt.date(2023, 8, 31),
            )
            session.add(
                models.EnterpriseYear(
                    enterprise=enterprise,
                    year=2023,
                    employees=Decimal("10"),
                    tech_staff=Decimal("10.01"),  # more S&T staff than staff, by 0.01
                    source="t",
                    as_of=dt.date(2023, 12, 31),
                )
            )


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_sqlite_ddl_is_transactional(sqlite_engine):
    """A rolled-back transaction takes its DDL with it (pysqlite would auto-commit it)."""
    with sqlite_engine.connect() as conn:
        transaction = conn.begin()
        conn.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
        transaction.rollback()
    assert "scratch" not in sa.inspect(sqlite_engine).get_table_names()


def test_embedded_database_is_created_on_first_use(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'new.db'}")
    ensure_current(engine)
    assert current_revision(engine) == head_revision()


@pytest.mark.postgres
def test_shared_database_is_never_migrated_implicitly(postgres_url):
    import uuid

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"xinzhi_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(sa.engine.make_url(postgres_url).set(database=name))
    try:
        with pytest.raises(SchemaOutOfDate, match="xinzhi db upgrade"):
            ensure_current(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_the_quick_head_is_alembics_head():
    assert quick_head() == head_revision()


def test_a_current_database_is_checked_without_importing_alembic(tmp_path):
    """Every command checks the schema; importing Alembic for it cost about a second."""
    import subprocess
    import sys

    database = tmp_path / "current.db"
    ensure_current(make_engine(f"sqlite:///{database}"))  # created and migrated here
    check = (
        "import sys; from xinzhi.store.db import make_engine; "
        "from xinzhi.store.schema import ensure_current; "
        f"ensure_current(make_engine('sqlite:///{database}')); "
        "print('alembic' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert shown.stdout.strip() == "False", shown.stderr
