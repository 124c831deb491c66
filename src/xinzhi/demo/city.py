"""Build the demo city: a deterministic synthetic Shenyang calibrated to the published 2023 figures.

``generate_city`` draws everything that does not depend on database ids (archetypes, firms,
accounts, IP portfolio sizes); ``build_demo_city`` writes it, with the parts that need
enterprise ids (IP items, contracts, platforms) drawn while writing. Each part draws from its
own random stream spawned from the seed, so the same seed and size always give the same
rows, whatever the database.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from rich.progress import Progress
from rich.table import Table

from ..rulelang.registry import PERSON_HUNDREDTHS
from ..store import models
from ..store.audit import Action, audit
from .archetypes import REGISTRY_AS_OF, YEARS, Archetypes, HnteGap, assign_archetypes
from .awards import Awards, draw_awards
from .calibration import REFERENCE_ENTERPRISES, CityCounts
from .codes import CreditCodes, IPNumbers
from .contracts import contract_parties, contract_rows
from .enterprises import Firms, make_firms
from .finances import FIELDS, HEADCOUNTS, Accounts, Revenue, draw_accounts, draw_revenue
from .financing import Rounds, draw_rounds
from .incidents import Incidents, draw_incidents
from .innovation import (
    PASS_MARK,
    REVIEW_YEAR,
    Reviews,
    draw_conversions,
    draw_reviews,
    plan_groups,
)
from .ip import Portfolios, ip_rows, plan_portfolios
from .platforms import plan_platforms, platform_rows
from .reference import CityReference, shenyang
from .sampling import day, to_dates, with_nulls
from .standards import Standards, draw_standards
from .targets import target_rows
from .writer import ACTOR, DemoWriter

MIN_ENTERPRISES = 100
FIRM_CHUNK = 25_000
TARGETS_AS_OF = dt.date(2023, 1, 1)
STREAMS = (
    "archetypes",
    "firms",
    "codes",
    "revenue",
    "portfolios",
    "accounts",
    "ip_items",
    "contracts",
    "platforms",
    # issue #3: the assessment inputs (appended: the streams above keep their seeds)
    "innovation",
    "standards",
    "awards",
    "incidents",
    "financing",
    # the rest of the city (completion): matching lists and the challenge board
    "matching",
    "board",
)


@dataclass
class SyntheticCity:
    """Everything drawn before writing; archetypes stay in memory only."""

    seed: int
    counts: CityCounts
    reference: CityReference
    archetypes: Archetypes
    firms: Firms
    revenue: Revenue
    portfolios: Portfolios
    accounts: Accounts
    codes: CreditCodes
    streams: dict[str, np.random.Generator]
    inputs: AssessmentInputs

    @property
    def source(self) -> str:
        return f"demo:seed={self.seed}"


def random_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent PCG64 streams, one per part of the city, all from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {
        name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(STREAMS, children)
    }


def generate_city(seed: int = 2023, enterprises: int = REFERENCE_ENTERPRISES) -> SyntheticCity:
    if enterprises < MIN_ENTERPRISES:
        raise ValueError(f"the demo city needs at least {MIN_ENTERPRISES} enterprises")
    streams = random_streams(seed)
    ref = shenyang()
    counts = CityCounts.at(enterprises)
    arch = assign_archetypes(streams["archetypes"], counts)
    codes = CreditCodes(streams["codes"])
    firms = make_firms(streams["firms"], arch, ref, codes)
    revenue = draw_revenue(streams["revenue"], arch, firms.founded)
    sections = np.array([ref.industries[i].code[0] for i in firms.industry.tolist()])
    portfolios = plan_portfolios(
        streams["portfolios"],
        arch,
        firms.founded,
        sections,
        revenue.level,
        firms.certified_on,
        firms.previous_application,
    )
    groups = plan_groups(streams["innovation"], arch)
    conversions = draw_conversions(streams["innovation"], arch, groups, revenue.share)
    accounts = draw_accounts(
        streams["accounts"], arch, firms.founded, revenue, portfolios.granted_invention, conversions
    )
    inputs = draw_assessment_inputs(streams, arch, firms, ref, accounts, groups)
    return SyntheticCity(
        seed, counts, ref, arch, firms, revenue, portfolios, accounts, codes, streams, inputs
    )


@dataclass
class AssessmentInputs:
    """The lists the assessments read besides the accounts and the IP (issue #3)."""

    groups: np.ndarray  # innovation.Group of each firm
    standards: Standards
    reviews: Reviews
    awards: Awards
    incidents: Incidents
    rounds: Rounds

    def counts(self, arch: Archetypes) -> dict[str, int]:
        """HNTE firms by what the innovation score says, and the firms an incident vetoes."""
        floor, ceiling = self.reviews.floor[arch.hnte], self.reviews.ceiling[arch.hnte]
        passing, possible = floor >= PASS_MARK, ceiling >= PASS_MARK
        return {
            "hnte_innovation_pass": int(passing.sum()),
            "hnte_innovation_undetermined": int((~passing & possible).sum()),
            "hnte_innovation_fail": int((~possible).sum()),
            "hnte_like_vetoed_by_incident": int((arch.hnte_gap == HnteGap.INCIDENT).sum()),
        }


def draw_assessment_inputs(
    streams: dict[str, np.random.Generator],
    arch: Archetypes,
    firms: Firms,
    ref: CityReference,
    accounts: Accounts,
    groups: np.ndarray,
) -> AssessmentInputs:
    standards = draw_standards(
        streams["standards"], arch, firms.founded, firms.industry, firms.hnte_field, ref
    )
    reviews = draw_reviews(
        streams["innovation"],
        groups,
        arch.ip_path,
        standards.bonus,
        accounts.values,
        accounts.exists,
    )
    return AssessmentInputs(
        groups,
        standards,
        reviews,
        draw_awards(streams["awards"], arch, firms.founded),
        draw_incidents(streams["incidents"], arch, firms.founded, firms.previous_application),
        draw_rounds(
            streams["financing"],
            arch.tier,
            firms.founded,
            firms.valuation_fen,
            firms.valuation_on,
        ),
    )


@dataclass(frozen=True)
class DemoSummary:
    """What a build wrote: rows per table, firms per archetype, and a few checks."""

    seed: int
    enterprises: int
    rows: dict[str, int]
    archetypes: dict[str, int]
    hnte_gaps: dict[str, int] = field(default_factory=dict)  # non-HNTE firms by missed condition
    contract_turnover_yuan: Decimal = Decimal(0)
    null_share: float = 0.0  # of enterprise-year values left unknown
    assessment_inputs: dict[str, int] = field(default_factory=dict)  # AssessmentInputs.counts
    seconds: float = 0.0

    def as_dict(self) -> dict:
        out = asdict(self)
        out["contract_turnover_yuan"] = str(self.contract_turnover_yuan)
        return out

    def as_table(self) -> Table:
        table = Table("项目 item", "数量 count", title=f"演示城市 demo city (seed={self.seed})")
        for name, count in self.rows.items():
            table.add_row(f"表 {name}", f"{count:,}")
        for name, count in self.archetypes.items():
            table.add_row(f"企业 {ARCHETYPE_LABELS.get(name, name)}", f"{count:,}")
        for name, count in self.assessment_inputs.items():
            table.add_row(INPUT_LABELS.get(name, name), f"{count:,}")
        table.add_row("技术合同成交额 contract turnover (元)", f"{self.contract_turnover_yuan:,}")
        table.add_row("未知值占比 unknown values", f"{self.null_share:.1%}")
        table.add_row("用时 seconds", f"{self.seconds:.1f}")
        return table


ARCHETYPE_LABELS = {
    "hnte": "高新技术企业 HNTE",
    "tech_sme": "科技型中小企业 tech SME",
    "hnte_and_tech_sme": "其中两者皆是 both",
    "eaglet": "雏鹰 eaglet",
    "gazelle": "瞪羚 gazelle",
    "unicorn": "独角兽 unicorn",
    "ordinary": "其他 other",
}
INPUT_LABELS = {
    "hnte_innovation_pass": "高企创新能力评价最低分≥71 HNTE innovation floor ≥ 71",
    "hnte_innovation_undetermined": "高企创新能力评价待定 HNTE innovation undetermined",
    "hnte_innovation_fail": "高企创新能力评价最高分<71 HNTE innovation ceiling < 71",
    "hnte_like_vetoed_by_incident": "因重大事故不符合高企条件 vetoed by an incident",
}


def build_demo_city(
    engine: sa.Engine,
    *,
    seed: int = 2023,
    enterprises: int = REFERENCE_ENTERPRISES,
    progress: Progress | None = None,
) -> DemoSummary:
    """Generate the demo city and write it to an empty, migrated database in one transaction."""
    started = time.perf_counter()
    city = generate_city(seed, enterprises)
    with engine.begin() as connection:
        writer = DemoWriter(connection, source=city.source, progress=progress)
        district_ids, park_ids = _write_places(writer, city)
        enterprise_ids = _write_enterprises(writer, city, district_ids, park_ids)
        _write_years(writer, city, enterprise_ids)
        _write_ip(writer, city, enterprise_ids)
        turnover = _write_contracts(writer, city, enterprise_ids)
        _write_platforms(writer, city, enterprise_ids, district_ids)
        _write_targets(writer, city)
        _write_assessment_inputs(writer, city, enterprise_ids)
        summary = DemoSummary(
            seed=seed,
            enterprises=enterprises,
            rows=dict(writer.rows),
            archetypes=city.archetypes.counts(),
            hnte_gaps=city.archetypes.gap_counts(),
            contract_turnover_yuan=(Decimal(turnover) / 100).quantize(Decimal("0.01")),
            null_share=city.accounts.null_share,
            assessment_inputs=city.inputs.counts(city.archetypes),
            seconds=time.perf_counter() - started,
        )
        audit(
            connection,
            actor=ACTOR,
            action=Action.DEMO_BUILD,
            subject=city.source,
            detail=summary.as_dict(),
        )
    return summary


# --- the tables ------------------------------------------------------------------------------


def _write_places(writer: DemoWriter, city: SyntheticCity) -> tuple[list[int], list[int]]:
    ref = city.reference
    districts = {
        "code": [d.code for d in ref.districts],
        "name": [d.name for d in ref.districts],
        "city": [ref.city] * len(ref.districts),
        "province": [ref.province] * len(ref.districts),
        "kind": [d.kind for d in ref.districts],
    }
    writer.write(
        models.District.__table__,
        [districts],
        total=len(ref.districts),
        as_of=REGISTRY_AS_OF,
        label="区县 districts",
    )
    by_code = dict(
        writer.connection.execute(sa.select(models.District.code, models.District.id)).all()
    )
    district_ids = [by_code[d.code] for d in ref.districts]
    parks = {
        "name": [p.name for p in ref.parks],
        "district_id": [by_code[p.district_code] for p in ref.parks],
        "level": [p.level for p in ref.parks],
    }
    writer.write(
        models.Park.__table__,
        [parks],
        total=len(ref.parks),
        as_of=REGISTRY_AS_OF,
        label="园区 parks",
    )
    by_name = dict(writer.connection.execute(sa.select(models.Park.name, models.Park.id)).all())
    return district_ids, [by_name[p.name] for p in ref.parks]


def _write_enterprises(
    writer: DemoWriter, city: SyntheticCity, district_ids: list[int], park_ids: list[int]
) -> np.ndarray:
    firms, ref = city.firms, city.reference
    district_id = np.array(district_ids)[firms.district]
    park_id = np.where(firms.park >= 0, np.array(park_ids + [0])[firms.park], -1)
    industry_codes = [i.code for i in ref.industries]

    def chunks():
        for start in range(0, len(firms), FIRM_CHUNK):
            s = slice(start, min(start + FIRM_CHUNK, len(firms)))
            valued = firms.valuation_fen[s] > 0
            certified = firms.certified_on[s] >= 0
            yield {
                "credit_code": firms.credit_code[s],
                "name": firms.name[s],
                "district_id": district_id[s].tolist(),
                "park_id": with_nulls(park_id[s].tolist(), park_id[s] < 0),
                "founded_on": to_dates(firms.founded[s]),
                "industry_code": [industry_codes[i] for i in firms.industry[s].tolist()],
                "sei_category": firms.sei[s],
                "listed": firms.listed[s],
                "valuation": with_nulls(firms.valuation_fen[s].tolist(), ~valued),
                "valuation_on": to_dates(firms.valuation_on[s], missing=~valued),
                "hnte_certificate_no": firms.certificate_no[s],
                "hnte_certified_on": to_dates(firms.certified_on[s], missing=~certified),
                "hnte_field": firms.hnte_field[s],
                "tax_collection": firms.tax_collection[s],
            }

    writer.write(
        models.Enterprise.__table__,
        chunks(),
        total=len(firms),
        as_of=REGISTRY_AS_OF,
        label="企业 enterprises",
    )
    table = models.Enterprise.__table__
    by_code = dict(writer.connection.execute(sa.select(table.c.credit_code, table.c.id)).all())
    return np.array([by_code[code] for code in firms.credit_code], dtype=np.int64)


def _write_years(writer: DemoWriter, city: SyntheticCity, enterprise_ids: np.ndarray) -> None:
    accounts = city.accounts
    year_end = [dt.date(year, 12, 31) for year in YEARS]

    def chunks():
        for start in range(0, len(enterprise_ids), FIRM_CHUNK):
            s = slice(start, min(start + FIRM_CHUNK, len(enterprise_ids)))
            firm, k = np.nonzero(accounts.exists[s])
            columns = {
                "enterprise_id": enterprise_ids[s][firm].tolist(),
                "year": [YEARS[i] for i in k.tolist()],
                "as_of": [year_end[i] for i in k.tolist()],
            }
            for name in FIELDS:
                values = accounts.values[name][s][firm, k]
                if name in HEADCOUNTS:  # persons → the store's hundredths
                    values = values * PERSON_HUNDREDTHS
                values = values.tolist()
                columns[name] = with_nulls(values, accounts.missing[name][s][firm, k])
            yield columns

    writer.write(
        models.EnterpriseYear.__table__,
        chunks(),
        total=accounts.rows,
        as_of=year_end[-1],
        label="企业年度数据 enterprise years",
    )


def _write_ip(writer: DemoWriter, city: SyntheticCity, enterprise_ids: np.ndarray) -> None:
    numbers = IPNumbers(city.streams["ip_items"])
    rows = ip_rows(
        city.streams["ip_items"],
        city.portfolios,
        city.firms.founded,
        enterprise_ids,
        numbers,
        FIRM_CHUNK,
    )
    writer.write(
        models.IPRight.__table__,
        rows,
        total=city.portfolios.total,
        as_of=REGISTRY_AS_OF,
        label="知识产权 IP rights",
    )


def _write_contracts(writer: DemoWriter, city: SyntheticCity, enterprise_ids: np.ndarray) -> int:
    rng, firms = city.streams["contracts"], city.firms
    count, total = city.counts.contracts, city.counts.contract_turnover_fen
    able = firms.founded < day(dt.date(2023, 1, 1))  # sellers with a track record
    weights = able * np.where(city.archetypes.hnte, 4.0, 1.0) * (city.revenue.level / 1e7) ** 0.3
    parties = contract_parties(rng, count, weights, city.reference, city.codes, set(firms.name))
    rows = contract_rows(
        rng,
        count,
        total,
        parties,
        firms.name,
        firms.credit_code,
        enterprise_ids,
        city.reference.city_code,
    )
    writer.write(
        models.TechContract.__table__,
        [rows],
        total=count,
        as_of=REGISTRY_AS_OF,
        label="技术合同 contracts",
    )
    return int(sum(rows["contract_amount"]))


def _write_platforms(
    writer: DemoWriter, city: SyntheticCity, enterprise_ids: np.ndarray, district_ids: list[int]
) -> None:
    rng, firms = city.streams["platforms"], city.firms
    plan = plan_platforms(rng, city.counts)
    able = firms.founded < day(dt.date(2022, 1, 1))  # hosts at least a year old
    weights = able * np.where(city.archetypes.hnte, 3.0, 1.0) * (city.revenue.level / 1e7) ** 0.5
    arch = city.archetypes
    rows = platform_rows(
        rng,
        plan,
        city.reference,
        weights,
        arch.sme | arch.large,
        firms.founded,
        firms.name,
        firms.district,
        enterprise_ids,
        district_ids,
    )
    writer.write(
        models.Platform.__table__,
        [rows],
        total=len(plan.kind),
        as_of=REGISTRY_AS_OF,
        label="创新平台 platforms",
    )


def _write_targets(writer: DemoWriter, city: SyntheticCity) -> None:
    ref = city.reference
    per_district = np.bincount(city.firms.district, minlength=len(ref.districts))
    rows = target_rows([d.name for d in ref.districts], per_district)
    writer.write(
        models.Target.__table__,
        [rows],
        total=len(rows["indicator"]),
        as_of=TARGETS_AS_OF,
        label="目标 targets",
    )


def _write_assessment_inputs(
    writer: DemoWriter, city: SyntheticCity, enterprise_ids: np.ndarray
) -> None:
    """One import batch per list, even an empty one: "no rows" then means "none"."""
    inputs = city.inputs
    s, r, a, i, f = inputs.standards, inputs.reviews, inputs.awards, inputs.incidents, inputs.rounds
    lists = (
        (
            models.Incident,
            "事故与失信 incidents",
            i.firm,
            {"occurred_on": i.occurred_on, "kind": i.kind, "description": i.description},
        ),
        (
            models.Standard,
            "标准 standards",
            s.firm,
            {
                "number": s.number,
                "name": s.name,
                "level": s.level,
                "role": s.role,
                "published_on": s.published_on,
            },
        ),
        (
            models.Award,
            "科技奖励 awards",
            a.firm,
            {"name": a.name, "level": a.level, "rank": a.rank, "year": a.year},
        ),
        (
            models.FinancingRound,
            "融资 financing rounds",
            f.firm,
            {
                "closed_on": f.closed_on,
                "round": f.round,
                "amount": f.amount_fen,
                "investor": f.investor,
                "post_money_valuation": f.post_money_fen,
            },
        ),
        (
            models.InnovationReview,
            "创新能力评分 innovation reviews",
            r.firm,
            {
                "year": [REVIEW_YEAR] * len(r),
                "review_source": r.source,
                "advancement": r.advancement,
                "core_support": r.core_support,
                "rd_management": r.rd_management,
                "reviewed_on": r.reviewed_on,
            },
        ),
    )
    for model, label, firm, columns in lists:
        writer.write(
            model.__table__,
            [{"enterprise_id": enterprise_ids[firm].tolist(), **columns}],
            total=len(firm),
            as_of=REGISTRY_AS_OF,
            label=label,
        )
