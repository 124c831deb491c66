"""Domain terms from the chain maps, for the matching area's Chinese segmenter dictionary."""

from __future__ import annotations

import re

from sqlalchemy import Engine

from .catalogue import SHIPPED, load_shipped
from .spec import ChainSpec

# Names are cut at brackets and separators: "RV减速器（摆线针轮）" gives "RV减速器" and "摆线针轮".
_SPLIT = re.compile(r"[（）()、/，,；;：:\s]+")
MIN_LENGTH = 2
_CJK = re.compile(r"[\u4e00-\u9fff]")


def chain_terms(chain: ChainSpec) -> set[str]:
    """Node names, keywords and technology names of one chain, with their bracketed parts."""
    raw = []
    for node in chain.nodes:
        raw += [node.name, *node.keywords]
        raw += [t.name for t in node.technologies]
    terms = set()
    for text in raw:
        terms.add(text.strip())
        terms.update(part for part in _SPLIT.split(text) if part)
    return {term for term in terms if len(term) >= MIN_LENGTH and _wordlike(term)}


def _wordlike(term: str) -> bool:
    """Chinese text, or a Latin acronym (CT, ALD); not a bare figure such as "4500V"."""
    return bool(_CJK.search(term)) or term.isalpha()


def domain_terms(engine: Engine | None = None) -> list[str]:
    """Every chain's terms, sorted: the shipped chains, and with ``engine`` also the chains in
    the database (their current versions, which a bureau may have edited or added)."""
    terms: set[str] = set()
    keys = set(SHIPPED)
    if engine is not None:
        from .repository import list_chains, load_chain

        for row in list_chains(engine):
            keys.discard(row["key"])
            chain = load_chain(engine, row["key"])
            if chain is not None:
                terms |= chain_terms(chain)
    for key in sorted(keys):
        terms |= chain_terms(load_shipped(key))
    return sorted(terms)
