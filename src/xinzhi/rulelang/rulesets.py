"""Where the rule sets are: the shipped one (package data) and a bureau's own folders.

A rule-set folder holds ``assessments/*.yaml``, ``policies/*.yaml`` and ``policies/cases/*.yaml``
(the YAML cases a bureau checks its edits with, see ``xinzhi rules test``). The folders in
force, in order:

1. the shipped rule set, ``xinzhi/rulesets`` inside the installed package;
2. the folders of ``XINZHI_RULES_PATH`` (colon-separated), left to right;
3. the folders given with ``--rules DIR`` to the command being run.

A declaration with the same id and version as one in an earlier folder replaces it (a bureau
changes a threshold by copying the file into its folder and editing it); a new id or a new
version is added. Nothing under the installed package is ever edited.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import XinzhiError
from .yamlfile import DeclarationError, Node, load_yaml

SHIPPED = Path(__file__).resolve().parent.parent / "rulesets"
ENVIRONMENT = "XINZHI_RULES_PATH"
KINDS = ("assessments", "policies")


class RuleSetFolderError(XinzhiError):
    """A rule-set folder that does not exist or holds neither assessments/ nor policies/."""


@dataclass(frozen=True)
class RuleSets:
    """The rule-set folders in force, shipped first; a later folder overrides an earlier."""

    folders: tuple[Path, ...]

    def of_kind(self, kind: str) -> list[Path]:
        """The ``assessments`` or ``policies`` sub-folders that exist, in order."""
        return [folder / kind for folder in self.folders if (folder / kind).is_dir()]

    @property
    def assessment_folders(self) -> list[Path]:
        return self.of_kind("assessments")

    @property
    def policy_folders(self) -> list[Path]:
        return self.of_kind("policies")

    @property
    def case_folders(self) -> list[Path]:
        return [f / "cases" for f in self.policy_folders if (f / "cases").is_dir()]

    def is_shipped(self, path: Path) -> bool:
        return path.resolve().is_relative_to(SHIPPED)


def environment_folders() -> list[Path]:
    value = os.environ.get(ENVIRONMENT, "")
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]


def check_folder(folder: Path, origin: str) -> Path:
    if not folder.is_dir():
        raise RuleSetFolderError(
            f"规则集目录不存在：{folder}（{origin}）",
            f"no such rule-set folder: {folder} ({origin})",
        )
    if not any((folder / kind).is_dir() for kind in KINDS):
        raise RuleSetFolderError(
            f"规则集目录 {folder}（{origin}）中没有 assessments/ 或 policies/ 子目录",
            f"the rule-set folder {folder} ({origin}) has neither assessments/ nor policies/",
        )
    return folder.resolve()


def rule_sets(extra: Sequence[Path] = ()) -> RuleSets:
    """The folders in force now: shipped, then XINZHI_RULES_PATH, then ``extra``."""
    folders = [SHIPPED]
    folders += [check_folder(f, ENVIRONMENT) for f in environment_folders()]
    folders += [check_folder(Path(f), "--rules") for f in extra]
    return RuleSets(tuple(dict.fromkeys(folders)))


def add_to_environment(folders: Sequence[Path]) -> None:
    """``--rules DIR`` of a command: the folders join XINZHI_RULES_PATH for this process, so that
    every part of the command (and a server it starts) sees the same rule sets."""
    checked = [str(check_folder(Path(f), "--rules")) for f in folders]
    if checked:
        current = [str(f) for f in environment_folders()]
        os.environ[ENVIRONMENT] = os.pathsep.join(current + checked)


def declaration_files(kind: str, sets: RuleSets | None = None) -> list[Path]:
    """Every ``*.yaml`` of ``kind`` in the folders in force, shipped first."""
    sets = sets or rule_sets()
    return [path for folder in sets.of_kind(kind) for path in sorted(folder.glob("*.yaml"))]


def overriding(items: list, key) -> list:
    """``items`` (in folder order) with a later item replacing an earlier one of the same key."""
    chosen: dict = {}
    for item in items:
        chosen.pop(key(item), None)  # the override takes the later position
        chosen[key(item)] = item
    return list(chosen.values())


@dataclass(frozen=True)
class DeclarationFile:
    """One declaration file of a rule set, as ``xinzhi rules path`` lists it."""

    kind: str  # assessments | policies
    id: str
    version: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    path: Path
    folder: Path  # the rule-set folder it belongs to
    replaced_by: Path | None = None  # a later folder's file with the same id and version

    @property
    def shipped(self) -> bool:
        return self.folder == SHIPPED

    def in_force(self, as_of: dt.date) -> bool:
        starts = self.effective_from is None or self.effective_from <= as_of
        return starts and (self.effective_to is None or as_of < self.effective_to)


def declaration_list(sets: RuleSets | None = None) -> list[DeclarationFile]:
    """Every declaration file of the rule sets, in folder order, each marked with the file that
    replaces it (if any). Reads only the header fields; ``rules check`` checks the rest."""
    sets = sets or rule_sets()
    found: list[DeclarationFile] = []
    for kind in KINDS:
        for folder in sets.folders:
            for path in sorted((folder / kind).glob("*.yaml")):
                found.append(_header(kind, path, folder))
    last: dict[tuple[str, str, str], DeclarationFile] = {}
    for item in found:
        last[(item.kind, item.id, item.version)] = item
    return [
        item
        if last[(item.kind, item.id, item.version)] is item
        else _replaced(item, last[(item.kind, item.id, item.version)].path)
        for item in found
    ]


def _replaced(item: DeclarationFile, by: Path) -> DeclarationFile:
    return DeclarationFile(**{**item.__dict__, "replaced_by": by})


def _header(kind: str, path: Path, folder: Path) -> DeclarationFile:
    doc = load_yaml(path)
    if not isinstance(doc, Node) or "id" not in doc:
        raise DeclarationError(path, None, "声明须有 id", "a declaration needs an id")
    effective = doc.get("effective") if isinstance(doc.get("effective"), dict) else {}
    return DeclarationFile(
        kind=kind,
        id=str(doc["id"]),
        version=str(doc.get("version", "")),
        effective_from=_date(effective.get("from")),
        effective_to=_date(effective.get("to")),
        path=path,
        folder=folder,
    )


def _date(value) -> dt.date | None:
    return value if isinstance(value, dt.date) else None
