"""YAML reading that remembers where each key stood, so errors can name the file and the line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lca.core.errors import InputError, Where

KeyPath = tuple[Any, ...]

# Limits of what one YAML input may hold: a study is a few kilobytes, the largest shipped file
# (inventories/gpus.yaml) about 30 kB and 3,000 values. They stop `/dev/zero`, a deep nesting
# and an alias "bomb" (a few hundred bytes expanding to billions of values) early and clearly.
MAX_BYTES = 1_000_000
MAX_NESTING = 50
MAX_VALUES = 100_000
# libyaml's parser when PyYAML has it (about ten times faster), the pure-Python one otherwise;
# both are safe loaders and give the same nodes and lines.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError("file not found", Where(name)) from None
    except IsADirectoryError:
        raise InputError("is a folder; expected a YAML file", Where(name)) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", Where(name)) from None
    except ValueError as exc:  # a NUL byte in the path
        raise InputError(f"is not a path ({exc})", Where(repr(name))) from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES:,} bytes, the limit for a YAML input",
                         Where(name))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", Where(name)) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML text into a YamlDocument (see read_yaml); the limits above are input errors."""
    if len(text) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES:,} characters, the limit for a YAML input",
                         Where(name))
    loader = None
    try:
        _check_nesting(text, name)
        loader = _LOADER(text)
        node = loader.get_single_node()
        doc = YamlDocument(name, None)
        doc.data = _Converter(loader, doc).convert(node, ()) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise InputError(f"malformed YAML: {problem}", Where(name, line)) from None
    except yaml.reader.ReaderError as exc:
        # A control character or an invalid code point: the reader gives its offset, not a line.
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(f"malformed YAML: character #x{exc.character:04x} is not allowed "
                         f"(a control character)", Where(name, line)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", Where(name)) from None
    finally:
        if loader is not None:
            loader.dispose()
    return doc


def _check_nesting(text: str, name: str) -> None:
    """Refuse collections nested deeper than MAX_NESTING, from the event stream (no recursion),
    before PyYAML's recursive composer sees them."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                raise InputError(f"nested more than {MAX_NESTING} levels deep",
                                 Where(name, event.start_mark.line + 1))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


_COLLECTION_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")
_STR = "tag:yaml.org,2002:str"


class _Converter:
    """Builds plain data from the composed nodes, recording lines, counting values against
    MAX_VALUES (aliases repeat a node: each use counts) and refusing an alias inside itself."""

    def __init__(self, loader: Any, doc: YamlDocument):
        self.loader = loader
        self.doc = doc
        self.count = 0
        self.open: set[int] = set()  # the collections being converted, by id

    def where(self, node: yaml.Node, key: str | None = None) -> Where:
        return Where(self.doc.file, node.start_mark.line + 1, key)

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise InputError(f"holds more than {MAX_VALUES:,} values (are aliases repeating a "
                             f"large block?)", self.where(node))
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            return self.scalar(node)
        if node.tag not in _COLLECTION_TAGS:
            # Only plain lists and mappings: `!!python/object/apply` and kin mean code, `!!set`
            # and `!!omap` nothing a study or a rule file has a use for.
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise InputError(f"malformed YAML: the tag {tag} is not allowed", self.where(node))
        if id(node) in self.open:
            raise InputError("an alias refers to the collection that contains it",
                             self.where(node))
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
            return self.mapping(node, path)
        finally:
            self.open.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[Any, Any]:
        self.loader.flatten_mapping(node)  # resolve `<<: *anchor` merge keys, as PyYAML does
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int, float, bool)):
                raise InputError("a key must be a plain scalar", self.where(key_node))
            if key in out:
                raise InputError(
                    f"duplicate key '{key}' (first at line {self.doc.lines[path + (key,)]})",
                    self.where(key_node, str(key)))
            self.doc.lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = self.convert(value_node, path + (key,))
        return out

    def scalar(self, node: yaml.Node) -> Any:
        """A scalar's value; a tag PyYAML cannot apply (`!!timestamp x`, `!!int 1.5`) is an
        input error, not a crash."""
        if node.tag == _STR:  # most scalars: the constructor would return the text as it is
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # the constructors raise ValueError, TypeError, ...
            tag = str(node.tag).rsplit(":", 1)[-1]
            raise InputError(f"malformed YAML: '{str(node.value)[:40]}' cannot be read as "
                             f"!!{tag} ({type(exc).__name__})", self.where(node)) from None
