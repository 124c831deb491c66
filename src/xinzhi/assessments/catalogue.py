"""The assessment declarations of the rule sets in force, and which version of each is in force
on a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from ..rulelang.declaration import Declaration, read_declaration
from ..rulelang.rulesets import SHIPPED, overriding, rule_sets
from ..rulelang.yamlfile import DeclarationError

ASSESSMENTS = SHIPPED / "assessments"


@dataclass
class Catalog:
    declarations: list[Declaration]

    def in_force(self, as_of: dt.date, only: set[str] | None = None) -> list[Declaration]:
        """One declaration per id: the version in force on ``as_of``.

        ``only`` filters by id or family (``hnte``, ``sme``, ``gradient`` for every tier).
        """
        chosen: dict[str, Declaration] = {}
        for d in self.declarations:
            if not d.in_force(as_of):
                continue
            if only and not ({d.id, d.family, d.group} & only):
                continue
            current = chosen.get(d.id)
            if current is None or d.effective_from > current.effective_from:
                chosen[d.id] = d
        return sorted(chosen.values(), key=lambda d: (d.order, d.id))

    def get(self, ident: str, as_of: dt.date | None = None) -> Declaration:
        versions = [d for d in self.declarations if d.id == ident]
        if not versions:
            known = ", ".join(sorted({d.id for d in self.declarations}))
            raise KeyError(
                f"未知评价 {ident}（可用：{known}） / unknown assessment {ident} ({known})"
            )
        if as_of is None:
            return max(versions, key=lambda d: d.effective_from)
        current = [d for d in versions if d.in_force(as_of)]
        if not current:
            raise KeyError(
                f"{ident} 在 {as_of} 没有生效版本 / {ident} has no version in force on {as_of}"
            )
        return max(current, key=lambda d: d.effective_from)


def load_catalog(folders: list[Path] | None = None) -> Catalog:
    """The declarations in ``folders`` (default: the ``assessments/`` of the rule sets in force,
    see ``rulelang.rulesets``), read again only when a file changed. A declaration with the id
    and version of one in an earlier folder replaces it."""
    files = tuple(
        (path, path.stat().st_mtime_ns, path.stat().st_size)
        for folder in (rule_sets().assessment_folders if folders is None else folders)
        for path in sorted(folder.glob("*.yaml"))
    )
    return _load(files)


@lru_cache(maxsize=16)
def _load(files: tuple[tuple[Path, int, int], ...]) -> Catalog:
    declarations = [read_declaration(path) for path, _, _ in files]
    declarations = overriding(declarations, key=lambda d: (d.id, d.version))
    _check_versions(declarations)
    return Catalog(declarations)


def _check_versions(declarations: list[Declaration]) -> None:
    by_id: dict[str, list[Declaration]] = {}
    for d in declarations:
        by_id.setdefault(d.id, []).append(d)
    for ident, versions in by_id.items():
        versions.sort(key=lambda d: d.effective_from)
        for older, newer in pairwise(versions):
            if older.effective_to is None or older.effective_to > newer.effective_from:
                raise DeclarationError(
                    newer.path,
                    None,
                    f"{ident} 的两个版本生效期重叠（{older.path.name} 与 {newer.path.name}）",
                    f"two versions of {ident} are in force at once ({older.path.name}, {newer.path.name})",
                )
