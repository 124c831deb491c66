"""A chain or chain-rule file's data with the line of every value, so that a bad file names its
line: read by the rule language's one YAML reader (``rulelang.yamlfile``), then flattened to
plain data and a map from each value's path (keys and list indices) to its 1-based line."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..rulelang.yamlfile import DeclarationError, Node, Seq, parse_yaml_text
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
        root = parse_yaml_text(text, file)
    except DeclarationError as error:
        raise _error(file, error.line or 1, error.zh, error.en, error.code) from None
    if root is None:
        raise _error(file, 1, "文件为空", "the file is empty", "empty")
    located = Located(None, file, {(): getattr(root, "line", 1)})

    def walk(value: object, path: Path) -> object:
        """Plain dicts and lists, recording the line of every value under its path."""
        if isinstance(value, Node):
            out = {}
            for key, item in value.items():
                located.lines[(*path, key)] = value.value_lines[key]
                out[key] = walk(item, (*path, key))
            return out
        if isinstance(value, Seq):
            out_list = []
            for i, item in enumerate(value):
                located.lines[(*path, i)] = value.item_lines[i]
                out_list.append(walk(item, (*path, i)))
            return out_list
        return value

    located.data = walk(root, ())
    return located
