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

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

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


_TO_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


def normalise(text: str) -> str:
    """A dictionary term's key: half-width, lower case."""
    return to_halfwidth(text).lower()


def full_width(term: str) -> str:
    """The term as typed with full-width letters and digits ("６Ｇ" lower-cased: "６ｇ")."""
    return term.translate(_TO_FULL_WIDTH)


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
            if full_width(key) != key:  # texts are only lower-cased, not converted
                self._automaton.add_word(full_width(key), len(self._terms))
            self._terms.append(entry)
        self._automaton.make_automaton()
        self._lengths = [len(term) for term, _w, _e in self._terms]
        self._ipc_subclasses = frozenset(code[:4] for code in self.ipc)

    # --- text ------------------------------------------------------------------------------

    def _hits(self, hits):
        """Per track index: (start, term, weight) of ``hits`` ((start, end, term id), one
        subject's) that survive exclusions and are not inside a longer term of the track."""
        found: dict[int, list[tuple[int, int, str, float]]] = {}
        blocked: dict[int, list[tuple[int, int]]] = {}
        terms = self._terms
        for start, end, term_id in hits:
            term, weights, excludes = terms[term_id]
            for track in excludes:
                blocked.setdefault(track, []).append((start, end))
            for track, weight in weights:
                found.setdefault(track, []).append((start, end, term, weight))
        out: dict[int, list[tuple[int, str, float]]] = {}
        for track, items in found.items():
            spans = blocked.get(track, ())
            several = len({item[2] for item in items}) > 1
            kept: dict[str, tuple[int, str, float]] = {}
            for start, end, term, weight in items:
                if term in kept:
                    continue  # a term counts once: one surviving occurrence is enough
                if spans and any(s <= start and end <= e for s, e in spans):
                    continue
                if several and any(
                    s <= start and end <= e and (e - s) > (end - start) for s, e, _t, _w in items
                ):
                    continue  # inside a longer term of the same track: counted once, there
                kept[term] = (start, term, weight)
            if kept:
                out[track] = list(kept.values())
        return out

    def _text_hits(self, subjects: list[Subject]) -> dict[int, list[tuple[int, int, int]]]:
        """One Aho–Corasick pass over every text of ``subjects``: per subject position, its
        hits (start, end, term id), positions counted from the start of the subject's texts.

        A subject's texts are joined with "\n" (no term holds one), and subjects too, so a
        match never spans two fields or two subjects. Texts are only lower-cased: the
        full-width forms of the terms are in the automaton.
        """
        pieces: list[str] = []
        starts: list[int] = []
        offset = 0
        for subject in subjects:
            text = "\n".join([t or "" for t in subject.texts.values()]).lower()
            pieces.append(text)
            starts.append(offset)
            offset += len(text) + 1
        per_subject: dict[int, list[tuple[int, int, int]]] = {}
        lengths = self._lengths
        for end, term_id in self._automaton.iter("\n".join(pieces)):
            start = end - lengths[term_id] + 1
            k = bisect_right(starts, start) - 1
            base = starts[k]
            per_subject.setdefault(k, []).append((start - base, end - base, term_id))
        return per_subject

    @staticmethod
    @cache
    def _scaled(weight: float, field_name: str) -> float:
        return round(weight * FIELD_FACTORS.get(field_name, 1.0), 3)

    # --- one subject -----------------------------------------------------------------------

    def _evidence(self, subject: Subject, hits) -> dict[int, list]:
        found: dict[int, dict[str, tuple[str, float]]] = {}

        def add(track: int, field_name: str, term: str, weight: float) -> None:
            items = found.setdefault(track, {})
            if weight > items.get(term, ("", 0.0))[1]:
                items[term] = (field_name, weight)

        if hits:
            names, starts, offset = [], [], 0
            for name, text in subject.texts.items():
                names.append(name)
                starts.append(offset)
                offset += len(text or "") + 1
            for track, items in self._hits(hits).items():
                for start, term, weight in items:
                    field_name = names[bisect_right(starts, start) - 1]
                    add(track, field_name, term, self._scaled(weight, field_name))
        if subject.industry_code:
            for track in self.industry.get(subject.industry_code, ()):
                add(track, "industry_code", subject.industry_code, INDUSTRY_WEIGHT)
        if subject.sei_category:
            for track in self.sei.get(subject.sei_category, ()):
                add(track, "sei_category", subject.sei_category, SEI_WEIGHT)
        if subject.ipc:
            subclasses = self._ipc_subclasses
            for symbol in subject.ipc.split(";"):
                if symbol[:4] not in subclasses:
                    continue
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

    def evidence(self, subject: Subject) -> dict[int, list[tuple[str, str, float]]]:
        return self._evidence(subject, self._text_hits([subject]).get(0))

    def classify(self, subject: Subject) -> list[Assignment]:
        return self.classify_many([subject])

    def classify_many(self, subjects: list[Subject]) -> list[Assignment]:
        """Every subject of a chunk; only those with a text hit, an IPC class or a chain node
        can reach the threshold (codes alone cannot), so only they are looked at closely."""
        per_subject = self._text_hits(subjects)
        out = []
        for k, subject in enumerate(subjects):
            hits = per_subject.get(k)
            if hits is None and not subject.ipc and not subject.chain_nodes:
                continue
            for track, items in self._evidence(subject, hits).items():
                confidence = noisy_or(w for _f, _t, w in items)
                if confidence >= self.threshold and items[0][2] >= DECISIVE:
                    out.append(Assignment(subject.id, self.tracks[track], confidence, items))
        return out

    def classify_all(self, subjects: Iterable[Subject], chunk: int = 5000) -> Iterator[Assignment]:
        batch: list[Subject] = []
        for subject in subjects:
            batch.append(subject)
            if len(batch) >= chunk:
                yield from self.classify_many(batch)
                batch = []
        if batch:
            yield from self.classify_many(batch)

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
