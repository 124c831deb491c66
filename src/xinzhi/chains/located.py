"""YAML read with the line of every value, so that a bad chain or rule file names its line.

PyYAML's composer gives nodes with their marks; this walks them once, building the plain
data and a map from each value's path (keys and list indices) to its 1-based line. A key
written twice in one mapping — which PyYAML would silently resolve to the last — is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .problems import ChainFileError, Origin, Problem

Path = tuple


@dataclass
class Located:
    """Plain YAML data with the line of each value, for errors that name file and line."""

    data: object
    file: str
    lines: dict[Path, int] = field(default_factory=dict)

    def origin(self, path: Path) -> Origin:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path and path not in self.lines:
            path = path[:-1]
        return Origin(file=self.file, line=self.lines.get(path, 1))

    def field_origin(self, path: Path):
        """Where each field of the mapping at ``path`` is: ``name -> Origin``."""
        return lambda name: self.origin((*path, name))


def _error(file: str, line: int, zh: str, en: str, code: str) -> ChainFileError:
    return ChainFileError([Problem(Origin(file=file, line=line), None, None, zh, en, code)])


def load_located(text: str, file: str) -> Located:
    """Parse ``text``; a syntax error or a repeated key raises ``ChainFileError`` with the line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise _error(
            file,
            line,
            f"YAML 格式错误：{error.problem}",
            f"YAML syntax error: {error.problem}",
            "yaml_syntax",
        ) from None
    except yaml.YAMLError as error:
        raise _error(
            file, 1, f"YAML 格式错误：{error}", f"YAML syntax error: {error}", "yaml_syntax"
        ) from None
    if root is None:
        raise _error(file, 1, "文件为空", "the file is empty", "empty")
    located = Located(None, file)
    constructor = yaml.SafeLoader("")

    def walk(node: yaml.Node, path: Path) -> object:
        located.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                key = constructor.construct_object(key_node, deep=True)
                if isinstance(key, list | dict):
                    raise _error(
                        file,
                        key_node.start_mark.line + 1,
                        "键必须是文字",
                        "a key must be text",
                        "yaml_key",
                    )
                if key in out:
                    raise _error(
                        file,
                        key_node.start_mark.line + 1,
                        f"键“{key}”重复",
                        f"key '{key}' appears twice",
                        "duplicate_key",
                    )
                out[key] = walk(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [walk(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return constructor.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            raise _error(
                file,
                node.start_mark.line + 1,
                f"无法读取的值：{error}",
                f"unreadable value: {error}",
                "yaml_value",
            ) from None

    located.data = walk(root, ())
    return located
