"""The version of the code that made a kept artefact — compiled SQL, a program, a snapshot: a
digest of the rule language's modules that made it and of the libraries involved. A change to
any of them names a new artefact instead of reading an old one. Read from the files and the
installed versions, so asking imports nothing."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

FOLDER = Path(__file__).parent


@cache
def code_digest(modules: tuple[str, ...], libraries: tuple[str, ...] = ()) -> str:
    """``modules``: file names in ``rulelang/``; ``libraries``: distribution names."""
    digest = hashlib.sha256()
    for library in libraries:
        digest.update(f"{library}=={metadata.version(library)}\n".encode())
    for name in modules:
        digest.update((FOLDER / name).read_bytes())
    return digest.hexdigest()[:16]
