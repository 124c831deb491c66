"""One match score from text and features, with declared weights and bilingual reasons.

score = Σ weightᵢ · featureᵢ / Σ weightᵢ, each feature in [0, 1], shown as 0–100:

| feature  | 1                         | partial                                  | 0            |
|----------|---------------------------|------------------------------------------|--------------|
| text     | the document covers the whole query (BM25 over jieba tokens, IDF-weighted share, capped at 1) | share covered | no shared term |
| field    | same technology field     | 0.5 related fields (``fields.RELATED_FIELDS``) | other   |
| chain    | same chain node           | 0.5 same industry chain                  | other / unknown |
| maturity | result's TRL ≥ the TRL the demand needs | 1 − gap/3; 0.5 when the demand states no need | gap ≥ 3 |
| distance | same district             | 0.5 same city; 0.25 when either place is unknown | other city |
| semantic | cosine similarity of a local embedding model (only when one is configured) | | |

A document is a candidate only if something substantive links it to the query — a shared
term, the same or a related field, the same chain (or a semantic similarity) — so every
match has at least one reason beyond neutral defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from .fields import FIELD_ORDER, RELATED_FIELDS
from .index import UNKNOWN, TextIndex

NEUTRAL_MATURITY = 0.5  # the demand states no maturity it needs: neither fit nor misfit
MATURITY_SPAN = 3  # a result this many levels below the need scores 0
SAME_CITY, UNKNOWN_PLACE = 0.5, 0.25
SAME_CHAIN = 0.5
RELATED_FIELD = 0.5
SHOWN_TERMS = 6


@dataclass(frozen=True)
class Weights:
    """The declared weights; ``semantic`` counts only when an embedding model is configured."""

    text: float = 0.55
    field: float = 0.15
    chain: float = 0.15
    maturity: float = 0.10
    distance: float = 0.05
    semantic: float = 0.20

    def describe(self, semantic: bool = False) -> str:
        """ "text 0.55 · field 0.15 · …": the weights in force, for exports."""
        return " · ".join(f"{name} {w:g}" for name, w in self.active(semantic).items())

    def active(self, semantic: bool) -> dict[str, float]:
        weights = asdict(self)
        if not semantic:
            weights.pop("semantic")
        return weights


DEFAULT_WEIGHTS = Weights()


@dataclass
class Query:
    """One side's record as a query against the other side's index."""

    tokens: list[str] | None  # None: segment ``text`` where the query runs (``rank_many``)
    field: int = UNKNOWN  # FIELD_INDEX
    node: int = UNKNOWN
    chain: int = UNKNOWN
    trl: int = 0  # a result's TRL, or the TRL a demand needs; 0 unknown
    district: int = UNKNOWN
    city: str | None = None
    is_demand: bool = True  # a demand queries results; a result queries demands
    embedding: np.ndarray | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # shared_terms, same_field, related_field, same_node, same_chain, maturity, …
    zh: str
    en: str
    points: float  # what this reason adds to the 0–100 score


@dataclass(slots=True)
class Match:
    id: int  # database id of the matched document
    score: float  # 0–100
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class Labels:
    """Names to put in reasons: chain nodes, chains, districts (by id)."""

    nodes: dict[int, str] = field(default_factory=dict)
    chains: dict[int, str] = field(default_factory=dict)
    districts: dict[int, str] = field(default_factory=dict)


def _field_table() -> np.ndarray:
    """Similarity of field i and field j; the extra last row and column stand for unknown
    (index -1), which matches nothing."""
    n = len(FIELD_ORDER)
    table = np.zeros((n + 1, n + 1), dtype=np.float32)
    np.fill_diagonal(table[:n, :n], 1.0)
    for pair in RELATED_FIELDS:
        a, b = (FIELD_ORDER.index(f) for f in pair)
        table[a, b] = table[b, a] = RELATED_FIELD
    return table


FIELD_TABLE = _field_table()


def maturity_fit(result_trl: np.ndarray, needed_trl: np.ndarray) -> np.ndarray:
    """1 when the result is as mature as needed, less per missing level; neutral if unknown."""
    result_trl = np.asarray(result_trl, dtype=np.float32)
    needed_trl = np.asarray(needed_trl, dtype=np.float32)
    gap = np.maximum(needed_trl - result_trl, 0)
    fit = np.clip(1 - gap / MATURITY_SPAN, 0, 1)
    return np.where((needed_trl > 0) & (result_trl > 0), fit, NEUTRAL_MATURITY).astype(np.float32)


# MATURITY_TABLE[needed, result] for TRL 0 (unknown) … 9: one lookup per document.
MATURITY_TABLE = maturity_fit(np.arange(10)[None, :], np.arange(10)[:, None])


@dataclass
class Scored:
    """Every document's score for one query."""

    score: np.ndarray  # 0–1
    bm25: np.ndarray
    reference: float
    weights: dict[str, float]  # the active weights, summing to 1
    token_ids: np.ndarray
    # Whether something substantive links documents ``at`` to the query; asked of the few
    # documents that could be in the top k, so it is not computed for all of them.
    linked: Callable[[np.ndarray | slice], np.ndarray]

    @property
    def candidate(self) -> np.ndarray:
        cached = self.__dict__.get("_candidate")
        if cached is None:
            cached = self.__dict__["_candidate"] = self.linked(slice(None))
        return cached


