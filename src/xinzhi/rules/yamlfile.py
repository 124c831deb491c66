"""Read a declaration file keeping the line of every mapping and value, for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class DeclarationError(ValueError):
    """A declaration that cannot be used, with the file, the line and the reason."""

    def __init__(self, path: Path | str, line: int | None, zh: str, en: str):
        self.path = str(path)
        self.line = line
        self.zh = zh
        self.en = en
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {zh} / {en}")


class Node(dict):
    """A YAML mapping that remembers its line (``.line``) and the line of each key."""

    line: int
    key_lines: dict[str, int]


class Seq(list):
    line: int


class _LineLoader(yaml.SafeLoader):
    pass


def _mapping(loader: _LineLoader, node: yaml.MappingNode) -> Node:
    result = Node()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise DeclarationError(
                loader.name,
                key_node.start_mark.line + 1,
                f"键“{key}”重复",
                f"duplicate key '{key}'",
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _LineLoader, node: yaml.SequenceNode) -> Seq:
    result = Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_yaml(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DeclarationError(
            path, line, f"YAML 格式错误：{exc.problem}", f"not valid YAML: {exc.problem}"
        ) from None
    finally:
        loader.dispose()


def line_of(node: Any, key: str | None = None) -> int | None:
    """The line of ``node`` (a mapping or list), or of one of its keys."""
    if key is not None and isinstance(node, Node):
        return node.key_lines.get(key, node.line)
    return getattr(node, "line", None)
