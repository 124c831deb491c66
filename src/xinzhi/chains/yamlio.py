"""Chain maps as YAML: the shipped chains, exports, and the snapshot kept for each version.

A chain file is one mapping: the chain's fields, then ``nodes``, a list in which each node
has its fields, ``input_to`` (the keys of the nodes it is an input to), ``technologies``
and ``enterprises``. See docs/chains.md for an example; field names are those of
``fields.py``. Reading reports every problem with its line; nothing half-read is returned.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import yaml

from ..domain.errors import InvalidValue
from .build import assemble, link_from_record, node_from_record, technology_from_record
from .fields import (
    CHAIN_FIELDS,
    LINK_FIELDS,
    NODE_FIELDS,
    TECHNOLOGY_FIELDS,
    _node_key,
    control_label,
    parse_fields,
)
from .located import Located, load_located
from .problems import ChainFileError, Origin, Problems
from .spec import ChainSpec, EdgeSpec, LinkSpec, NodeSpec, TechnologySpec
from .vocab import Capability

NODE_EXTRAS = ("input_to", "technologies", "enterprises")
_TECH_FIELDS = tuple(c for c in TECHNOLOGY_FIELDS if c.name != "node")
_LINK_FIELDS = tuple(c for c in LINK_FIELDS if c.name != "node")


def read_yaml(path: Path) -> ChainSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems = Problems()
        problems.add(
            Origin(file=path.name),
            None,
            None,
            "文件不是 UTF-8 编码",
            "the file is not UTF-8",
            "encoding",
        )
        raise ChainFileError(problems.items) from None
    return parse_yaml(text, path.name)


def parse_yaml(text: str, file: str) -> ChainSpec:
    return chain_from_located(load_located(text, file))


def chain_from_data(data: dict, file: str) -> ChainSpec:
    """A chain from plain data (a database snapshot): problems name no line."""
    return chain_from_located(Located(data, file))


def _known_keys(
    raw: dict, allowed: set[str], located: Located, path: tuple, problems: Problems
) -> None:
    for key in raw:
        if key not in allowed:
            problems.add(
                located.origin((*path, key)),
                str(key),
                None,
                f"未知字段“{key}”",
                f"unknown field '{key}'",
                "unknown_field",
            )


def _mapping(value, located: Located, path: tuple, what: str, problems: Problems) -> dict | None:
    if isinstance(value, dict):
        return value
    problems.add(
        located.origin(path),
        what,
        None,
        f"“{what}”应为键值映射",
        f"'{what}' must be a mapping",
        "yaml_shape",
    )
    return None


def _sequence(value, located: Located, path: tuple, what: str, problems: Problems) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    problems.add(
        located.origin(path),
        what,
        None,
        f"“{what}”应为列表",
        f"'{what}' must be a list",
        "yaml_shape",
    )
    return []


def chain_from_located(located: Located) -> ChainSpec:
    problems = Problems()
    root = _mapping(located.data, located, (), "chain", problems)
    problems.raise_if_any()
    _known_keys(root, {c.name for c in CHAIN_FIELDS} | {"nodes"}, located, (), problems)
    fields = parse_fields(CHAIN_FIELDS, root, located.field_origin(()), problems)
    chain = ChainSpec(**(fields or {"key": "", "name": ""}), origin=located.origin(()))
    nodes: list[NodeSpec] = []
    edges: list[EdgeSpec] = []
    technologies: list[tuple[str, TechnologySpec]] = []
    links: list[tuple[str, LinkSpec]] = []
    node_allowed = {c.name for c in NODE_FIELDS} | set(NODE_EXTRAS)
    for i, raw in enumerate(_sequence(root.get("nodes"), located, ("nodes",), "nodes", problems)):
        path = ("nodes", i)
        raw = _mapping(raw, located, path, "nodes", problems)
        if raw is None:
            continue
        _known_keys(raw, node_allowed, located, path, problems)
        origin = located.origin(path)
        parsed = parse_fields(NODE_FIELDS, raw, located.field_origin(path), problems)
        if parsed is None:
            continue
        node = node_from_record(parsed, origin)
        nodes.append(node)
        for j, target in enumerate(
            _sequence(raw.get("input_to"), located, (*path, "input_to"), "input_to", problems)
        ):
            edge_origin = located.origin((*path, "input_to", j))
            try:
                edges.append(EdgeSpec(node.key, _node_key(target), edge_origin))
            except InvalidValue as error:
                problems.add_error(edge_origin, "input_to", target, error)
        for kind, columns, make, out in (
            ("technologies", _TECH_FIELDS, technology_from_record, technologies),
            ("enterprises", _LINK_FIELDS, link_from_record, links),
        ):
            for j, item in enumerate(
                _sequence(raw.get(kind), located, (*path, kind), kind, problems)
            ):
                item_path = (*path, kind, j)
                item = _mapping(item, located, item_path, kind, problems)
                if item is None:
                    continue
                _known_keys(item, {c.name for c in columns}, located, item_path, problems)
                item_origin = located.origin(item_path)
                parsed_item = parse_fields(columns, item, located.field_origin(item_path), problems)
                if parsed_item is not None:
                    out.append((node.key, make(parsed_item, item_origin)))
    if not nodes and not problems:
        problems.add(
            located.origin(("nodes",)),
            "nodes",
            None,
            "产业链没有节点",
            "the chain has no nodes",
            "no_nodes",
        )
    problems.raise_if_any()
    chain = assemble(chain, nodes, edges, technologies, links, problems, node_label="input_to")
    problems.raise_if_any()
    return chain


# --- writing ---------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "zh") and hasattr(value, "value"):  # a vocabulary member
        return value.zh
    return value


def _compact(pairs: list[tuple[str, object]], keep: tuple[str, ...] = ()) -> dict:
    return {k: _plain(v) for k, v in pairs if k in keep or v not in (None, [], "")}


def technology_to_dict(t: TechnologySpec) -> dict:
    return _compact(
        [
            ("name", t.name),
            ("name_en", t.name_en),
            ("control", control_label(t.control)),
            ("maturity", t.maturity),
            ("illustrative", None if t.illustrative else False),
            ("note", t.note),
        ]
    )


def link_to_dict(link: LinkSpec) -> dict:
    capability = Capability.of(link.capability).zh if link.capability else None
    return _compact(
        [
            ("enterprise_name", link.enterprise_name),
            ("credit_code", link.credit_code),
            ("capability", capability),
            ("role", link.role),
            ("illustrative", None if link.illustrative else False),
            ("note", link.note),
        ]
    )


def chain_to_dict(chain: ChainSpec) -> dict:
    """The chain as plain data, in the order a person reads it; ``chain_from_data`` reverses it."""
    targets: dict[str, list[str]] = {}
    for edge in chain.edges:
        targets.setdefault(edge.source, []).append(edge.target)
    nodes = []
    for node in chain.nodes:
        data = _compact(
            [
                ("key", node.key),
                ("name", node.name),
                ("name_en", node.name_en),
                ("segment", node.segment),
                ("kind", node.kind),
                ("problem_class", node.problem_class),
                ("domestic_status", node.domestic_status),
                ("import_dependence", node.import_dependence),
                ("foreign_suppliers", node.foreign_suppliers),
                ("domestic_suppliers", node.domestic_suppliers),
                ("keywords", node.keywords),
                ("industry_codes", node.industry_codes),
                ("platforms", node.platforms),
                ("illustrative", node.illustrative),
                ("source", node.source),
                ("note", node.note),
                ("input_to", targets.get(node.key, [])),
            ],
            keep=("illustrative",),
        )
        if node.technologies:
            data["technologies"] = [technology_to_dict(t) for t in node.technologies]
        if node.enterprises:
            data["enterprises"] = [link_to_dict(link) for link in node.enterprises]
        nodes.append(data)
    head = _compact(
        [
            ("key", chain.key),
            ("name", chain.name),
            ("name_en", chain.name_en),
            ("description", chain.description),
            ("as_of", chain.as_of),
            ("source", chain.source),
        ]
    )
    return head | {"nodes": nodes}


def snapshot(chain: ChainSpec) -> dict:
    """``chain_to_dict`` with dates as text: the JSON kept for each version in the database."""
    data = chain_to_dict(chain)
    if isinstance(data.get("as_of"), dt.date):
        data["as_of"] = data["as_of"].isoformat()
    return data


class _Dumper(yaml.SafeDumper):
    pass


def _represent_list(dumper: yaml.SafeDumper, items: list):
    flow = all(isinstance(item, str | int | float) for item in items) and len(items) <= 12
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def dump_yaml(chain: ChainSpec) -> str:
    return yaml.dump(
        chain_to_dict(chain), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )


def write_yaml(chain: ChainSpec, path: Path) -> Path:
    path = Path(path)
    path.write_text(dump_yaml(chain), encoding="utf-8")
    return path
