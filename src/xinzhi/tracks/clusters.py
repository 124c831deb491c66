"""Clusters (集群) and pilot zones (先导区) against their targets.

A cluster is a group of tracks in the city with a target (e.g. cluster revenue ≥ 100 亿 by a
year); a pilot zone is a set of designated parks with targets of its own. Both are data
(``data/clusters.yaml``, or the bureau's file named by ``XINZHI_CLUSTERS_FILE``), read with
the same line-numbered YAML reader as the taxonomies: an unknown track, park list or
indicator fails with file, line and reason.

Progress is the latest year's value over the target; the year the target is reached is
extrapolated at the members' compound growth rate over the last (up to) three years,
computed on the firms known in both years — none when the value is not growing.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection

from ..chains.located import load_located
from ..chains.problems import Problems
from ..store import models
from .service import member_ids
from .taxonomy import Catalogue

FILE_ENV = "XINZHI_CLUSTERS_FILE"
INDICATORS = {
    "revenue": ("营业收入", "revenue", "元"),
    "firms": ("企业数", "firms", "家"),
    "rd_expense": ("研发费用", "R&D expense", "元"),
    "invention_patents": ("发明专利授权", "granted invention patents", "件"),
}
GROWTH_YEARS = 3


@dataclass
class Target:
    indicator: str
    value: Decimal
    year: int


@dataclass
class Cluster:
    id: str
    name: str
    tracks: list[str]
    targets: list[Target]
    parks: list[str] = field(default_factory=list)  # a pilot zone's designated parks
    status: str | None = None
    note: str | None = None
    kind: str = "cluster"  # cluster | pilot_zone


def _read(text: str, file: str, catalogue: Catalogue) -> list[Cluster]:
    located = load_located(text, file)
    problems = Problems()
    root = located.data if isinstance(located.data, dict) else {}
    out: list[Cluster] = []
    for section, kind in (("clusters", "cluster"), ("pilot_zones", "pilot_zone")):
        for i, raw in enumerate(root.get(section) or []):
            path = (section, i)
            where = located.origin(path)
            if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
                problems.add(
                    where,
                    section,
                    None,
                    "每项需有 id 和 name",
                    "each entry needs an id and a name",
                    "missing_field",
                )
                continue
            for track in raw.get("tracks") or []:
                if catalogue.get(track) is None:
                    problems.add(
                        located.origin((*path, "tracks")),
                        "tracks",
                        track,
                        f"“{raw['id']}”引用了不存在的赛道“{track}”",
                        f"'{raw['id']}' refers to a track '{track}' that does not exist",
                        "missing_reference",
                    )
            raw_targets = raw.get("targets") or ([raw["target"]] if raw.get("target") else [])
            targets = []
            for j, t in enumerate(raw_targets):
                tpath = (*path, "targets" if "targets" in raw else "target", j)
                if not isinstance(t, dict) or t.get("indicator") not in INDICATORS:
                    problems.add(
                        located.origin(tpath),
                        "indicator",
                        (t or {}).get("indicator") if isinstance(t, dict) else None,
                        f"指标应为：{'、'.join(INDICATORS)}",
                        f"indicator must be one of {', '.join(INDICATORS)}",
                        "bad_indicator",
                    )
                    continue
                try:
                    targets.append(Target(t["indicator"], Decimal(str(t["value"])), int(t["year"])))
                except (KeyError, ArithmeticError, ValueError, TypeError):
                    problems.add(
                        located.origin(tpath),
                        "target",
                        None,
                        "目标需有数值 value 和年份 year",
                        "a target needs a value and a year",
                        "bad_target",
                    )
            if kind == "pilot_zone" and not raw.get("parks"):
                problems.add(
                    where,
                    "parks",
                    None,
                    "先导区需列出园区",
                    "a pilot zone lists its parks",
                    "missing_field",
                )
            out.append(
                Cluster(
                    id=raw["id"],
                    name=raw["name"],
                    tracks=list(raw.get("tracks") or []),
                    targets=targets,
                    parks=list(raw.get("parks") or []),
                    status=raw.get("status"),
                    note=raw.get("note"),
                    kind=kind,
                )
            )
    problems.raise_if_any()
    return out


def load_clusters(catalogue: Catalogue) -> list[Cluster]:
    path = os.environ.get(FILE_ENV)
    if path:
        return _read(Path(path).read_text(encoding="utf-8"), path, catalogue)
    text = (resources.files("xinzhi.tracks") / "data" / "clusters.yaml").read_text(encoding="utf-8")
    return _read(text, "clusters.yaml", catalogue)


def _values_by_year(conn: Connection, cluster: Cluster, catalogue: Catalogue, scope) -> dict:
    e, y = models.Enterprise, models.EnterpriseYear
    leaves = sorted({leaf for t in cluster.tracks for leaf in catalogue.members(t)})
    ids = member_ids(leaves).subquery()
    where = [e.id.in_(sa.select(ids.c.enterprise_id)), scope]
    if cluster.parks:
        where.append(
            e.park_id.in_(sa.select(models.Park.id).where(models.Park.name.in_(cluster.parks)))
        )
    members = sa.select(e.id).where(*where).cte("cluster_members")
    out: dict[str, dict[int, Decimal]] = {}
    rows = conn.execute(
        sa.select(y.year, sa.func.sum(y.revenue), sa.func.sum(y.rd_expense), sa.func.count(y.id))
        .join(members, members.c.id == y.enterprise_id)
        .group_by(y.year)
    ).all()
    out["revenue"] = {r[0]: Decimal(r[1] or 0) for r in rows}
    out["rd_expense"] = {r[0]: Decimal(r[2] or 0) for r in rows}
    out["firms_with_accounts"] = {r[0]: Decimal(r[3]) for r in rows}
    firms = conn.scalar(sa.select(sa.func.count()).select_from(members)) or 0
    ip = models.IPRight
    patents = conn.execute(
        sa.select(sa.func.extract("year", ip.granted_on), sa.func.count())
        .join(members, members.c.id == ip.enterprise_id)
        .where(ip.kind == "invention_patent", ip.granted_on.is_not(None))
        .group_by(sa.func.extract("year", ip.granted_on))
    ).all()
    cumulative, running = {}, Decimal(0)
    for year, n in sorted((int(a), b) for a, b in patents):
        running += n
        cumulative[year] = running
    out["invention_patents"] = cumulative
    out["firms"] = {max(out["revenue"] or {0: 0}): Decimal(firms)}
    return out


def progress(conn: Connection, cluster: Cluster, catalogue: Catalogue, scope) -> dict:
    """Each target: the latest value, its share of the target, the growth rate, the year reached."""
    values = _values_by_year(conn, cluster, catalogue, scope)
    rows = []
    for target in cluster.targets:
        series = values.get(target.indicator, {})
        if not series:
            rows.append(
                {
                    "indicator": target.indicator,
                    "target": target.value,
                    "year": target.year,
                    "value": None,
                }
            )
            continue
        latest = max(series)
        value = series[latest]
        rate = None
        base_year = max(latest - GROWTH_YEARS, min(series))
        if base_year < latest and series.get(base_year):
            rate = (
                float((value / series[base_year]) ** Decimal(1 / (latest - base_year)) - 1)
                if value > 0
                else None
            )
        reached = None
        if value >= target.value:
            reached = latest
        elif rate and rate > 0 and value > 0:
            reached = latest + math.ceil(math.log(float(target.value / value)) / math.log1p(rate))
        rows.append(
            {
                "indicator": target.indicator,
                "indicator_zh": INDICATORS[target.indicator][0],
                "unit": INDICATORS[target.indicator][2],
                "target": target.value,
                "target_year": target.year,
                "value": value,
                "as_of_year": latest,
                "share": float(value / target.value) if target.value else None,
                "growth_rate": rate,
                "reached_year": reached,
                "on_time": reached is not None and reached <= target.year,
            }
        )
    return {
        "id": cluster.id,
        "name": cluster.name,
        "kind": cluster.kind,
        "tracks": cluster.tracks,
        "parks": cluster.parks,
        "status": cluster.status,
        "note": cluster.note,
        "targets": rows,
    }
