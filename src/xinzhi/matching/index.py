"""A persisted BM25 index over one side of the matching (results or demands), with the
per-document features the score combines.

Built once with bm25s (IDF, term-frequency saturation and length normalisation, "lucene"
variant), stored as plain ``.npy`` arrays that load memory-mapped, queried many times: a
query's BM25 scores are one ``bincount`` over the postings of its tokens, and the features
(field, chain node, maturity, place) are columns compared in one vectorised step.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .fields import FIELD_ORDER
from .segment import Segmenter

FORMAT_VERSION = 1
UNKNOWN = -1  # feature value of a document whose field, node, place … is not known
K1, B = 1.5, 0.75  # bm25s defaults


@contextmanager
def _locked(directory: Path, *, exclusive: bool) -> Iterator[None]:
    """An advisory lock on the index folder (``fcntl.flock`` on a file beside it): readers
    share it, a writer swapping the build in holds it alone. flock locks belong to the open
    file, so it serialises threads of one process as well as processes."""
    import fcntl

    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.with_name(f".{directory.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Documents:
    """What an index is built from: one row per document, features as parallel columns."""

    ids: np.ndarray  # database ids, int64
    texts: list[str]
    field: np.ndarray  # FIELD_INDEX of the document's field, or UNKNOWN (int16)
    node: np.ndarray  # chain node id or UNKNOWN (int32)
    chain: np.ndarray  # chain id or UNKNOWN (int32)
    trl: np.ndarray  # results: their TRL; demands: the TRL they need; 0 unknown (int8)
    district: np.ndarray  # district id or UNKNOWN (int32)
    city: np.ndarray  # city number (see ``cities``) or UNKNOWN (int32)
    cities: list[str] = field(default_factory=list)  # city number → name

    @classmethod
    def build(cls, ids, texts, field, node, chain, trl, district, city, cities=()) -> Documents:
        return cls(
            ids=np.asarray(ids, dtype=np.int64),
            texts=list(texts),
            field=np.asarray(field, dtype=np.int16),
            node=np.asarray(node, dtype=np.int32),
            chain=np.asarray(chain, dtype=np.int32),
            trl=np.asarray(trl, dtype=np.int8),
            district=np.asarray(district, dtype=np.int32),
            city=np.asarray(city, dtype=np.int32),
            cities=list(cities),
        )

    def __len__(self) -> int:
        return len(self.ids)


FEATURES = ("ids", "field", "node", "chain", "trl", "district", "city")
POSTINGS = ("data", "indices", "indptr", "idf")


@dataclass
class TextIndex:
    """BM25 postings (token → documents, scores) and the document features."""

    vocab: dict[str, int]
    data: np.ndarray  # BM25 weight of (token, document), float32, grouped by token
    indices: np.ndarray  # document position of each weight, sorted within a token
    indptr: np.ndarray  # token t's postings are data[indptr[t]:indptr[t + 1]]
    idf: np.ndarray  # per token
    ids: np.ndarray
    field: np.ndarray
    node: np.ndarray
    chain: np.ndarray
    trl: np.ndarray
    district: np.ndarray
    city: np.ndarray
    cities: list[str]
    manifest: dict
    embeddings: np.ndarray | None = None  # (documents, dim), L2-normalised, if an embedder ran

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def classes(self) -> np.ndarray:
        """Each document's class: (field + 1, TRL, city + 1) as one number, 0 meaning unknown
        in each part; ``scoring.score_all`` looks its static features up by it."""
        cached = self.__dict__.get("_classes")
        if cached is None:
            fields, cities = len(FIELD_ORDER) + 1, len(self.cities) + 1
            cached = (
                ((self.field.astype(np.int32) + 1) * 10 + self.trl) * cities + self.city + 1
            ).astype(np.intp)
            assert fields * 10 * cities < np.iinfo(np.intp).max
            self.__dict__["_classes"] = cached
        return cached

    @property
    def position(self) -> dict[int, int]:
        """Database id → row in the arrays."""
        cached = self.__dict__.get("_position")
        if cached is None:
            cached = {int(doc_id): i for i, doc_id in enumerate(self.ids)}
            self.__dict__["_position"] = cached
        return cached

    # --- querying --------------------------------------------------------------------------

    def token_ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Vocabulary ids of the tokens the index knows, each once."""
        vocab = self.vocab
        return np.fromiter(dict.fromkeys(vocab[t] for t in tokens if t in vocab), dtype=np.int64)

    @property
    def rows(self):
        """The postings as a sparse matrix, tokens × documents (no copy)."""
        cached = self.__dict__.get("_rows")
        if cached is None:
            from scipy.sparse import csr_matrix

            cached = csr_matrix(
                (self.data, self.indices, self.indptr), shape=(len(self.indptr) - 1, len(self.ids))
            )
            self.__dict__["_rows"] = cached
        return cached

    def prepare(self) -> TextIndex:
        """Build the derived structures now (before forking workers, so they share them)."""
        _ = self.rows, self.forward, self.classes, self.terms, self.in_district(UNKNOWN)
        return self

    def in_district(self, district: int) -> np.ndarray:
        """Positions of the documents in ``district``."""
        groups = self.__dict__.get("_districts")
        if groups is None:
            order = np.argsort(self.district, kind="stable")
            values, starts = np.unique(self.district[order], return_index=True)
            ends = [*starts[1:], len(order)]
            groups = {int(v): order[a:b] for v, a, b in zip(values, starts, ends, strict=True)}
            self.__dict__["_districts"] = groups
        return groups.get(int(district), np.zeros(0, dtype=np.intp))

    @property
    def forward(self):
        """The same weights documents × tokens, built on first use (for the reasons)."""
        cached = self.__dict__.get("_forward")
        if cached is None:
            cached = self.rows.T.tocsr()
            self.__dict__["_forward"] = cached
        return cached

    def bm25(self, token_ids: np.ndarray) -> np.ndarray:
        """BM25 score of every document for a query of these (distinct) tokens."""
        if len(token_ids) == 0:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.rows[token_ids].sum(axis=0), dtype=np.float32).ravel()

    def reference(self, token_ids: np.ndarray) -> float:
        """BM25 score of a document of average length holding each query token once.

        Dividing by it makes the text feature "the share of the query, weighted by IDF, that
        the document covers" — comparable across queries, unlike dividing by the best hit.
        """
        return float(self.idf[token_ids].sum() / (1.0 + K1)) if len(token_ids) else 0.0

    def contributions(
        self, token_ids: np.ndarray, positions: np.ndarray
    ) -> list[list[tuple[int, float]]]:
        """For each document position: (token id, BM25 weight) of the query tokens it holds."""
        if len(token_ids) == 0 or len(positions) == 0:
            return [[] for _ in positions]
        rows = self.forward[np.asarray(positions)]  # the documents' own tokens
        shared = np.flatnonzero(np.isin(rows.indices, token_ids))
        owner = np.searchsorted(rows.indptr, shared, side="right") - 1
        found: list[list[tuple[int, float]]] = [[] for _ in positions]
        for i, token, weight in zip(
            owner.tolist(), rows.indices[shared].tolist(), rows.data[shared].tolist(), strict=True
        ):
            found[i].append((token, weight))
        return found

    @property
    def terms(self) -> list[str]:
        """Vocabulary id → token."""
        cached = self.__dict__.get("_terms")
        if cached is None:
            cached = [""] * len(self.vocab)
            for token, i in self.vocab.items():
                cached[i] = token
            self.__dict__["_terms"] = cached
        return cached

    # --- persistence -----------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write a new build beside ``directory`` and point ``directory`` at it.

        ``directory`` is a symbolic link to a folder of one build, replaced atomically: a
        reader never sees half an index nor a moment without one, and two writers (two
        matchers of one process, the CLI beside the web app) never write into each other's
        files — a file rewritten under a reader's memory map would kill it with SIGBUS."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=f"{directory.name}.", dir=directory.parent))
        try:
            for name in (*POSTINGS, *FEATURES):
                np.save(build / f"{name}.npy", getattr(self, name))
            if self.embeddings is not None:
                np.save(build / "embeddings.npy", self.embeddings)
            (build / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False))
            (build / "cities.json").write_text(json.dumps(self.cities, ensure_ascii=False))
            (build / "manifest.json").write_text(
                json.dumps(self.manifest, ensure_ascii=False, indent=2)
            )
            with _locked(directory, exclusive=True):
                previous = _target(directory)
                link = build.with_name(build.name + ".link")
                link.symlink_to(build.name)
                if directory.is_dir() and not directory.is_symlink():  # a folder of old
                    previous = directory.with_name(build.name + ".old")
                    os.replace(directory, previous)
                os.replace(link, directory)
                if previous is not None:
                    shutil.rmtree(previous, ignore_errors=True)  # open maps keep their files
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path) -> TextIndex | None:
        """The index in ``directory``, or None if there is none or it is of another format.

        The link is resolved once, under a shared lock, so the arrays and the manifest come
        from one build and no writer removes it while it is read."""
        directory = Path(directory)
        try:
            with _locked(directory, exclusive=False):
                build = _target(directory)
                return cls._read(build) if build is not None else None
        except (OSError, ValueError):
            return None

    @classmethod
    def _read(cls, build: Path) -> TextIndex | None:
        manifest = json.loads((build / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            return None
        # plain ndarray views of the memory maps: numpy's memmap subclass adds a
        # Python-level cost to every slice, which the reasons take thousands of
        arrays = {
            name: np.asarray(np.load(build / f"{name}.npy", mmap_mode="r"))
            for name in (*POSTINGS, *FEATURES)
        }
        vocab = json.loads((build / "vocab.json").read_text())
        cities = json.loads((build / "cities.json").read_text())
        embedded = build / "embeddings.npy"
        embeddings = np.asarray(np.load(embedded, mmap_mode="r")) if embedded.exists() else None
        return cls(vocab=vocab, cities=cities, manifest=manifest, embeddings=embeddings, **arrays)


def _target(directory: Path) -> Path | None:
    """The build folder ``directory`` names (through its link), or None if there is none."""
    if directory.is_symlink():
        return directory.parent / os.readlink(directory)
    return directory if directory.is_dir() else None


def build_index(
    documents: Documents,
    segmenter: Segmenter,
    *,
    fingerprint: str = "",
    embedder=None,
    title_weight: int = 2,
    workers: int = 1,
) -> TextIndex:
    """Tokenise and index ``documents`` with bm25s.

    ``texts`` are "title\\nbody": the title's tokens count ``title_weight`` times, since a
    title names the subject and the body also describes the context.
    """
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
    corpus = tokenize_all(documents.texts, segmenter, title_weight, workers=workers)
    vocab: dict[str, int] = {}
    corpus_ids = [[vocab.setdefault(token, len(vocab)) for token in doc] for doc in corpus]
    vocab.setdefault("", len(vocab))  # bm25s needs an empty token for empty documents
    retriever = bm25s.BM25(k1=K1, b=B, method="lucene", csc_backend="scipy")
    if any(corpus_ids):  # bm25s divides by the mean length: not for a corpus of no words
        retriever.index((corpus_ids, vocab), show_progress=False)
        data, indices, indptr = _sorted_postings(retriever.scores, len(documents), len(vocab))
    else:
        data, indices, indptr = (
            np.zeros(0, np.float32),
            np.zeros(0, np.int32),
            np.zeros(len(vocab) + 1, np.int64),
        )
    frequency = np.diff(indptr).astype(np.float64)  # documents holding each token
    idf = np.log(1 + (len(documents) - frequency + 0.5) / (frequency + 0.5)).astype(np.float32)
    manifest = {
        "format": FORMAT_VERSION,
        "documents": len(documents),
        "tokens": len(vocab),
        "fingerprint": fingerprint,
        "segmenter": segmenter.signature,
        "embedder": getattr(embedder, "name", None),
        "title_weight": title_weight,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    embeddings = None
    if embedder is not None and len(documents):
        embeddings = np.asarray(embedder.embed(documents.texts), dtype=np.float32)
    return TextIndex(
        vocab=vocab,
        data=data,
        indices=indices,
        indptr=indptr,
        idf=idf,
        ids=documents.ids,
        field=documents.field,
        node=documents.node,
        chain=documents.chain,
        trl=documents.trl,
        district=documents.district,
        city=documents.city,
        cities=documents.cities,
        manifest=manifest,
        embeddings=embeddings,
    )


def _sorted_postings(scores: dict, documents: int, tokens: int):
    """bm25s's matrix as postings with documents in increasing order within each token
    (``contributions`` bisects them)."""
    from scipy.sparse import csc_matrix

    matrix = csc_matrix(
        (scores["data"], scores["indices"], scores["indptr"]), shape=(documents, tokens)
    )
    matrix.sort_indices()
    return (
        matrix.data.astype(np.float32),
        matrix.indices.astype(np.int32),
        matrix.indptr.astype(np.int64),
    )


def _weighted_tokens(text: str, segmenter: Segmenter, title_weight: int) -> list[str]:
    title, _, body = text.partition("\n")
    return segmenter.tokens(title) * title_weight + segmenter.tokens(body)


_FORKED: dict = {}


def _tokenize_chunk(texts: list[str]) -> list[list[str]]:
    segmenter, title_weight = _FORKED["segmenter"], _FORKED["title_weight"]
    return [_weighted_tokens(text, segmenter, title_weight) for text in texts]


def tokenize_all(
    texts: list[str], segmenter: Segmenter, title_weight: int = 2, *, workers: int = 1
) -> list[list[str]]:
    """Segment every text; with ``workers`` > 1 in forked processes sharing the dictionary."""
    _FORKED.update(segmenter=segmenter, title_weight=title_weight)
    try:
        if workers <= 1 or len(texts) < 1_000 * workers:
            return _tokenize_chunk(texts)
        import multiprocessing

        size = -(-len(texts) // (workers * 4))
        chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return [tokens for chunk in pool.map(_tokenize_chunk, chunks) for tokens in chunk]
    finally:
        _FORKED.clear()
