"""Future-industry taxonomies as dated data: one YAML file per taxonomy (and version).

A taxonomy file names its source texts with provenance marks (✅ confirmed, 🟡 partly, ❓ not
confirmed), the date it took effect (``valid_from``, optional ``valid_to``) and its tracks. A
track either carries its own dictionary (names and synonyms, strong and weak terms,
exclusions, GB/T 4754-2017 industry codes, 战略性新兴产业分类 codes, IPC classes, chain nodes)
and is then *classified*, or groups other tracks (``includes`` and children naming it as
``parent``). Regional taxonomies (Dongguan's nine, Guangdong's five clusters …) are mostly
groups over the national dictionaries.

Shipped files are in ``data/taxonomies``; a bureau adds its own directories with
``XINZHI_TRACKS_PATH`` (``os.pathsep``-separated). Loading checks everything and reports every
problem with file, line and reason (Chinese and English); nothing half-loaded is returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from ..chains.located import Located, load_located
from ..chains.problems import ChainFileError, Origin, Problems
from ..chains.yamlio import _known_keys as _unknown_fields  # the chains' own check
from ..domain.errors import InvalidValue
from ..domain.industry import SEI_CATEGORIES, parse_industry_code
from ..domain.ipc import parse_ipc_class

PATH_ENV = "XINZHI_TRACKS_PATH"
MARKS = ("✅", "🟡", "❓")
TRACK_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,58}")
SEI_CODE = re.compile(r"[1-9](\.\d{1,2}){0,3}")

TaxonomyError = ChainFileError  # same shape: a list of problems, each with file and line

_TAXONOMY_FIELDS = {
    "taxonomy",
    "name",
    "name_en",
    "region",
    "issuer",
    "document",
    "valid_from",
    "valid_to",
    "status",
    "sources",
    "tracks",
}
_TRACK_LISTS = (
    "synonyms",
    "strong",
    "weak",
    "exclude",
    "industry_codes",
    "sei_codes",
    "ipc",
    "ipc_weak",
    "chain_nodes",
    "includes",
)
_TRACK_FIELDS = {
    "id",
    "name",
    "name_en",
    "parent",
    "status",
    "flagship",
    "codes_status",
    "includes_status",
    "note",
    *_TRACK_LISTS,
}
_SOURCE_FIELDS = {"url", "file", "status", "note"}


@dataclass(frozen=True)
class Source:
    status: str
    url: str | None = None
    file: str | None = None
    note: str | None = None


@dataclass
class Track:
    id: str
    name: str
    taxonomy: str
    status: str
    origin: Origin
    name_en: str | None = None
    parent: str | None = None
    flagship: bool = False
    codes_status: str | None = None
    includes_status: str | None = None
    note: str | None = None
    synonyms: list[str] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    industry_codes: list[str] = field(default_factory=list)
    sei_codes: list[str] = field(default_factory=list)
    ipc: list[str] = field(default_factory=list)
    ipc_weak: list[str] = field(default_factory=list)
    chain_nodes: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)

    @property
    def classified(self) -> bool:
        """Whether the track has a dictionary of its own (else it only groups others)."""
        return bool(self.synonyms or self.strong or self.weak or self.industry_codes or self.ipc)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.synonyms]


@dataclass
class Taxonomy:
    key: str
    name: str
    region: str
    valid_from: dt.date
    status: str
    file: str
    name_en: str | None = None
    issuer: str | None = None
    document: str | None = None
    valid_to: dt.date | None = None
    sources: list[Source] = field(default_factory=list)
    tracks: list[Track] = field(default_factory=list)

    def in_force(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


@dataclass
class Catalogue:
    """The taxonomies in force on a date, their tracks by id, and which leaves each groups."""

    taxonomies: list[Taxonomy]
    tracks: dict[str, Track]
    as_of: dt.date
    sha256: str
    files: list[tuple[str, str]] = field(default_factory=list, repr=False)  # (name, text) read
    _child_ids: dict[str, list[str]] | None = field(default=None, repr=False)

    @property
    def classified(self) -> list[Track]:
        return [t for t in self.tracks.values() if t.classified]

    def members(self, track_id: str) -> list[str]:
        """The classified tracks a track stands for: itself, its includes and children."""
        out: list[str] = []
        seen: set[str] = set()

        def walk(tid: str) -> None:
            if tid in seen:
                return
            seen.add(tid)
            track = self.tracks[tid]
            if track.classified:
                out.append(tid)
            for child in self._children().get(tid, []):
                walk(child)
            for included in track.includes:
                walk(included)

        walk(track_id)
        return out

    def _children(self) -> dict[str, list[str]]:
        if self._child_ids is None:
            self._child_ids = {}
            for track in self.tracks.values():
                if track.parent:
                    self._child_ids.setdefault(track.parent, []).append(track.id)
        return self._child_ids

    def get(self, track_id: str) -> Track | None:
        return self.tracks.get(track_id)


# --- reading one file ------------------------------------------------------------------------


def _text(value, located: Located, path: tuple, name: str, problems: Problems) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        problems.add(
            located.origin(path),
            name,
            value,
            f"“{name}”应为非空文字",
            f"'{name}' must be non-empty text",
            "yaml_shape",
        )
        return None
    return value.strip()


def _required(raw: dict, key: str, located: Located, path: tuple, problems: Problems) -> None:
    if raw.get(key) in (None, "", []):
        problems.add(
            located.origin(path),
            key,
            None,
            f"缺少必填字段“{key}”",
            f"required field '{key}' is missing",
            "missing_field",
        )


def _mark(value, located: Located, path: tuple, name: str, problems: Problems) -> str | None:
    if value is None:
        return None
    if value not in MARKS:
        problems.add(
            located.origin(path),
            name,
            value,
            f"出处标记应为 ✅、🟡 或 ❓，而不是“{value}”",
            f"a provenance mark must be ✅, 🟡 or ❓, not '{value}'",
            "bad_mark",
        )
        return None
    return value


def _date(value, located: Located, path: tuple, name: str, problems: Problems):
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.add(
            located.origin(path),
            name,
            value,
            f"“{name}”应为日期（YYYY-MM-DD）",
            f"'{name}' must be a date (YYYY-MM-DD)",
            "bad_date",
        )
        return None


def _strings(value, located: Located, path: tuple, name: str, problems: Problems) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(
            located.origin(path),
            name,
            None,
            f"“{name}”应为列表",
            f"'{name}' must be a list",
            "yaml_shape",
        )
        return []
    out = []
    for i, item in enumerate(value):
        text = _text(item, located, (*path, i), name, problems)
        if text is not None:
            out.append(text)
    return out


def _check_codes(track: Track, located: Located, path: tuple, problems: Problems) -> None:
    """Industry, SEI and IPC codes: an unknown or malformed code fails with its line."""
    for i, code in enumerate(track.industry_codes):
        try:
            normal = parse_industry_code(code)
        except InvalidValue as error:
            problems.add_error(
                located.origin((*path, "industry_codes", i)), "industry_codes", code, error
            )
            continue
        if len(normal) != 5:
            problems.add(
                located.origin((*path, "industry_codes", i)),
                "industry_codes",
                code,
                f"行业代码“{code}”应为小类（门类字母+4位数字，如 C3491）",
                f"industry code '{code}' must be a class (letter + 4 digits, e.g. C3491)",
                "industry_code",
            )
        else:
            track.industry_codes[i] = normal
    for i, code in enumerate(track.sei_codes):
        if not SEI_CODE.fullmatch(code) or code.split(".")[0] not in SEI_CATEGORIES:
            problems.add(
                located.origin((*path, "sei_codes", i)),
                "sei_codes",
                code,
                f"“{code}”不是战略性新兴产业分类（2018）代码（如 2 或 2.1.3，一级类别 1–9）",
                f"'{code}' is not a strategic-emerging-industry (2018) code (e.g. 2 or 2.1.3)",
                "sei_code",
            )
    for name in ("ipc", "ipc_weak"):
        codes = getattr(track, name)
        for i, code in enumerate(codes):
            try:
                codes[i] = parse_ipc_class(code)
            except InvalidValue as error:
                problems.add_error(located.origin((*path, name, i)), name, code, error)


def _track(raw, located: Located, path: tuple, key: str, problems: Problems) -> Track | None:
    if not isinstance(raw, dict):
        problems.add(
            located.origin(path),
            "tracks",
            None,
            "每个赛道应为键值映射",
            "each track must be a mapping",
            "yaml_shape",
        )
        return None
    _unknown_fields(raw, _TRACK_FIELDS, located, path, problems)
    for required in ("id", "name", "status"):
        _required(raw, required, located, path, problems)
    track_id = _text(raw.get("id"), located, (*path, "id"), "id", problems)
    if track_id is not None and not TRACK_ID.fullmatch(track_id):
        problems.add(
            located.origin((*path, "id")),
            "id",
            track_id,
            "赛道编号只能用小写字母、数字和连字符（2–59 个字符）",
            "a track id is lower-case letters, digits and hyphens (2–59 characters)",
            "bad_id",
        )
        track_id = None
    name = _text(raw.get("name"), located, (*path, "name"), "name", problems)
    status = _mark(raw.get("status"), located, (*path, "status"), "status", problems)
    if track_id is None or name is None or status is None:
        return None
    track = Track(
        id=track_id,
        name=name,
        taxonomy=key,
        status=status,
        origin=located.origin(path),
        name_en=_text(raw.get("name_en"), located, (*path, "name_en"), "name_en", problems),
        parent=_text(raw.get("parent"), located, (*path, "parent"), "parent", problems),
        flagship=bool(raw.get("flagship", False)),
        codes_status=_mark(
            raw.get("codes_status"), located, (*path, "codes_status"), "codes_status", problems
        ),
        includes_status=_mark(
            raw.get("includes_status"),
            located,
            (*path, "includes_status"),
            "includes_status",
            problems,
        ),
        note=_text(raw.get("note"), located, (*path, "note"), "note", problems),
        **{
            name: _strings(raw.get(name), located, (*path, name), name, problems)
            for name in _TRACK_LISTS
        },
    )
    _check_codes(track, located, path, problems)
    return track


def parse_taxonomy(text: str, file: str) -> Taxonomy:
    """One taxonomy file; every problem in it is raised together (``TaxonomyError``)."""
    located = load_located(text, file)
    problems = Problems()
    root = located.data
    if not isinstance(root, dict):
        problems.add(
            located.origin(()),
            None,
            None,
            "分类文件应为键值映射",
            "a taxonomy file must be a mapping",
            "yaml_shape",
        )
        problems.raise_if_any()
    _unknown_fields(root, _TAXONOMY_FIELDS, located, (), problems)
    for required in ("taxonomy", "name", "region", "valid_from", "status", "tracks"):
        _required(root, required, located, (), problems)
    key = _text(root.get("taxonomy"), located, ("taxonomy",), "taxonomy", problems) or ""
    valid_from = _date(root.get("valid_from"), located, ("valid_from",), "valid_from", problems)
    valid_to = _date(root.get("valid_to"), located, ("valid_to",), "valid_to", problems)
    if valid_from and valid_to and valid_to <= valid_from:
        problems.add(
            located.origin(("valid_to",)),
            "valid_to",
            valid_to.isoformat(),
            "失效日期应晚于生效日期",
            "valid_to must be after valid_from",
            "bad_dates",
        )
    sources = []
    raw_sources = root.get("sources") or []
    for i, raw in enumerate(raw_sources if isinstance(raw_sources, list) else []):
        path = ("sources", i)
        if not isinstance(raw, dict):
            problems.add(
                located.origin(path),
                "sources",
                None,
                "出处应为键值映射",
                "a source must be a mapping",
                "yaml_shape",
            )
            continue
        _unknown_fields(raw, _SOURCE_FIELDS, located, path, problems)
        _required(raw, "status", located, path, problems)
        mark = _mark(raw.get("status"), located, (*path, "status"), "status", problems)
        if mark:
            sources.append(
                Source(
                    mark,
                    url=_text(raw.get("url"), located, (*path, "url"), "url", problems),
                    file=_text(raw.get("file"), located, (*path, "file"), "file", problems),
                    note=_text(raw.get("note"), located, (*path, "note"), "note", problems),
                )
            )
    tracks = []
    raw_tracks = root.get("tracks")
    if raw_tracks is not None and not isinstance(raw_tracks, list):
        problems.add(
            located.origin(("tracks",)),
            "tracks",
            None,
            "“tracks”应为列表",
            "'tracks' must be a list",
            "yaml_shape",
        )
        raw_tracks = []
    seen: dict[str, Track] = {}
    for i, raw in enumerate(raw_tracks or []):
        track = _track(raw, located, ("tracks", i), key, problems)
        if track is None:
            continue
        if track.id in seen:
            first = seen[track.id].origin
            problems.add(
                track.origin,
                "id",
                track.id,
                f"赛道编号“{track.id}”重复（首次出现于第{first.line}行）",
                f"track id '{track.id}' appears twice (first at line {first.line})",
                "duplicate_track",
            )
            continue
        seen[track.id] = track
        tracks.append(track)
    problems.raise_if_any()
    return Taxonomy(
        key=key,
        name=_text(root.get("name"), located, ("name",), "name", problems) or "",
        name_en=_text(root.get("name_en"), located, ("name_en",), "name_en", problems),
        region=_text(root.get("region"), located, ("region",), "region", problems) or "",
        issuer=_text(root.get("issuer"), located, ("issuer",), "issuer", problems),
        document=_text(root.get("document"), located, ("document",), "document", problems),
        valid_from=valid_from,
        valid_to=valid_to,
        status=root["status"],
        file=file,
        sources=sources,
        tracks=tracks,
    )


# --- the catalogue: every file, checked together ---------------------------------------------


def shipped_files() -> list[tuple[str, str]]:
    folder = resources.files("xinzhi.tracks") / "data" / "taxonomies"
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith((".yaml", ".yml"))
    )


def bureau_files() -> list[tuple[str, str]]:
    out = []
    for folder in filter(None, os.environ.get(PATH_ENV, "").split(os.pathsep)):
        for path in sorted(Path(folder).glob("*.y*ml")):
            out.append((str(path), path.read_text(encoding="utf-8")))
    return out


@cache
def _chain_node_keys() -> frozenset[str]:
    from ..chains.catalogue import shipped_chains

    return frozenset(f"{c.key}/{n.key}" for c in shipped_chains() for n in c.nodes)


def build_catalogue(files: list[tuple[str, str]], as_of: dt.date | None = None) -> Catalogue:
    """Check every file and the references between them; the taxonomies in force on ``as_of``.

    Fails (``TaxonomyError``) on any problem in any file: a bad code, a duplicate track id,
    two versions of one taxonomy in force at once, a reference to a track or chain node that
    does not exist, or tracks that include each other.
    """
    as_of = as_of or dt.date.today()
    problems = Problems()
    taxonomies: list[Taxonomy] = []
    for name, text in files:
        try:
            taxonomies.append(parse_taxonomy(text, name))
        except ChainFileError as error:
            problems.items.extend(error.problems)
    by_key: dict[str, list[Taxonomy]] = {}
    for taxonomy in taxonomies:
        by_key.setdefault(taxonomy.key, []).append(taxonomy)
    for versions in by_key.values():
        versions.sort(key=lambda t: t.valid_from)
        for earlier, later in zip(versions, versions[1:], strict=False):
            if earlier.valid_to is None or earlier.valid_to > later.valid_from:
                problems.add(
                    Origin(file=later.file, line=1),
                    "valid_from",
                    later.valid_from.isoformat(),
                    f"分类“{later.key}”的两个版本有效期重叠：{earlier.file} 自 {earlier.valid_from} "
                    f"起{'长期有效' if earlier.valid_to is None else '至 ' + str(earlier.valid_to)}"
                    "；请给前一版本写上 valid_to",
                    f"two versions of taxonomy '{later.key}' overlap: {earlier.file} is in force "
                    f"from {earlier.valid_from} "
                    f"{'with no end' if earlier.valid_to is None else 'to ' + str(earlier.valid_to)}"
                    "; give the earlier version a valid_to",
                    "overlapping_versions",
                )
    in_force = [t for t in taxonomies if t.in_force(as_of)]
    tracks: dict[str, Track] = {}
    for taxonomy in in_force:
        for track in taxonomy.tracks:
            if track.id in tracks:
                if tracks[track.id].taxonomy == track.taxonomy:
                    continue  # two versions in force at once: reported as overlapping above
                first = tracks[track.id].origin
                problems.add(
                    track.origin,
                    "id",
                    track.id,
                    f"赛道编号“{track.id}”重复，已在 {first.file} 第{first.line}行定义",
                    f"track id '{track.id}' is already defined in {first.file} line {first.line}",
                    "duplicate_track",
                )
                continue
            tracks[track.id] = track
    known_nodes = None
    for track in tracks.values():
        refs = [("parent", track.parent)] if track.parent else []
        refs += [("includes", ref) for ref in track.includes]
        for name, ref in refs:
            if ref not in tracks:
                problems.add(
                    track.origin,
                    name,
                    ref,
                    f"赛道“{track.id}”引用了不存在的赛道“{ref}”",
                    f"track '{track.id}' refers to a track '{ref}' that does not exist",
                    "missing_reference",
                )
        if track.chain_nodes:
            known_nodes = known_nodes or _chain_node_keys()
            for ref in track.chain_nodes:
                if ref not in known_nodes:
                    problems.add(
                        track.origin,
                        "chain_nodes",
                        ref,
                        f"赛道“{track.id}”引用了不存在的产业链节点“{ref}”（格式：产业链/节点）",
                        f"track '{track.id}' refers to a chain node '{ref}' that does not exist "
                        "(form: chain/node)",
                        "missing_reference",
                    )
    if not problems:
        _check_cycles(tracks, problems)
    problems.raise_if_any()
    digest = hashlib.sha256(
        json.dumps(sorted((name, text) for name, text in files), ensure_ascii=False).encode()
    ).hexdigest()
    return Catalogue(in_force, tracks, as_of, digest, files=list(files))


def _check_cycles(tracks: dict[str, Track], problems: Problems) -> None:
    state: dict[str, int] = {}

    def edges(track: Track) -> list[str]:
        return [*track.includes, *([track.parent] if track.parent else [])]

    def visit(tid: str, stack: list[str]) -> None:
        state[tid] = 1
        for nxt in tracks[tid].includes:
            if state.get(nxt) == 1:
                loop = " → ".join([*stack[stack.index(nxt) :], nxt]) if nxt in stack else nxt
                problems.add(
                    tracks[tid].origin,
                    "includes",
                    nxt,
                    f"赛道之间循环包含：{loop}",
                    f"tracks include each other: {loop}",
                    "cycle",
                )
            elif state.get(nxt) is None:
                visit(nxt, [*stack, nxt])
        state[tid] = 2

    for tid in tracks:
        if state.get(tid) is None:
            visit(tid, [tid])


def load_catalogue(as_of: dt.date | None = None) -> Catalogue:
    """The shipped taxonomies plus the bureau's (``XINZHI_TRACKS_PATH``), in force on ``as_of``."""
    return build_catalogue(shipped_files() + bureau_files(), as_of)
