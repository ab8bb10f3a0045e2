"""YAML reading that remembers where each key stood, so errors can name the file and the line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lca.errors import InputError, Where

KeyPath = tuple[Any, ...]


@dataclass
class YamlDocument:
    """Plain Python data from a YAML file, plus the line (1-based) of every key and item."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def where(self, path: KeyPath) -> Where:
        """The place of a key path: its own line, or its nearest parent's."""
        probe = tuple(path)
        while probe and probe not in self.lines:
            probe = probe[:-1]
        key = ".".join(str(p) for p in path) if path else None
        return Where(self.file, self.lines.get(probe), key)


def read_yaml(path: Path | str, label: str | None = None) -> YamlDocument:
    """Read a YAML file; malformed YAML and duplicate keys are input errors with their line."""
    path = Path(path)
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", Where(name)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", Where(name)) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML text into a YamlDocument (see read_yaml)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        doc = YamlDocument(name, None)
        doc.data = _convert(loader, node, (), doc) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise InputError(f"malformed YAML: {problem}", Where(name, line)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", Where(name)) from None
    finally:
        loader.dispose()
    return doc


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: KeyPath, doc: YamlDocument) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolve `<<: *anchor` merge keys, as PyYAML does
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                raise InputError("a key must be a plain scalar",
                                 Where(doc.file, key_node.start_mark.line + 1))
            if key in out:
                raise InputError(
                    f"duplicate key '{key}' (first at line {doc.lines[path + (key,)]})",
                    Where(doc.file, key_node.start_mark.line + 1, str(key)))
            doc.lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _convert(loader, value_node, path + (key,), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, path + (i,), doc) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
