"""Centres and their pools, with dated capacity, from a YAML declaration.

A centre is configuration more than data: a handful of pools whose card counts change on
dated expansions. ``load_centre`` checks the whole declaration (every problem named by its
place in the file) and writes it in one transaction; loading it again updates the centre,
adds new capacity dates and leaves the rest alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Engine

from ..store.audit import Action, audit
from ..store.db import session_scope
from ..store.models import District
from ..store.models.compute import ComputeCentre, ComputePool, ComputePoolCapacity
from .imports import ComputeError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CapacitySpec(_Strict):
    effective_from: dt.date = Field(alias="from")
    cards: int = Field(ge=0)
    fp16_tflops_per_card: Decimal = Field(ge=0, decimal_places=4)
    fp32_tflops_per_card: Decimal | None = Field(default=None, ge=0, decimal_places=4)


class PoolSpec(_Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    accelerator: str = Field(min_length=1, max_length=100)
    domestic: bool
    unit: Literal["card", "core"] = "card"
    capacity: list[CapacitySpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_dates(self):
        dates = [c.effective_from for c in self.capacity]
        if len(dates) != len(set(dates)):
            raise ValueError("two capacity rows on the same date / 同一日期有两条容量记录")
        return self


class CentreSpec(_Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=50)
    district: str | None = None
    operator: str | None = None
    pools: list[PoolSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_pools(self):
        codes = [p.code for p in self.pools]
        if len(codes) != len(set(codes)):
            raise ValueError("two pools with the same code / 资源池代码重复")
        return self


def read_centre(path: Path) -> CentreSpec:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return CentreSpec.model_validate(data)
    except yaml.YAMLError as error:
        raise ComputeError(f"YAML 格式错误：{error}", f"not valid YAML: {error}") from None
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in error.errors()
        ]
        raise ComputeError(
            "算力中心声明有误：" + "；".join(problems),
            "the centre declaration is invalid: " + "; ".join(problems),
            "centre_invalid",
        ) from None


def load_centre(engine: Engine, spec: CentreSpec, *, actor: str, source: str) -> int:
    """Write (or update) the centre, its pools and their capacity rows; return its id."""
    today = dt.date.today()
    with session_scope(engine) as session:
        district_id = None
        if spec.district:
            ids = session.scalars(
                sa.select(District.id).where(
                    sa.or_(District.name == spec.district, District.code == spec.district)
                )
            ).all()
            if len(ids) != 1:
                raise ComputeError(
                    f"district: 未登记或不唯一的区县“{spec.district}”",
                    f"district: unknown or ambiguous district '{spec.district}'",
                    "unknown_district",
                )
            district_id = ids[0]
        centre = session.scalar(sa.select(ComputeCentre).where(ComputeCentre.code == spec.code))
        if centre is None:
            centre = ComputeCentre(code=spec.code, source=source, as_of=today)
            session.add(centre)
        centre.name, centre.city, centre.operator = spec.name, spec.city, spec.operator
        centre.district_id = district_id
        session.flush()
        added = 0
        for pool_spec in spec.pools:
            pool = session.scalar(
                sa.select(ComputePool).where(
                    ComputePool.centre_id == centre.id, ComputePool.code == pool_spec.code
                )
            )
            if pool is None:
                pool = ComputePool(
                    centre_id=centre.id, code=pool_spec.code, source=source, as_of=today
                )
                session.add(pool)
            pool.name, pool.accelerator = pool_spec.name, pool_spec.accelerator
            pool.domestic, pool.unit = pool_spec.domestic, pool_spec.unit
            session.flush()
            known = {
                c.effective_from: c
                for c in session.scalars(
                    sa.select(ComputePoolCapacity).where(ComputePoolCapacity.pool_id == pool.id)
                )
            }
            for cap in pool_spec.capacity:
                row = known.get(cap.effective_from)
                if row is None:
                    row = ComputePoolCapacity(pool_id=pool.id, effective_from=cap.effective_from)
                    session.add(row)
                    added += 1
                row.cards = cap.cards
                row.fp16_tflops_per_card = cap.fp16_tflops_per_card
                row.fp32_tflops_per_card = cap.fp32_tflops_per_card
                row.source = source
        audit(
            session,
            actor=actor,
            action=Action.COMPUTE_CENTRE,
            subject=spec.code,
            detail={"pools": len(spec.pools), "capacity_rows_added": added, "source": source},
        )
        return centre.id
