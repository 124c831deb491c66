"""Tracks over the database: classification runs, confirmations, and who belongs to a track.

``classify`` reads every firm (name, 经营范围, 主要产品, industry and SEI codes, patent titles
and IPC classes, chain-node links), research results, technical demands and platforms, assigns
tracks with their evidence, and records the run; assignments of the previous run are replaced
in the same transaction. Confirmations and rejections (``label``) are kept apart and win:
a firm belongs to a track if an analyst confirmed it, or if it was inferred and nobody
rejected it. Every label is in the audit log, in the transaction that writes it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..domain.enums import IPKind
from ..domain.errors import XinzhiError
from ..store import models
from ..store.audit import Action, audit
from ..store.models.chains import Chain, ChainEnterpriseLink, ChainNode
from ..store.models.matching import ResearchResult, TechnicalDemand
from ..store.models.tracks import TrackAssignment, TrackLabel, TrackRun
from .classify import Classifier, Subject
from .taxonomy import Catalogue, load_catalogue

KINDS = ("enterprise", "result", "demand", "platform")
KIND_ZH = {"enterprise": "企业", "result": "科研成果", "demand": "技术需求", "platform": "创新平台"}
CONFIRMED, REJECTED = "confirmed", "rejected"
VERDICT_ZH = {CONFIRMED: "确认", REJECTED: "否定"}
CHUNK = 20_000
PATENT_KINDS = tuple(k.value for k in IPKind if k.is_patent)


class TrackError(XinzhiError, ValueError):
    """A request about tracks that cannot be done, in Chinese and English."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        super().__init__(zh, en)


# --- reading subjects ---------------------------------------------------------------------


def _node_keys(conn: Connection) -> dict[int, list[str]]:
    """enterprise id → the "chain/node" keys it is linked to in the current chain maps."""
    rows = conn.execute(
        sa.select(ChainEnterpriseLink.enterprise_id, Chain.key, ChainNode.key)
        .join(ChainNode, ChainNode.id == ChainEnterpriseLink.node_id)
        .join(Chain, Chain.id == ChainNode.chain_id)
        .where(ChainEnterpriseLink.enterprise_id.is_not(None))
    )
    out: dict[int, list[str]] = {}
    for enterprise_id, chain, node in rows:
        out.setdefault(enterprise_id, []).append(f"{chain}/{node}")
    return out


def _node_key_by_id(conn: Connection) -> dict[int, str]:
    rows = conn.execute(sa.select(ChainNode.id, Chain.key, ChainNode.key).join(Chain))
    return {node_id: f"{chain}/{node}" for node_id, chain, node in rows}


def enterprise_subjects(
    conn: Connection, ids: list[int] | None = None, id_range: tuple[int, int] | None = None
) -> Iterator[Subject]:
    """Every firm (or ``ids``) with its texts, codes, patents and chain nodes, in id order.

    Firms and their patents are read as two ordered streams and merged here: a GROUP BY of
    the patents per firm costs about twice as much on SQLite.
    """
    e, ip = models.Enterprise, models.IPRight
    firms = sa.select(
        e.id, e.name, e.business_scope, e.main_products, e.industry_code, e.sei_category
    ).order_by(e.id)
    patents = (
        sa.select(ip.enterprise_id, ip.title, ip.ipc)
        .where(ip.kind.in_(PATENT_KINDS))
        .order_by(ip.enterprise_id)
    )
    if ids is not None:
        firms = firms.where(e.id.in_(ids))
        patents = patents.where(ip.enterprise_id.in_(ids))
    if id_range is not None:
        firms = firms.where(e.id.between(*id_range))
        patents = patents.where(ip.enterprise_id.between(*id_range))
    nodes = _node_keys(conn)
    # per statement: Connection.execution_options would stream every later statement too
    patent_rows = iter(conn.execute(patents.execution_options(yield_per=CHUNK)))
    pending = next(patent_rows, None)
    for eid, name, scope, products, industry, sei in conn.execute(
        firms.execution_options(yield_per=CHUNK)
    ):
        while pending is not None and pending[0] < eid:
            pending = next(patent_rows, None)  # patents of a firm outside ``ids``
        titles, classes = [], []
        while pending is not None and pending[0] == eid:
            if pending[1]:
                titles.append(pending[1])
            if pending[2]:
                classes.append(pending[2])
            pending = next(patent_rows, None)
        yield Subject(
            eid,
            {
                "name": name,
                "business_scope": scope,
                "main_products": products,
                "patents": "。".join(titles) or None,
            },
            industry_code=industry,
            sei_category=sei,
            ipc=";".join(classes) or None,
            chain_nodes=tuple(nodes.get(eid, ())),
        )


