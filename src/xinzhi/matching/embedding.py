"""A place for a local embedding model: the matcher works without one.

Nothing is downloaded at run time. A model that ships inside an installed package can be
plugged in by naming a factory in ``XINZHI_EMBEDDER`` ("package.module:factory"); the factory
returns an object with the ``Embedder`` protocol. The index records the embedder's ``name``
and is rebuilt when it changes; its similarity then enters the score with the declared
``semantic`` weight and shows as a reason.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ..domain.errors import XinzhiError

ENV = "XINZHI_EMBEDDER"


@runtime_checkable
class Embedder(Protocol):
    name: str  # identifies the model and its version: a different name rebuilds the index

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text, float32, the same width for every call."""
        ...


class EmbedderError(XinzhiError, RuntimeError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, message=f"{en} / {zh}")


def configured_embedder() -> Embedder | None:
    """The embedder named in ``XINZHI_EMBEDDER``, or None (the default: BM25 and features)."""
    spec = os.environ.get(ENV, "").strip()
    if not spec:
        return None
    module_name, _, factory_name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name or "embedder")
        embedder = factory()
    except (ImportError, AttributeError) as error:
        raise EmbedderError(
            f"无法加载嵌入模型 {spec}：{error}", f"cannot load the embedding model {spec}: {error}"
        ) from error
    if not isinstance(embedder, Embedder):
        raise EmbedderError(
            f"{spec} 返回的对象没有 name 和 embed()",
            f"{spec} did not return an object with name and embed()",
        )
    return embedder


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero): cosine similarity is then a dot."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
