"""What matching takes from the chains area: node names and keys, each node's chain, the
domain terms for the segmenter and the chain's technology list (技术清单) for challenges.

The chains area owns its tables and code; this module only reads them, through the contract
agreed with it (tables ``chains`` and ``chain_nodes``; ``xinzhi.chains.terms.domain_terms``
and ``xinzhi.chains.analysis.technology_list``). Matching works without any chain loaded:
the chain feature then scores nothing and reasons never mention a chain.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..domain.errors import XinzhiError

# A chain key is a lower-case slug (chains.fields.CHAIN_KEY), so the first separator ends it.
_CHAIN_AND_NODE = re.compile(r"(?P<chain>[a-z][a-z0-9_-]*)\s*[/:：]\s*(?P<node>.+)")


class ChainsUnavailable(XinzhiError, RuntimeError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, message=f"{en} / {zh}")


@dataclass
class ChainInfo:
    node_chain: dict[int, int] = field(default_factory=dict)  # node id → chain id
    node_names: dict[int, str] = field(default_factory=dict)
    chain_names: dict[int, str] = field(default_factory=dict)
    node_keys: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (chain, node key)

    def signature(self) -> str:
        return str(sorted(self.node_chain.items()))

    def resolve(self, text: str) -> int | None:
        """The node with this name if only one has it, else the one "chain_key/node_key" names
        (":" works too; node keys and names may themselves hold "/")."""
        text = text.strip()
        named = [i for i, name in self.node_names.items() if name == text]
        if len(named) == 1:
            return named[0]
        keyed = _CHAIN_AND_NODE.fullmatch(text)
        if keyed is None:
            return None
        wanted = (keyed["chain"], keyed["node"].strip())
        return next((i for i, keys in self.node_keys.items() if keys == wanted), None)

    def label(self, node_id: int | None) -> str | None:
        if node_id is None or node_id not in self.node_names:
            return None
        chain = self.chain_names.get(self.node_chain.get(node_id, -1), "")
        return f"{chain}·{self.node_names[node_id]}" if chain else self.node_names[node_id]


def load_chain_info(conn: Connection) -> ChainInfo:
    """Nodes and chains as the database holds them (empty when no chain is loaded)."""
    from ..store.models.chains import Chain, ChainNode

    info = ChainInfo()
    chains = conn.execute(sa.select(Chain.id, Chain.key, Chain.name)).all()
    keys = {row.id: row.key for row in chains}
    info.chain_names = {row.id: row.name for row in chains}
    for row in conn.execute(
        sa.select(ChainNode.id, ChainNode.chain_id, ChainNode.key, ChainNode.name)
    ):
        info.node_chain[row.id] = row.chain_id
        info.node_names[row.id] = row.name
        info.node_keys[row.id] = (keys[row.chain_id], row.key)
    return info


def chain_terms(engine: Engine | None) -> tuple[str, ...]:
    """Node names and technology names for the jieba dictionary; none if chains has none."""
    try:
        module = importlib.import_module("xinzhi.chains.terms")
    except ImportError:
        return ()
    try:
        return tuple(sorted(set(module.domain_terms(engine))))
    except sa.exc.SQLAlchemyError:
        return ()  # the chain tables are not there yet: the shipped term list still applies


def technology_items(engine: Engine, chain_key: str) -> list:
    """The chain's technology list (技术清单) items, from the chains area."""
    try:
        module = importlib.import_module("xinzhi.chains.analysis")
        technology_list = module.technology_list
    except (ImportError, AttributeError):
        raise ChainsUnavailable(
            "产业链模块尚未提供技术清单（xinzhi.chains.analysis.technology_list）",
            "the chains area does not provide the technology list yet "
            "(xinzhi.chains.analysis.technology_list)",
        ) from None
    return list(technology_list(engine, chain_key))