def _text_subjects(conn: Connection, kind: str) -> Iterator[Subject]:
    nodes = _node_key_by_id(conn) if kind in ("result", "demand") else {}
    if kind == "result":
        stmt = sa.select(
            ResearchResult.id,
            ResearchResult.title,
            ResearchResult.abstract,
            ResearchResult.chain_node_id,
        )
    elif kind == "demand":
        stmt = sa.select(
            TechnicalDemand.id,
            TechnicalDemand.title,
            TechnicalDemand.description,
            TechnicalDemand.chain_node_id,
        )
    else:
        p = models.Platform
        stmt = sa.select(p.id, p.name, sa.null(), sa.null())
    for row_id, title, text, node_id in conn.execute(stmt):
        node = nodes.get(node_id)
        yield Subject(row_id, {"title": title, "text": text}, chain_nodes=(node,) if node else ())


def subjects(conn: Connection, kind: str) -> Iterator[Subject]:
    return enterprise_subjects(conn) if kind == "enterprise" else _text_subjects(conn, kind)


# --- classifying in chunks, here or in worker processes ---------------------------------------

PARALLEL_FROM = 100_000
RANGE = 50_000  # firm ids per worker task


def _chunks(stream: Iterator[Subject], classifier: Classifier):
    """(subjects seen, of which without data, assignments) per chunk of ``CHUNK`` subjects."""
    batch: list[Subject] = []
    without = 0
    for subject in stream:
        if subject.has_evidence_data:
            batch.append(subject)
        else:
            without += 1
        if len(batch) + without >= CHUNK:
            yield len(batch) + without, without, classifier.classify_many(batch)
            batch, without = [], 0
    if batch or without:
        yield len(batch) + without, without, classifier.classify_many(batch)


def _parallel_ok(engine: Engine, conn: Connection) -> bool:
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and (not database or database == ":memory:"):
        return False
    return (
        conn.scalar(sa.select(sa.func.count()).select_from(models.Enterprise)) or 0
    ) > PARALLEL_FROM


_WORKER: dict = {}


def _worker_start(url: str, files: list[tuple[str, str]], as_of: dt.date) -> None:
    from ..store.db import make_engine
    from .taxonomy import build_catalogue

    _WORKER["engine"] = make_engine(url)
    _WORKER["classifier"] = Classifier(build_catalogue(files, as_of))


def _worker_range(bounds: tuple[int, int]):
    lo, hi = bounds
    engine, classifier = _WORKER["engine"], _WORKER["classifier"]
    seen = without = 0
    found: list = []
    with engine.connect() as conn:
        for n, without_n, assigned in _chunks(_range_subjects(conn, lo, hi), classifier):
            seen += n
            without += without_n
            found.extend(assigned)
    return seen, without, found


def _range_subjects(conn: Connection, lo: int, hi: int) -> Iterator[Subject]:
    return enterprise_subjects(conn, id_range=(lo, hi))


def _parallel_chunks(engine: Engine, catalogue: Catalogue, workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with engine.connect() as conn:
        low, high = conn.execute(
            sa.select(sa.func.min(models.Enterprise.id), sa.func.max(models.Enterprise.id))
        ).one()
    ranges = [(lo, min(lo + RANGE - 1, high)) for lo in range(low, high + 1, RANGE)]
    url = engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(url, catalogue.files, catalogue.as_of),
    ) as pool:
        yield from pool.map(_worker_range, ranges)


# --- a run ------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    run_id: int
    seconds: float
    per_kind: dict[str, dict[str, int]]
    per_track: dict[str, int]


