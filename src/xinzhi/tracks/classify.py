"""Classifying subjects (firms, results, demands, platforms) into tracks, with evidence.

Every piece of evidence is (field, term or code, weight): a track name or synonym found in a
text (0.9), a strong term (0.8), a weak one (0.3) — each scaled by how telling the field is
(the firm's name and main products fully, 经营范围 at 0.8 because it lists much boilerplate,
patent titles at 0.6) — the firm's GB/T 4754 industry class (0.3), its 战略性新兴产业 category
(0.1), an IPC class of its patents (0.5, or 0.2 for a broad class), a chain node it is linked
to (0.5). A term found in several fields counts once, in its most telling field. Confidence
is the noisy-OR of the evidence, 1 − Π(1 − wᵢ); a track is assigned when it reaches
``THRESHOLD`` *and* one piece of evidence is decisive (weight ≥ ``DECISIVE``). So a track name
in the products assigns alone, while weak words and codes ("机器人", 伺服电机, C3491) only
add confidence to decisive evidence and never assign on their own.

An exclusion term of a track cancels that track's terms found inside it ("量子点" is not
量子计算; "清洁机器人" is not 人形机器人), and a term found inside a longer term of the same
track counts once (the longer one). Terms are matched exactly (Aho–Corasick over the track
dictionaries, after full-width → half-width and lower-casing): the dictionaries are the
vocabulary, so segmentation adds nothing here, and it keeps a million firms in seconds.

A subject without any text and codes gets no assignment: unknown stays unknown (the runs
count them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick

from ..domain.text import to_halfwidth
from .taxonomy import Catalogue

THRESHOLD = 0.6
DECISIVE = 0.45
TERM_WEIGHTS = {"name": 0.9, "strong": 0.8, "weak": 0.3}
FIELD_FACTORS = {
    "name": 1.0,
    "main_products": 1.0,
    "business_scope": 0.8,
    "patents": 0.6,
    "title": 1.0,
    "text": 1.0,
}
INDUSTRY_WEIGHT = 0.3
SEI_WEIGHT = 0.1
IPC_WEIGHT = 0.5
IPC_WEAK_WEIGHT = 0.2
CHAIN_NODE_WEIGHT = 0.5

FIELD_ZH = {
    "name": "名称",
    "main_products": "主要产品",
    "business_scope": "经营范围",
    "patents": "专利名称",
    "title": "标题",
    "text": "正文",
    "industry_code": "行业代码",
    "sei_category": "战略性新兴产业类别",
    "ipc": "专利IPC分类",
    "chain_node": "产业链节点",
}


@dataclass
class Subject:
    """What is known of one subject; a missing field is None (unknown), never ""."""

    id: int
    texts: dict[str, str | None] = field(default_factory=dict)
    industry_code: str | None = None
    sei_category: str | None = None
    ipc: str | None = None  # ";"-separated compact symbols
    chain_nodes: tuple[str, ...] = ()

    @property
    def has_evidence_data(self) -> bool:
        return bool(
            any(self.texts.values())
            or self.industry_code
            or self.sei_category
            or self.ipc
            or self.chain_nodes
        )


@dataclass(frozen=True)
class Assignment:
    subject_id: int
    track: str
    confidence: float
    evidence: list[tuple[str, str, float]]  # (field, term or code, weight), strongest first


def normalise(text: str) -> str:
    return to_halfwidth(text).lower()


def _ipc_prefixes(symbol: str) -> Iterator[str]:
    """ "C12N15/8213" → C12N, C12N15, C12N15/8, C12N15/82, …: what a track entry may name."""
    yield symbol[:4]
    group, _, sub = symbol.partition("/")
    if len(group) > 4:
        yield group
    for i in range(1, len(sub) + 1):
        yield f"{group}/{sub[:i]}"


class Classifier:
    """The catalogue's classified tracks compiled once; ``classify`` is then per subject."""

    def __init__(self, catalogue: Catalogue, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.tracks = [t.id for t in catalogue.classified]
        index = {tid: i for i, tid in enumerate(self.tracks)}
        # term → [(track index, weight)] and term → [track index] it excludes
        positive: dict[str, dict[int, float]] = {}
        excluding: dict[str, set[int]] = {}
        self.industry: dict[str, list[int]] = {}
        self.sei: dict[str, list[int]] = {}
        self.ipc: dict[str, list[tuple[int, float]]] = {}
        self.nodes: dict[str, list[int]] = {}
        for track in catalogue.classified:
            i = index[track.id]
            for kind, terms in (
                ("name", track.names),
                ("strong", track.strong),
                ("weak", track.weak),
            ):
                for term in terms:
                    key = normalise(term)
                    weights = positive.setdefault(key, {})
                    weights[i] = max(weights.get(i, 0.0), TERM_WEIGHTS[kind])
            for term in track.exclude:
                excluding.setdefault(normalise(term), set()).add(i)
            for code in track.industry_codes:
                self.industry.setdefault(code, []).append(i)
            for code in track.sei_codes:
                self.sei.setdefault(code.split(".")[0], []).append(i)
            for weight, codes in ((IPC_WEIGHT, track.ipc), (IPC_WEAK_WEIGHT, track.ipc_weak)):
                for code in codes:
                    self.ipc.setdefault(code, []).append((i, weight))
            for node in track.chain_nodes:
                self.nodes.setdefault(node, []).append(i)
        self._automaton = ahocorasick.Automaton()
        self._terms: list[tuple[str, tuple[tuple[int, float], ...], frozenset[int]]] = []
        for key in sorted(set(positive) | set(excluding)):
            entry = (
                key,
                tuple(sorted(positive.get(key, {}).items())),
                frozenset(excluding.get(key, ())),
            )
            self._automaton.add_word(key, len(self._terms))
            self._terms.append(entry)
        self._automaton.make_automaton()

    # --- text ------------------------------------------------------------------------------

    def text_hits(self, text: str) -> dict[int, list[tuple[str, float]]]:
        """Per track index: the (term, weight) found in ``text`` that survive exclusions."""
        found: dict[int, list[tuple[int, int, str, float]]] = {}
        blocked: dict[int, list[tuple[int, int]]] = {}
        for end, term_id in self._automaton.iter(normalise(text)):
            term, weights, excludes = self._terms[term_id]
            start = end - len(term) + 1
            for track in excludes:
                blocked.setdefault(track, []).append((start, end))
            for track, weight in weights:
                found.setdefault(track, []).append((start, end, term, weight))
        out: dict[int, list[tuple[str, float]]] = {}
        for track, hits in found.items():
            spans = blocked.get(track, ())
            kept: dict[str, float] = {}
            for start, end, term, weight in hits:
                if any(s <= start and end <= e for s, e in spans):
                    continue
                if any(
                    s <= start and end <= e and (e - s) > (end - start) for s, e, _t, _w in hits
                ):
                    continue  # inside a longer term of the same track: counted once, there
                kept[term] = max(kept.get(term, 0.0), weight)
            if kept:
                out[track] = list(kept.items())
        return out

    # --- one subject -----------------------------------------------------------------------

    def evidence(self, subject: Subject) -> dict[int, list[tuple[str, str, float]]]:
        found: dict[int, dict[tuple[str, str], float]] = {}

        def add(track: int, field_name: str, term: str, weight: float) -> None:
            items = found.setdefault(track, {})
            if weight > items.get(term, ("", 0.0))[1]:
                items[term] = (field_name, weight)

        for field_name, text in subject.texts.items():
            if not text:
                continue
            factor = FIELD_FACTORS.get(field_name, 1.0)
            for track, hits in self.text_hits(text).items():
                for term, weight in hits:
                    add(track, field_name, term, round(weight * factor, 3))
        if subject.industry_code:
            for track in self.industry.get(subject.industry_code, ()):
                add(track, "industry_code", subject.industry_code, INDUSTRY_WEIGHT)
        if subject.sei_category:
            for track in self.sei.get(subject.sei_category, ()):
                add(track, "sei_category", subject.sei_category, SEI_WEIGHT)
        if subject.ipc:
            for symbol in subject.ipc.split(";"):
                for prefix in _ipc_prefixes(symbol):
                    for track, weight in self.ipc.get(prefix, ()):
                        add(track, "ipc", prefix, weight)
        for node in subject.chain_nodes:
            for track in self.nodes.get(node, ()):
                add(track, "chain_node", node, CHAIN_NODE_WEIGHT)
        # one IPC class per track counts once, at its strongest (a firm with 40 B25J patents
        # has one piece of evidence, not forty)
        out = {}
        for track, items in found.items():
            listed = [(f, t, w) for t, (f, w) in items.items() if f != "ipc"]
            ipc = [(f, t, w) for t, (f, w) in items.items() if f == "ipc"]
            if ipc:
                listed.append(max(ipc, key=lambda e: e[2]))
            out[track] = sorted(listed, key=lambda e: -e[2])
        return out

    def classify(self, subject: Subject) -> list[Assignment]:
        out = []
        for track, items in self.evidence(subject).items():
            confidence = noisy_or(w for _f, _t, w in items)
            if confidence >= self.threshold and items[0][2] >= DECISIVE:
                out.append(Assignment(subject.id, self.tracks[track], confidence, items))
        return out

    def classify_all(self, subjects: Iterable[Subject]) -> Iterator[Assignment]:
        for subject in subjects:
            yield from self.classify(subject)

    # --- the baseline the benchmark compares with --------------------------------------------

    def keywords_only(self, subject: Subject) -> set[str]:
        """Naive keyword matching: any name, synonym, strong or weak term anywhere assigns."""
        out: set[str] = set()
        for text in subject.texts.values():
            if not text:
                continue
            for _end, term_id in self._automaton.iter(normalise(text)):
                out.update(self.tracks[t] for t, _w in self._terms[term_id][1])
        return out


def noisy_or(weights: Iterable[float]) -> float:
    missing = 1.0
    for weight in weights:
        missing *= 1.0 - weight
    return round(1.0 - missing, 4)
