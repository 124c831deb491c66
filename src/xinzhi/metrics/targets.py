"""Setting one target by hand (the admin page): the same checks as ``xinzhi import targets`` —
the import kind's own column parsers, its region rule (a registered city or district) and its
row check (the value not above the upper bound) — then the row and its audit entry in one
transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Engine

from ..domain.errors import InvalidValue, XinzhiError
from ..ingest.kinds import KINDS
from ..store import models
from ..store.audit import Action, audit
from ..store.queries import region_names

T = models.Target


class TargetError(XinzhiError, ValueError):
    """A target that the import would reject, with the field and the reason."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, message=en)


def _parse(name: str, raw) -> object:
    """The import kind's parser for column ``name``; a blank required cell is an error."""
    column = KINDS["targets"].column(name)
    if raw is None or str(raw).strip() == "":
        if column.required:
            raise TargetError(f"{column.zh}必须填写", f"{name} is required")
        return None
    try:
        return column.parse(str(raw).strip(), None)
    except InvalidValue as exc:
        raise TargetError(f"{column.zh}：{exc.zh}", f"{name}: {exc.en}") from None


def set_target(
    engine: Engine,
    *,
    indicator: str,
    region: str,
    year: int | str,
    value: str,
    value_max: str | None,
    unit: str,
    actor: str,
) -> None:
    """Insert or update one target (indicator, region, year); audited."""
    row = {
        name: _parse(name, raw)
        for name, raw in (
            ("indicator", indicator),
            ("region", region),
            ("year", year),
            ("value", value),
            ("value_max", value_max),
            ("unit", unit),
        )
    }
    for check in KINDS["targets"].row_checks:
        for _, problem in check(row):
            raise TargetError(problem.zh, problem.en)
    with engine.begin() as conn:
        if row["region"] not in region_names(conn):
            raise TargetError(
                f"地区“{row['region']}”既不是已登记城市也不是已登记区县",
                f"'{row['region']}' is neither a registered city nor a registered district",
            )
        key = (T.indicator == row["indicator"], T.region == row["region"], T.year == row["year"])
        existing = conn.scalar(sa.select(T.id).where(*key))
        values = {
            "value": row["value"],  # ten-thousandths, as the import stores them
            "value_max": row["value_max"],
            "unit": row["unit"],
            "source": actor,
            "as_of": dt.date.today(),
            "imported_at": models.utcnow(),
            "source_row": None,
            "import_batch_id": None,
        }
        if existing is None:
            conn.execute(
                sa.insert(T).values(
                    indicator=row["indicator"], region=row["region"], year=row["year"], **values
                )
            )
        else:
            conn.execute(sa.update(T).where(T.id == existing).values(**values))
        audit(
            conn,
            actor=actor,
            action=Action.TARGET_SET,
            subject=f"target:{row['indicator']}:{row['region']}:{row['year']}",
            detail={
                "value": _quantity_text(row["value"]),
                "value_max": _quantity_text(row["value_max"]),
                "unit": row["unit"],
            },
        )


def _quantity_text(scaled: int | None) -> str | None:
    return None if scaled is None else str(Decimal(scaled).scaleb(-4))
