"""Measuring match quality on a labelled set: Recall@k and nDCG@k, against a baseline.

The labelled set (tests/data/matching/) is YAML, one file per field: demands, results, and on
each result the demands it answers with a graded label (2 answers it, 1 helps). A result
not labelled for a demand counts as irrelevant to it. The baseline is rank_bm25's BM25Okapi
over single characters, the usual tokenisation when no Chinese segmenter is at hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .fields import FIELD_INDEX, Field
from .index import UNKNOWN, Documents, build_index
from .scoring import Query, Weights, rank
from .segment import Segmenter


@dataclass
class Item:
    id: str
    title: str
    text: str
    field: str  # Field value
    trl: int = 0  # results: TRL; demands: the TRL needed (0 unknown)


@dataclass
class LabelledSet:
    demands: list[Item]
    results: list[Item]
    labels: dict[str, dict[str, int]] = field(default_factory=dict)  # demand → result → grade

    @property
    def pairs(self) -> int:
        return sum(len(r) for r in self.labels.values())


def load_labelled_set(directory: Path) -> LabelledSet:
    import yaml

    data = LabelledSet([], [])
    for path in sorted(Path(directory).glob("*.yaml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        default = Field.parse(content["field"]).value
        for d in content.get("demands") or ():
            data.demands.append(
                Item(
                    d["id"],
                    d["title"],
                    d["text"],
                    Field.parse(d.get("field", default)).value,
                    d.get("min_trl") or 0,
                )
            )
        for r in content.get("results") or ():
            data.results.append(
                Item(
                    r["id"],
                    r["title"],
                    r["text"],
                    Field.parse(r.get("field", default)).value,
                    r.get("trl") or 0,
                )
            )
            for demand, grade in (r.get("labels") or {}).items():
                data.labels.setdefault(demand, {})[r["id"]] = int(grade)
    return data


# --- metrics ------------------------------------------------------------------------------


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain with gains 2^grade − 1."""

    def dcg(grades: Sequence[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    ideal = dcg(sorted(relevant.values(), reverse=True))
    return dcg([relevant.get(doc, 0) for doc in ranked]) / ideal if ideal else 0.0


@dataclass
class Scores:
    name: str
    recall: float
    ndcg: float


Ranker = Callable[[Item], list[str]]


def evaluate(name: str, ranker: Ranker, data: LabelledSet, k: int = 10) -> Scores:
    recalls, ndcgs = [], []
    for demand in data.demands:
        ranked = ranker(demand)
        relevant = data.labels.get(demand.id, {})
        recalls.append(recall_at(ranked, relevant, k))
        ndcgs.append(ndcg_at(ranked, relevant, k))
    return Scores(name, float(np.mean(recalls)), float(np.mean(ndcgs)))


# --- rankers --------------------------------------------------------------------------------


def xinzhi_ranker(
    data: LabelledSet, segmenter: Segmenter, weights: Weights | None = None, k: int = 10
) -> Ranker:
    """Xinzhi's matcher: jieba + domain dictionary, BM25 (bm25s) and the features."""
    documents = Documents.build(
        ids=range(len(data.results)),
        texts=[f"{r.title}\n{r.text}" for r in data.results],
        field=[FIELD_INDEX[r.field] for r in data.results],
        node=[UNKNOWN] * len(data.results),
        chain=[UNKNOWN] * len(data.results),
        trl=[r.trl for r in data.results],
        district=[UNKNOWN] * len(data.results),
        city=[UNKNOWN] * len(data.results),
    )
    index = build_index(documents, segmenter)
    ids = [r.id for r in data.results]

    def ranker(demand: Item) -> list[str]:
        query = Query(
            tokens=segmenter.tokens(f"{demand.title}\n{demand.text}"),
            field=FIELD_INDEX[demand.field],
            trl=demand.trl,
        )
        args = (index, query, k) if weights is None else (index, query, k, weights)
        return [ids[m.id] for m in rank(*args)]

    return ranker


_PUNCTUATION = re.compile(r"[\s\W_]", re.UNICODE)


def characters(text: str) -> list[str]:
    """Character tokenisation: every character that is not space or punctuation."""
    return [c for c in text.lower() if not _PUNCTUATION.fullmatch(c)]


def char_bm25_ranker(data: LabelledSet, k: int = 10) -> Ranker:
    """The baseline: rank_bm25's BM25Okapi over characters of titles and abstracts."""
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([characters(f"{r.title} {r.text}") for r in data.results])
    ids = [r.id for r in data.results]

    def ranker(demand: Item) -> list[str]:
        scores = bm25.get_scores(characters(f"{demand.title} {demand.text}"))
        order = np.argsort(-scores, kind="stable")[:k]
        return [ids[i] for i in order]

    return ranker


TEXT_ONLY = Weights(text=1.0, field=0.0, chain=0.0, maturity=0.0, distance=0.0, semantic=0.0)