def features(
    index: TextIndex,
    query: Query,
    bm25: np.ndarray,
    reference: float,
    at: np.ndarray | slice = slice(None),
) -> dict[str, np.ndarray]:
    """Each feature (0–1) of the documents ``at`` (all by default); ``bm25`` is theirs."""
    size = len(index.ids[at])
    text = np.minimum(bm25 / reference, 1.0) if reference > 0 else np.zeros(size, np.float32)
    chain = _chain(index, query, at)
    trl = index.trl[at]
    maturity = (
        MATURITY_TABLE[query.trl][trl] if query.is_demand else MATURITY_TABLE[:, query.trl][trl]
    )
    parts = {
        "text": text,
        "field": FIELD_TABLE[query.field][index.field[at]],
        "chain": chain,
        "maturity": maturity,
        "distance": _distance(index, query, at),
    }
    if index.embeddings is not None and query.embedding is not None:
        parts["semantic"] = np.maximum(np.asarray(index.embeddings[at]) @ query.embedding, 0)
    return parts


def score_all(index: TextIndex, query: Query, weights: Weights = DEFAULT_WEIGHTS) -> Scored:
    """Every document's score, computed the fast way: the features that depend only on a
    document's class (field × TRL × city) come from one small table built for the query,
    looked up once per document; district and chain, which few documents share with the
    query, are added to those few. ``features`` is the plain definition; tests hold the two
    equal."""
    token_ids = index.token_ids(query.tokens)
    reference = index.reference(token_ids)
    bm25 = index.bm25(token_ids)
    semantic = index.embeddings is not None and query.embedding is not None
    active = weights.active(semantic)
    total = sum(active.values())
    shares = {name: w / total for name, w in active.items()}
    field_row = np.roll(FIELD_TABLE[query.field], 1)  # class numbering: 0 is unknown
    maturity_row = MATURITY_TABLE[query.trl] if query.is_demand else MATURITY_TABLE[:, query.trl]
    city_row = np.roll(_by_city(index, query), 1)
    table = (
        (
            shares["field"] * field_row[:, None, None]
            + shares["maturity"] * maturity_row[None, :, None]
            + shares["distance"] * city_row[None, None, :]
        )
        .astype(np.float32)
        .ravel()
    )
    classes = index.classes
    score = table[classes]
    if reference > 0 and shares["text"]:
        score += np.minimum(
            bm25 * np.float32(shares["text"] / reference), np.float32(shares["text"])
        )
    if query.district != UNKNOWN:
        near = index.in_district(query.district)
        score[near] += np.float32(shares["distance"]) * (1 - city_row[index.city[near] + 1])
    chain = similarity = None
    if query.chain != UNKNOWN or query.node != UNKNOWN:
        chain = _chain(index, query, slice(None))
        score += np.float32(shares["chain"]) * chain
    if semantic:
        similarity = np.maximum(np.asarray(index.embeddings) @ query.embedding, 0)
        score += np.float32(shares["semantic"]) * similarity
    field_linked = np.repeat(field_row > 0, len(table) // len(field_row))  # by class

    def linked(at) -> np.ndarray:
        mask = (bm25[at] > 0) | field_linked[classes[at]]
        if chain is not None:
            mask |= chain[at] > 0
        if similarity is not None:
            mask |= similarity[at] > 0.5
        return mask

    return Scored(score, bm25, reference, shares, token_ids, linked)


def _chain(index: TextIndex, query: Query, at) -> np.ndarray:
    chain = np.zeros(len(index.ids[at]), dtype=np.float32)
    if query.chain != UNKNOWN:
        chain[index.chain[at] == query.chain] = SAME_CHAIN
    if query.node != UNKNOWN:
        chain[index.node[at] == query.node] = 1.0
    return chain


def _by_city(index: TextIndex, query: Query) -> np.ndarray:
    """Distance by the document's city number (last entry: unknown city)."""
    by_city = np.zeros(len(index.cities) + 1, dtype=np.float32)
    by_city[-1] = UNKNOWN_PLACE
    if query.city is None:
        by_city[:] = UNKNOWN_PLACE
    elif query.city in index.cities:
        by_city[index.cities.index(query.city)] = SAME_CITY
    return by_city


def _distance(index: TextIndex, query: Query, at) -> np.ndarray:
    """Same district 1, same city ½, either unknown ¼, elsewhere 0."""
    distance = _by_city(index, query)[index.city[at]]
    if query.district != UNKNOWN:
        distance[index.district[at] == query.district] = 1.0
    return distance


def top_positions(scored: Scored, top: int) -> np.ndarray:
    """Positions of the ``top`` best candidates, best first (ties: lower position first).

    A strided sample's ``top``-th best score is a threshold at or below the true one, so the
    best candidates are among the few documents at or above it; only if fewer than ``top``
    candidates clear it is the whole array ordered.
    """
    score, size = scored.score, len(scored.score)
    if top <= 0 or size == 0:
        return np.zeros(0, dtype=np.int64)
    step = max(1, size // (200 * top))
    sample = score[::step]
    shortlist = np.arange(size)
    if len(sample) > top:
        threshold = np.partition(sample, len(sample) - top)[len(sample) - top]
        shortlist = np.flatnonzero(score >= threshold)
    chosen = shortlist[scored.linked(shortlist)]
    if len(chosen) < top and len(shortlist) < size:
        chosen = np.flatnonzero(scored.candidate)  # rare: few candidates at all
    order = np.lexsort((chosen, -score[chosen]))
    return chosen[order[:top]]


def rank(
    index: TextIndex,
    query: Query,
    top: int = 10,
    weights: Weights = DEFAULT_WEIGHTS,
    labels: Labels | None = None,
) -> list[Match]:
    scored = score_all(index, query, weights)
    return explain_many(index, query, scored, top_positions(scored, top), labels)


def explain(
    index: TextIndex, query: Query, scored: Scored, position: int, labels: Labels | None = None
) -> Match:
    """The match at ``position`` with one reason per feature that moved its score."""
    return explain_many(index, query, scored, np.array([position]), labels)[0]


def explain_many(
    index: TextIndex,
    query: Query,
    scored: Scored,
    positions: np.ndarray,
    labels: Labels | None = None,
) -> list[Match]:
    labels = labels or Labels()
    positions = np.asarray(positions, dtype=np.int64)
    parts = features(index, query, scored.bm25[positions], scored.reference, positions)
    shared = index.contributions(scored.token_ids, positions)
    return [
        _match(
            index,
            query,
            scored,
            int(p),
            {n: float(v[i]) for n, v in parts.items()},
            shared[i],
            labels,
        )
        for i, p in enumerate(positions)
    ]


def _match(
    index: TextIndex,
    query: Query,
    scored: Scored,
    position: int,
    parts: dict[str, float],
    shared: list[tuple[int, float]],
    labels: Labels,
) -> Match:
    weights = scored.weights

    def points(name: str) -> float:
        return round(100 * weights[name] * parts[name], 1)

    reasons: list[Reason] = []
    shared = sorted(shared, key=lambda tw: -tw[1])
    if shared:
        vocabulary = index.terms
        words = _shown_terms([vocabulary[token] for token, _ in shared[: 3 * SHOWN_TERMS]])
        more = len(shared) - len(words)
        tail_zh, tail_en = (f"等{len(shared)}个", f" and {more} more") if more > 0 else ("", "")
        reasons.append(
            Reason(
                "shared_terms",
                f"共同技术词：{'、'.join(words)}{tail_zh}",
                f"shared terms: {', '.join(words)}{tail_en}",
                points("text"),
            )
        )
    doc_field = int(index.field[position])
    if parts["field"] >= 1:
        f = FIELD_ORDER[doc_field]
        reasons.append(
            Reason("same_field", f"同属技术领域：{f.zh}", f"same field: {f.en}", points("field"))
        )
    elif parts["field"] > 0:
        a, b = FIELD_ORDER[query.field], FIELD_ORDER[doc_field]
        reasons.append(
            Reason(
                "related_field",
                f"相关技术领域：{a.zh}—{b.zh}",
                f"related fields: {a.en} – {b.en}",
                points("field"),
            )
        )
    if parts["chain"] >= 1:
        name = labels.nodes.get(query.node, f"#{query.node}")
        reasons.append(
            Reason(
                "same_node", f"同一产业链节点：{name}", f"same chain node: {name}", points("chain")
            )
        )
    elif parts["chain"] > 0:
        name = labels.chains.get(query.chain, f"#{query.chain}")
        reasons.append(
            Reason(
                "same_chain", f"同一产业链：{name}", f"same industry chain: {name}", points("chain")
            )
        )
    reasons.append(_maturity_reason(index, query, position, points("maturity")))
    place = _place_reason(parts["distance"], points("distance"), query, labels)
    if place:
        reasons.append(place)
    if "semantic" in parts:
        reasons.append(
            Reason(
                "semantic",
                f"语义相似度 {parts['semantic']:.2f}",
                f"semantic similarity {parts['semantic']:.2f}",
                points("semantic"),
            )
        )
    return Match(int(index.ids[position]), round(100 * float(scored.score[position]), 1), reasons)


def _shown_terms(terms: list[str]) -> list[str]:
    """The strongest terms, leaving out a part when the whole is shown (谐波 in 谐波减速器)."""
    shown: list[str] = []
    for term in terms:
        if not any(term in other for other in terms if other != term):
            shown.append(term)
        if len(shown) == SHOWN_TERMS:
            break
    return shown


def _maturity_reason(index: TextIndex, query: Query, position: int, pts: float) -> Reason:
    doc_trl = int(index.trl[position])
    result_trl, needed = (doc_trl, query.trl) if query.is_demand else (query.trl, doc_trl)
    if not needed:
        return Reason(
            "maturity",
            f"成果成熟度 TRL {result_trl}；需求未说明成熟度要求（中性计分）",
            f"result maturity TRL {result_trl}; the demand states none (scored neutral)",
            pts,
        )
    if result_trl >= needed:
        return Reason(
            "maturity",
            f"成果成熟度 TRL {result_trl}，满足需求的 TRL ≥ {needed}",
            f"result maturity TRL {result_trl} meets the required TRL ≥ {needed}",
            pts,
        )
    return Reason(
        "maturity",
        f"成果成熟度 TRL {result_trl}，低于需求的 TRL {needed}",
        f"result maturity TRL {result_trl} is below the required TRL {needed}",
        pts,
    )


def _place_reason(distance: float, pts: float, query: Query, labels: Labels) -> Reason | None:
    if distance >= 1:
        name = labels.districts.get(query.district, f"#{query.district}")
        return Reason("same_district", f"同在{name}", f"both in {name}", pts)
    if distance == SAME_CITY:
        return Reason("same_city", f"同在{query.city}", f"both in {query.city}", pts)
    if distance == UNKNOWN_PLACE:
        return Reason(
            "place_unknown", "所在地未知（中性计分）", "location unknown (scored neutral)", pts
        )
    return None
