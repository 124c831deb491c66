"""Chinese word segmentation for matching: jieba with a domain dictionary and stop words.

The dictionary is the shipped technology-term list (``data/terms.txt``) plus whatever the
caller adds — the chain node names and technology names of the chains area — so that
"谐波减速器" or "涂胶显影机" stay one word. Search mode also emits the parts of a long word
("热障涂层" → 热障, 涂层, 热障涂层), which lets a demand saying "涂层" meet a result saying
"热障涂层".
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from ..domain.text import to_halfwidth

# A token worth indexing: a CJK word, or a Latin/digit word of two characters or more
# with a letter ("5G", "IGBT"; "28纳米" is CJK); punctuation, bare numbers and lone letters are
# dropped.
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"(?=[0-9.+\-]*[a-z])[0-9a-z][0-9a-z+\-.]*[0-9a-z+]")


def _data_lines(name: str) -> list[str]:
    text = resources.files("xinzhi.matching").joinpath("data", name).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


@cache
def shipped_terms() -> tuple[str, ...]:
    return tuple(_data_lines("terms.txt"))


@cache
def stop_words() -> frozenset[str]:
    return frozenset(_data_lines("stopwords.txt"))


def normalise(text: str) -> str:
    return to_halfwidth(text).lower()


class Segmenter:
    """Turns text into index tokens; the same instance (same terms) must build and query."""

    def __init__(self, extra_terms: Iterable[str] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        terms = sorted({normalise(t).strip() for t in (*shipped_terms(), *extra_terms)} - {""})
        self.terms = tuple(terms)
        self._stop = stop_words()
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for term in terms:
            self._jieba.add_word(term)
        self.signature = hashlib.sha256(
            "\n".join([*terms, "--", *sorted(self._stop)]).encode()
        ).hexdigest()[:16]

    def tokens(self, text: str) -> list[str]:
        """Index tokens of ``text``, repeats kept (BM25 counts them)."""
        stop = self._stop
        return [
            token
            for token in self._jieba.lcut_for_search(normalise(text))
            if token not in stop and (_CJK.search(token) or _WORD.fullmatch(token))
        ]


@cache
def default_segmenter(extra_terms: tuple[str, ...] = ()) -> Segmenter:
    """One segmenter per term set and process: loading jieba takes about a second."""
    return Segmenter(extra_terms)
