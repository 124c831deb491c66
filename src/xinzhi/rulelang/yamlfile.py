"""The one YAML reader of Xinzhi's rule files — declarations, policies, cases, chain maps and
the chain-analysis rules: it keeps the line of every mapping, key, value and list item, for
errors that name the file and the line.

PyYAML would silently keep the last of a key written twice; here that is an error, and so is
a key that is not text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..domain.errors import XinzhiError


class DeclarationError(XinzhiError, ValueError):
    """A rule file that cannot be used, with the file, the line and the reason. ``code`` names
    the kind of problem for programs (``yaml_syntax``, ``duplicate_key`` …)."""

    def __init__(
        self, path: Path | str, line: int | None, zh: str, en: str, code: str = "declaration"
    ):
        self.path = str(path)
        self.line = line
        self.code = code
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(zh, en, message=f"{where}: {zh} / {en}")


class Node(dict):
    """A YAML mapping that remembers its line (``.line``), the line of each key
    (``.key_lines``) and of each value (``.value_lines``)."""

    line: int
    key_lines: dict[str, int]
    value_lines: dict[str, int]


class Seq(list):
    """A YAML list that remembers its line and the line of each item (``.item_lines``)."""

    line: int
    item_lines: list[int]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser where PyYAML has it (about ten times faster: reading the shipped
    declarations was most of a fresh `xinzhi assess` on the demo city), with line marks."""


def _mapping(loader: _LineLoader, node: yaml.MappingNode) -> Node:
    result = Node()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.value_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, list | dict):
            raise DeclarationError(
                loader.name, line, "键必须是文字", "a key must be text", "yaml_key"
            )
        if key in result:
            raise DeclarationError(
                loader.name, line, f"键“{key}”重复", f"duplicate key '{key}'", "duplicate_key"
            )
        result[key] = _value(loader, value_node)
        result.key_lines[key] = line
        result.value_lines[key] = value_node.start_mark.line + 1
    return result


def _sequence(loader: _LineLoader, node: yaml.SequenceNode) -> Seq:
    result = Seq(_value(loader, child) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _value(loader: _LineLoader, node: yaml.Node) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except DeclarationError:
        raise
    except yaml.YAMLError as exc:
        raise DeclarationError(
            loader.name,
            node.start_mark.line + 1,
            f"无法读取的值：{exc}",
            f"unreadable value: {exc}",
            "yaml_value",
        ) from None


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse_yaml_text(text: str, name: str | Path) -> Any:
    """Parse ``text`` (from the file ``name``): mappings are ``Node``, lists ``Seq``; an empty
    document is ``None``. A syntax error, a repeated key or a key that is not text raises
    ``DeclarationError`` with the line."""
    loader = None
    try:
        loader = _LineLoader(text)  # checks the characters already
        loader.name = str(name)
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DeclarationError(
            name,
            mark.line + 1 if mark else None,
            f"YAML 格式错误：{exc.problem}",
            f"not valid YAML: {exc.problem}",
            "yaml_syntax",
        ) from None
    except yaml.YAMLError as exc:
        raise DeclarationError(
            name, None, f"YAML 格式错误：{exc}", f"not valid YAML: {exc}", "yaml_syntax"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(path: Path) -> Any:
    """Read and parse the file ``path`` (see ``parse_yaml_text``)."""
    return parse_yaml_text(path.read_text(encoding="utf-8"), path)


def line_of(node: Any, key: str | None = None) -> int | None:
    """The line of ``node`` (a mapping or list), or of one of its keys."""
    if key is not None and isinstance(node, Node):
        return node.key_lines.get(key, node.line)
    return getattr(node, "line", None)
