"""Matching over the database: results ↔ demands, with persisted indexes kept fresh.

Each side has its own index on disk (``results/`` and ``demands/`` under the index
directory). An index records a fingerprint of the rows it was built from (count, largest id,
latest import time, the chain nodes' chains, the segmenter's dictionary, the embedder); when
the database no longer matches it, it is rebuilt on first use.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..domain.errors import XinzhiError
from ..domain.text import normalise_code
from ..store.db import files_beside
from ..store.models import District, Enterprise
from ..store.models.matching import ResearchResult, TechnicalDemand
from ..store.queries import district_names
from .chainlink import ChainInfo, chain_terms, load_chain_info
from .embedding import Embedder, configured_embedder, normalise_rows
from .fields import FIELD_INDEX
from .index import UNKNOWN, Documents, TextIndex, build_index
from .scoring import DEFAULT_WEIGHTS, Labels, Match, Query, Weights, rank
from .segment import Segmenter, default_segmenter

INDEX_ENV = "XINZHI_MATCH_INDEX"
SIDES = ("results", "demands")


class NotFound(XinzhiError, LookupError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, message=f"{en} / {zh}")


def default_index_dir(engine: Engine) -> Path:
    """``XINZHI_MATCH_INDEX``, else beside the SQLite file, else under ``var/`` (as runs are)."""
    if os.environ.get(INDEX_ENV):
        return Path(os.environ[INDEX_ENV])
    database = Path(engine.url.database or "")
    return files_beside(engine, "match-index", sqlite_name=database.stem + ".match-index")


@dataclass
class Row:
    """One record of either side, as the matcher needs it."""

    id: int
    title: str
    body: str
    field: str
    trl: int | None
    district_id: int | None
    city: str | None
    node_id: int | None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}"


def _result_select():
    r = ResearchResult
    return sa.select(
        r.id,
        r.title,
        r.abstract.label("body"),
        r.field,
        r.trl,
        r.district_id,
        District.city,
        r.chain_node_id.label("node_id"),
    ).outerjoin(District, District.id == r.district_id)


def _demand_select():
    t = TechnicalDemand
    return (
        sa.select(
            t.id,
            t.title,
            t.description.label("body"),
            t.field,
            t.min_trl.label("trl"),
            Enterprise.district_id,
            District.city,
            t.chain_node_id.label("node_id"),
        )
        .join(Enterprise, Enterprise.id == t.enterprise_id)
        .outerjoin(District, District.id == Enterprise.district_id)
    )


_SELECT = {"results": _result_select, "demands": _demand_select}
_TABLE = {"results": ResearchResult, "demands": TechnicalDemand}


def load_rows(conn: Connection, side: str, ids: Iterable[int] | None = None) -> list[Row]:
    select = _SELECT[side]()
    table = _TABLE[side]
    if ids is not None:
        select = select.where(table.id.in_(list(ids)))
    return [Row(**row._mapping) for row in conn.execute(select.order_by(table.id))]


def documents_from_rows(rows: list[Row], chains: ChainInfo) -> Documents:
    cities = sorted({row.city for row in rows if row.city})
    city_number = {city: i for i, city in enumerate(cities)}
    return Documents.build(
        ids=[row.id for row in rows],
        texts=[row.text for row in rows],
        field=[FIELD_INDEX.get(row.field, UNKNOWN) for row in rows],
        node=[row.node_id if row.node_id is not None else UNKNOWN for row in rows],
        chain=[chains.node_chain.get(row.node_id, UNKNOWN) for row in rows],
        trl=[row.trl or 0 for row in rows],
        district=[row.district_id if row.district_id is not None else UNKNOWN for row in rows],
        city=[city_number[row.city] if row.city else UNKNOWN for row in rows],
        cities=cities,
    )


def query_from_row(
    row: Row,
    segmenter: Segmenter,
    chains: ChainInfo,
    *,
    is_demand: bool,
    embedder: Embedder | None = None,
) -> Query:
    embedding = None
    if embedder is not None:
        embedding = normalise_rows(embedder.embed([row.text]))[0]
    return Query(
        tokens=segmenter.tokens(row.text),
        field=FIELD_INDEX.get(row.field, UNKNOWN),
        node=row.node_id if row.node_id is not None else UNKNOWN,
        chain=chains.node_chain.get(row.node_id, UNKNOWN),
        trl=row.trl or 0,
        district=row.district_id if row.district_id is not None else UNKNOWN,
        city=row.city,
        is_demand=is_demand,
        embedding=embedding,
    )


class Matcher:
    """Ranks the other side for one record, or for all of them, with reasons."""

    def __init__(
        self,
        engine: Engine,
        *,
        index_dir: Path | None = None,
        weights: Weights = DEFAULT_WEIGHTS,
        embedder: Embedder | None | str = "configured",
        workers: int = 1,
    ) -> None:
        self.engine = engine
        self.index_dir = Path(index_dir) if index_dir else default_index_dir(engine)
        self.weights = weights
        self.embedder = configured_embedder() if embedder == "configured" else embedder
        self._indexes: dict[str, TextIndex] = {}
        self._segmenter: Segmenter | None = None
        self._chains: ChainInfo | None = None
        self.rebuilt: list[str] = []  # sides rebuilt by this matcher (for the CLI to say so)
        self._lock = threading.RLock()
        self.workers = workers  # processes segmenting when an index is built

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = default_segmenter(chain_terms(self.engine))
        return self._segmenter

    @property
    def chains(self) -> ChainInfo:
        if self._chains is None:
            with self.engine.connect() as conn:
                self._chains = load_chain_info(conn)
        return self._chains

    def labels(self) -> Labels:
        with self.engine.connect() as conn:
            districts = district_names(conn)
        chains = self.chains
        return Labels(
            nodes={i: chains.label(i) or f"#{i}" for i in chains.node_names},
            chains=chains.chain_names,
            districts=districts,
        )

    # --- indexes ---------------------------------------------------------------------------

    def fingerprint(self, side: str) -> str:
        table = _TABLE[side]
        with self.engine.connect() as conn:
            count, largest, latest, total = conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.max(table.id),
                    sa.func.max(table.imported_at),
                    sa.func.sum(table.id),
                )
            ).one()
        embedder = getattr(self.embedder, "name", None)
        chains = hashlib.sha256(self.chains.signature().encode()).hexdigest()[:12]
        return f"{count}|{largest}|{latest}|{total}|{self.segmenter.signature}|{embedder}|{chains}"

    def index(self, side: str, *, rebuild: bool = False) -> TextIndex:
        """The side's index: from memory, from disk, or built now if stale or missing.

        One build at a time per matcher (the web app shares one between its threads)."""
        with self._lock:
            return self._index(side, rebuild)

    def _index(self, side: str, rebuild: bool) -> TextIndex:
        fingerprint = self.fingerprint(side)
        cached = self._indexes.get(side)
        if cached is not None and not rebuild and cached.manifest["fingerprint"] == fingerprint:
            return cached
        directory = self.index_dir / side
        loaded = None if rebuild else TextIndex.load(directory)
        if loaded is None or loaded.manifest.get("fingerprint") != fingerprint:
            with self.engine.connect() as conn:
                rows = load_rows(conn, side)
            documents = documents_from_rows(rows, self.chains)
            loaded = build_index(
                documents,
                self.segmenter,
                fingerprint=fingerprint,
                embedder=self.embedder,
                workers=self.workers,
            )
            loaded.save(directory)
            self.rebuilt.append(side)
        self._indexes[side] = loaded
        return loaded

    # --- queries ---------------------------------------------------------------------------

    def row(self, side: str, key: str | int) -> Row:
        """A result or demand by database id or by its code (成果编号 / 需求编号)."""
        table = _TABLE[side]
        with self.engine.connect() as conn:
            found = None
            if isinstance(key, int) or str(key).isdigit():
                found = conn.scalar(sa.select(table.id).where(table.id == int(key)))
            if found is None:
                code = normalise_code(str(key))  # as imports store codes
                found = conn.scalar(sa.select(table.id).where(table.code == code))
            rows = load_rows(conn, side, [found]) if found is not None else []
        if not rows:
            what_zh, what_en = (
                ("成果", "research result") if side == "results" else ("需求", "demand")
            )
            raise NotFound(
                f"没有编号或 id 为“{key}”的{what_zh}", f"no {what_en} with id or code '{key}'"
            )
        return rows[0]

    def query(self, side: str, row: Row) -> Query:
        return query_from_row(
            row, self.segmenter, self.chains, is_demand=side == "demands", embedder=self.embedder
        )

    def for_demand(self, key: str | int, top: int = 10) -> tuple[Row, list[Match]]:
        """Research results for one demand, best first."""
        demand = self.row("demands", key)
        index = self.index("results")
        return demand, rank(index, self.query("demands", demand), top, self.weights, self.labels())

    def for_result(self, key: str | int, top: int = 10) -> tuple[Row, list[Match]]:
        """Technical demands for one research result, best first."""
        result = self.row("results", key)
        index = self.index("demands")
        return result, rank(index, self.query("results", result), top, self.weights, self.labels())

    def all_for(
        self, side: str, top: int = 10, *, workers: int = 1
    ) -> list[tuple[Row, list[Match]]]:
        """Every record of ``side`` with its best matches on the other side."""
        other = "results" if side == "demands" else "demands"
        index = self.index(other)
        with self.engine.connect() as conn:
            rows = load_rows(conn, side)
        queries = [self.query(side, row) for row in rows]
        ranked = rank_many(index, queries, top, self.weights, self.labels(), workers=workers)
        return list(zip(rows, ranked, strict=True))


# --- many queries, on several cores -------------------------------------------------------

_WORKER: dict = {}


def _rank_chunk(queries: list[Query]) -> list[list[Match]]:
    index, top, weights, labels, segmenter = (
        _WORKER[k] for k in ("index", "top", "weights", "labels", "segmenter")
    )
    ranked = []
    for query in queries:
        if query.tokens is None:
            query.tokens = segmenter.tokens(query.text)
        ranked.append(rank(index, query, top, weights, labels))
    return ranked


def rank_many(
    index: TextIndex,
    queries: list[Query],
    top: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    labels: Labels | None = None,
    *,
    workers: int = 1,
    segmenter: Segmenter | None = None,
) -> list[list[Match]]:
    """``rank`` for each query; with ``workers`` > 1, forked processes share the index.

    A query without tokens is segmented from its ``text`` by ``segmenter`` in the worker.
    """
    _WORKER.update(index=index, top=top, weights=weights, labels=labels, segmenter=segmenter)
    try:
        if workers <= 1 or len(queries) < 2 * workers:
            return _rank_chunk(queries)
        import multiprocessing

        index.prepare()
        size = max(1, len(queries) // (workers * 8))
        chunks = [queries[i : i + size] for i in range(0, len(queries), size)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return [m for chunk in pool.map(_rank_chunk, chunks) for m in chunk]
    finally:
        _WORKER.clear()