def classify(
    engine: Engine,
    *,
    actor: str,
    kinds: tuple[str, ...] = KINDS,
    catalogue: Catalogue | None = None,
    as_of: dt.date | None = None,
    workers: int = 2,
) -> RunSummary:
    """Classify every subject of ``kinds``; replaces the previous assignments; recorded.

    Firms are classified by ``workers`` processes, each reading its own id ranges, when there
    are more than ``PARALLEL_FROM`` of them (the parent writes; SQLite in WAL mode lets the
    workers read meanwhile)."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise TrackError(
            "unknown_kind",
            f"未知的分类对象：{', '.join(sorted(unknown))}；可选 {', '.join(KINDS)}",
            f"unknown subject kinds {sorted(unknown)}; choose from {KINDS}",
        )
    started = time.perf_counter()
    catalogue = catalogue or load_catalogue(as_of)
    classifier = Classifier(catalogue)
    per_kind: dict[str, dict[str, int]] = {}
    per_track: dict[str, int] = {}
    with engine.begin() as conn:
        run_id = conn.execute(
            sa.insert(TrackRun).values(
                catalogue_sha256=catalogue.sha256,
                taxonomies=[t.key for t in catalogue.taxonomies],
                as_of=catalogue.as_of,
                actor=actor,
                started_at=models.utcnow(),
                summary={},
            )
        ).inserted_primary_key[0]
        conn.execute(sa.delete(TrackAssignment).where(TrackAssignment.subject_kind.in_(kinds)))
        insert = sa.insert(TrackAssignment)
        for kind in kinds:
            counts = {"subjects": 0, "without_data": 0, "assigned_subjects": 0, "assignments": 0}
            parallel = kind == "enterprise" and workers > 1 and _parallel_ok(engine, conn)
            chunks = (
                _parallel_chunks(engine, catalogue, workers)
                if parallel
                else _chunks(subjects(conn, kind), classifier)
            )
            for seen, without_data, found in chunks:
                counts["subjects"] += seen
                counts["without_data"] += without_data
                counts["assigned_subjects"] += len({a.subject_id for a in found})
                for a in found:
                    per_track[a.track] = per_track.get(a.track, 0) + (kind == "enterprise")
                if found:
                    conn.execute(
                        insert,
                        [
                            {
                                "run_id": run_id,
                                "subject_kind": kind,
                                "subject_id": a.subject_id,
                                "track": a.track,
                                "confidence": a.confidence,
                                "evidence": [list(e) for e in a.evidence],
                            }
                            for a in found
                        ],
                    )
                    counts["assignments"] += len(found)
            per_kind[kind] = counts
        summary = {"kinds": per_kind, "enterprises_per_track": per_track}
        conn.execute(
            sa.update(TrackRun)
            .where(TrackRun.id == run_id)
            .values(finished_at=models.utcnow(), summary=summary)
        )
        audit(
            conn,
            actor=actor,
            action=Action.TRACKS_CLASSIFY,
            subject=f"track_run:{run_id}",
            detail={"kinds": list(kinds), "catalogue": catalogue.sha256[:16], **per_kind},
        )
    return RunSummary(run_id, time.perf_counter() - started, per_kind, per_track)


# --- confirmations ----------------------------------------------------------------------------


def label(
    engine: Engine,
    *,
    credit_code_or_id: str | int,
    track: str,
    verdict: str,
    actor: str,
    reason: str | None = None,
    catalogue: Catalogue | None = None,
) -> dict:
    """Confirm or reject one firm's track (replacing an earlier label); audited.

    Refused for an unknown firm, an unknown track, or a group track (label one of its tracks).
    """
    if verdict not in (CONFIRMED, REJECTED):
        raise TrackError(
            "bad_verdict", "结论应为确认或否定", "verdict must be confirmed or rejected"
        )
    catalogue = catalogue or load_catalogue()
    found = catalogue.get(track)
    if found is None:
        raise TrackError(
            "unknown_track",
            f"没有赛道“{track}”；可用 `xinzhi track list` 查看",
            f"no track '{track}'; see `xinzhi track list`",
        )
    if not found.classified:
        leaves = "、".join(catalogue.members(track)) or "—"
        raise TrackError(
            "group_track",
            f"“{found.name}”是赛道组，请对其中的赛道逐一确认：{leaves}",
            f"'{track}' groups other tracks; label one of them: {leaves}",
        )
    e = models.Enterprise
    with engine.begin() as conn:
        key = str(credit_code_or_id).strip()
        where = (
            e.id == int(key) if key.isdigit() and len(key) < 18 else e.credit_code == key.upper()
        )
        firm = conn.execute(sa.select(e.id, e.name, e.credit_code).where(where)).first()
        if firm is None:
            raise TrackError(
                "unknown_enterprise",
                f"没有企业“{key}”（统一社会信用代码或编号）",
                f"no enterprise '{key}' (credit code or id)",
            )
        before = conn.execute(
            sa.select(TrackLabel.verdict).where(
                TrackLabel.enterprise_id == firm.id, TrackLabel.track == track
            )
        ).scalar()
        inferred = conn.execute(
            sa.select(TrackAssignment.confidence).where(
                TrackAssignment.subject_kind == "enterprise",
                TrackAssignment.subject_id == firm.id,
                TrackAssignment.track == track,
            )
        ).scalar()
        conn.execute(
            sa.delete(TrackLabel).where(
                TrackLabel.enterprise_id == firm.id, TrackLabel.track == track
            )
        )
        conn.execute(
            sa.insert(TrackLabel).values(
                enterprise_id=firm.id,
                track=track,
                verdict=verdict,
                reason=reason,
                actor=actor,
                at=models.utcnow(),
            )
        )
        detail = {
            "enterprise": firm.credit_code,
            "name": firm.name,
            "track": track,
            "verdict": verdict,
            "before": before,
            "inferred_confidence": inferred,
            "reason": reason,
        }
        audit(
            conn,
            actor=actor,
            action=Action.TRACKS_CONFIRM if verdict == CONFIRMED else Action.TRACKS_REJECT,
            subject=f"enterprise:{firm.id}",
            detail=detail,
        )
    return detail


# --- membership -------------------------------------------------------------------------------


def member_ids(leaves: list[str]) -> sa.Select:
    """Enterprise ids in any of the classified tracks ``leaves``: confirmed, or inferred and
    not rejected (a rejection of one track does not remove the firm from another)."""
    a, lab = TrackAssignment, TrackLabel
    rejected = (
        sa.select(lab.id)
        .where(lab.enterprise_id == a.subject_id, lab.track == a.track, lab.verdict == REJECTED)
        .exists()
    )
    inferred = sa.select(a.subject_id.label("enterprise_id")).where(
        a.subject_kind == "enterprise", a.track.in_(leaves), ~rejected
    )
    confirmed = sa.select(lab.enterprise_id).where(lab.track.in_(leaves), lab.verdict == CONFIRMED)
    return sa.union(inferred, confirmed)


def firm_tracks(conn: Connection, enterprise_id: int) -> list[dict]:
    """One firm's tracks with evidence, confidence and label (for its profile and the CLI)."""
    a, lab = TrackAssignment, TrackLabel
    out: dict[str, dict] = {}
    for track, confidence, evidence in conn.execute(
        sa.select(a.track, a.confidence, a.evidence).where(
            a.subject_kind == "enterprise", a.subject_id == enterprise_id
        )
    ):
        out[track] = {"track": track, "confidence": confidence, "evidence": evidence, "label": None}
    for track, verdict, actor, at, reason in conn.execute(
        sa.select(lab.track, lab.verdict, lab.actor, lab.at, lab.reason).where(
            lab.enterprise_id == enterprise_id
        )
    ):
        entry = out.setdefault(
            track, {"track": track, "confidence": None, "evidence": [], "label": None}
        )
        entry["label"] = {"verdict": verdict, "actor": actor, "at": at, "reason": reason}
    for entry in out.values():
        label_ = entry["label"]
        entry["member"] = (label_ or {}).get("verdict") != REJECTED and (
            entry["confidence"] is not None or (label_ or {}).get("verdict") == CONFIRMED
        )
    return sorted(out.values(), key=lambda x: (not x["member"], -(x["confidence"] or 1)))


def latest_run(conn: Connection) -> dict | None:
    row = conn.execute(sa.select(TrackRun).order_by(TrackRun.id.desc()).limit(1)).first()
    return None if row is None else dict(row._mapping)
