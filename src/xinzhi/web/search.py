"""Finding enterprises among a million: search, filters, sort and keyset pages.

A query is read as what it looks like, and its results are listed in the order of the index
that finds them, so that the first page reads about twenty index entries however many firms
match:

* letters and digits with a digit, 6 or more → the start of a credit code, in code order;
* letters only → the start of the pinyin initials (``syht`` → 沈阳恒拓…), in initials order;
  Latin letters in a name are kept in its initials (ABC科技 → ``abckj``);
* anything else → a substring of the name, through the name-bigram index: the firms holding
  the query's rarest bigram, in name order, each checked with LIKE.

Without a query the list is sorted as asked: by name, credit code or newest. While the index
is being brought up to date (``use_index=False``) names are read with LIKE in name order —
slower on a large registry, never wrong.

Pages are keyset pages (``after`` the last row shown, ``before`` the first), so page 5,000
costs what page 1 costs; counts are capped at ``COUNT_CAP`` ("1,000+").
"""

from __future__ import annotations

import base64
import json
import logging
import math
import re
import threading
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from ..domain.text import normalise_code
from ..store import models
from ..store.models.search import (
    STOP_GRAMS,
    EnterpriseNameGram,
    EnterpriseSearch,
    name_grams,
    normalise_name,
    refresh_enterprise_search,
)
from .auth import BadRequest, Principal
from .scoping import scope_enterprises

log = logging.getLogger(__name__)
Enterprise = models.Enterprise
COUNT_CAP = 1000
RAREST_COUNT_CAP = 20_001  # counting a bigram's firms stops here: enough to pick the rarest
CODE_LIKE = re.compile(r"^[0-9A-Z]{6,18}$")
INITIALS_LIKE = re.compile(r"^[a-z]{2,}$")
SORTS = {
    # key: (columns, descending) — only indexed columns, so that every page is an index range
    "name": ((Enterprise.name, Enterprise.id), False),
    "code": ((Enterprise.credit_code,), False),
    "newest": ((Enterprise.id,), True),
}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix_range(column, prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as an index range (LIKE 'x%' is not, in SQLite)."""
    return sa.and_(column >= prefix, column < prefix + "\U0010ffff")


def is_code_query(query: str) -> bool:
    code = normalise_code(query.strip())
    return bool(CODE_LIKE.match(code)) and any(ch.isdigit() for ch in code)


def _rarest_gram(conn: Connection, text: str) -> str | None:
    """The query's bigram held by the fewest enterprises (None for a query without one)."""
    best, best_count = None, RAREST_COUNT_CAP + 1
    for gram in sorted(name_grams(text) - STOP_GRAMS):
        count = conn.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(sa.literal(1))
                .where(EnterpriseNameGram.gram == gram)
                .limit(best_count)
                .subquery()
            )
        )
        if best is None or count < best_count:  # a gram past the cap is still a candidate
            best, best_count = gram, count
        if count == 0:
            break
    return best


@dataclass(frozen=True)
class Filters:
    q: str = ""
    district_id: int | None = None
    industry: str | None = None  # a GB/T 4754 section letter (C) or code prefix (C38)
    tier_ids: Select | None = None  # a select of enterprise ids in a tier (rules results)
    sort: str = "name"
    use_index: bool = True  # False while the search index is not known to be complete


@dataclass
class Plan:
    """Where the rows come from, what selects them, and the index order they are listed in."""

    source: object
    sort_columns: tuple
    descending: bool = False
    where: list = field(default_factory=list)


def plan_query(conn: Connection, filters: Filters) -> Plan:
    text = filters.q.strip()
    if not text:
        columns, descending = SORTS.get(filters.sort, SORTS["name"])
        return Plan(Enterprise, columns, descending)
    if is_code_query(text):
        code_plan = Plan(Enterprise, (Enterprise.credit_code,))
        code_plan.where.append(_prefix_range(Enterprise.credit_code, normalise_code(text)))
        return code_plan
    lowered = normalise_name(text).replace(" ", "")
    if filters.use_index and INITIALS_LIKE.match(lowered):
        S = EnterpriseSearch
        plan = Plan(
            sa.join(S, Enterprise, Enterprise.id == S.enterprise_id), (S.initials, S.enterprise_id)
        )
        plan.where.append(_prefix_range(S.initials, lowered))
        return plan
    # the name as typed, case-insensitively (SQLite's LIKE already is; PostgreSQL's is not)
    like = Enterprise.name.ilike(f"%{_like_escape(text)}%", escape="\\")
    rarest = _rarest_gram(conn, normalise_name(text)) if filters.use_index else None
    if rarest is None:  # one character, only stop bigrams, or no index yet: a scan by name
        return Plan(Enterprise, SORTS["name"][0], where=[like])
    G = EnterpriseNameGram
    plan = Plan(sa.join(G, Enterprise, Enterprise.id == G.enterprise_id), (G.name, G.enterprise_id))
    plan.where += [G.gram == rarest, like]
    return plan


def _filtered(plan: Plan, principal: Principal, filters: Filters, columns) -> Select:
    stmt = scope_enterprises(sa.select(*columns).select_from(plan.source), principal)
    stmt = stmt.where(*plan.where)
    if filters.district_id is not None:
        stmt = stmt.where(Enterprise.district_id == filters.district_id)
    if filters.industry:
        stmt = stmt.where(_prefix_range(Enterprise.industry_code, filters.industry.upper()))
    if filters.tier_ids is not None:
        stmt = stmt.where(Enterprise.id.in_(filters.tier_ids))
    return stmt


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode()


INT64 = 2**63 - 1
CURSOR_MAX_CHARS = 2000


def _cursor_value(value) -> bool:
    """A value a cursor may carry: what ``encode_cursor`` writes, within the database's range."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, float):
        return math.isfinite(value)  # json.loads accepts NaN and Infinity
    if isinstance(value, int):
        return -INT64 <= value <= INT64
    return isinstance(value, str) and len(value) <= 500


def decode_cursor(cursor: str | None) -> list | None:
    """The sort values of a keyset cursor; a cursor that is not one of ours is a 400."""
    if not cursor:
        return None
    try:
        if len(cursor) > CURSOR_MAX_CHARS:
            raise ValueError
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeError):
        values = None
    if not isinstance(values, list) or not all(_cursor_value(v) for v in values):
        raise BadRequest(
            "翻页参数无效，请从第一页重新开始", "invalid page cursor; start again from page 1"
        )
    return values


def _after(columns, values: list, descending: bool) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``columns`` (a row-value comparison)."""
    if descending:
        return sa.tuple_(*columns) < sa.tuple_(*values)
    return sa.tuple_(*columns) > sa.tuple_(*values)


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None
    total: int | None  # capped at COUNT_CAP + 1 ("1,000+")


LIST_COLUMNS = (
    Enterprise.id,
    Enterprise.name,
    Enterprise.credit_code,
    Enterprise.district_id,
    models.District.name.label("district"),
    Enterprise.industry_code,
    Enterprise.founded_on,
    Enterprise.hnte_certificate_no,
    Enterprise.as_of,
)


def list_enterprises(
    engine: Engine,
    principal: Principal,
    filters: Filters,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = 20,
    count: bool = True,
) -> Page:
    with engine.connect() as conn:
        plan = plan_query(conn, filters)
        columns, descending = plan.sort_columns, plan.descending
        keys = [c.label(f"sort_{i}") for i, c in enumerate(columns)]
        stmt = _filtered(plan, principal, filters, (*LIST_COLUMNS, *keys)).join(
            models.District, models.District.id == Enterprise.district_id
        )
        backwards = False
        if (values := decode_cursor(before)) and len(values) == len(columns):
            stmt = stmt.where(_after(columns, values, not descending))
            backwards = True
        elif (values := decode_cursor(after)) and len(values) == len(columns):
            stmt = stmt.where(_after(columns, values, descending))
        reverse = descending != backwards
        rows = conn.execute(
            stmt.order_by(*[c.desc() if reverse else c.asc() for c in columns]).limit(size + 1)
        ).all()
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        total = None
        if count:
            capped = _filtered(plan, principal, filters, (Enterprise.id,)).limit(COUNT_CAP + 1)
            total = conn.scalar(sa.select(sa.func.count()).select_from(capped.subquery()))

    def cursor_of(row) -> str:
        return encode_cursor([_jsonable(getattr(row, f"sort_{i}")) for i in range(len(columns))])

    has_next = more if not backwards else True
    has_prev = (more if backwards else bool(after)) and bool(rows)
    return Page(
        rows=rows,
        next_cursor=cursor_of(rows[-1]) if rows and has_next else None,
        prev_cursor=cursor_of(rows[0]) if rows and has_prev else None,
        total=total,
    )


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- keeping the index in step ------------------------------------------------------------------

REFRESH_SPAN = 50_000


class IndexState:
    """Whether the search index is known to cover every enterprise at the current data version.

    Imports keep the index in step within their transaction, but other writers (the demo
    city, a restored backup, a database older than the index) do not: the index is used only
    once a pass over the registry at this data version found nothing to add. Until then
    searches read names with LIKE, and one background thread brings the index up to date.
    """

    def __init__(self) -> None:
        self.verified_version: tuple | None = None
        self._running = threading.Lock()

    def ready(self, engine: Engine, version: tuple) -> bool:
        if version == self.verified_version:
            return True
        if self._running.acquire(blocking=False):
            threading.Thread(
                target=self._verify, args=(engine,), daemon=True, name="xinzhi-search-index"
            ).start()
        return False

    def verify_now(self, engine: Engine) -> int:
        """Bring the index up to date in this thread; return how many enterprises it indexed."""
        from ..metrics.cache import data_version

        version = data_version(engine)
        done = refresh_index_in_chunks(engine)
        # the refresh wrote no audit entry, so the version it verified is still current
        self.verified_version = version
        return done

    def _verify(self, engine: Engine) -> None:
        try:
            self.verify_now(engine)
        except Exception:
            log.exception("refreshing the search index failed")
        finally:
            self._running.release()


def refresh_index_in_chunks(engine: Engine) -> int:
    """Index every new or renamed enterprise, one id range per transaction.

    Short transactions let imports and logins write in between (SQLite has one writer).
    """
    with engine.connect() as conn:
        low, high = conn.execute(
            sa.select(sa.func.min(Enterprise.id), sa.func.max(Enterprise.id))
        ).one()
    if low is None:
        return 0
    done = 0
    for start in range(low, high + 1, REFRESH_SPAN):
        with engine.begin() as conn:
            done += refresh_enterprise_search(conn, id_range=(start, start + REFRESH_SPAN - 1))
    return done
