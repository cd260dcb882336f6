"""YAML loading that is safe on hostile files and remembers the line of every value.

PyYAML's SafeLoader still expands alias bombs, keeps the last of duplicate keys and recurses
without bound; this loader refuses each of those with a `file:line` message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tessa_tui.base.errors import UserError
from tessa_tui.base.regular_file import FileTooLarge, NotRegularFile, read_regular
from tessa_tui.base.sanitize import sanitize

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 50
MAX_VALUES = 100_000

Location = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("null", "bool", "int", "float", "str")}
_TIMESTAMP_TAG = f"{_TAG}timestamp"
_MERGE_TAG = f"{_TAG}merge"


@dataclass(frozen=True)
class LoadedYaml:
    """A parsed document and the 1-based line of every key and list item in it."""

    data: Any
    source: str
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Location) -> int | None:
        """Line of the value at `location`, or of its nearest ancestor that has one."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return None


def load_yaml_file(path: Path) -> LoadedYaml:
    """Read and parse one YAML file, refusing oversized, non-UTF-8 or hostile content."""
    source = str(path)
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileTooLarge:
        raise UserError(f"file is over the limit of {MAX_FILE_BYTES:,} bytes", source=source) from None
    except NotRegularFile as exc:
        raise UserError(exc.reason, source=source) from None
    except FileNotFoundError:
        raise UserError("file does not exist", source=source) from None
    except OSError as exc:
        raise UserError(f"cannot read file: {exc.strerror or exc}", source=source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError("file is not UTF-8 text", source=source, line=line) from None
    return load_yaml_text(text, source)


# libyaml's parser where PyYAML was built with it: ten times faster than the pure-Python one (the runbook pack
# loads at every start); same events, marks and safe tags. The depth check runs before its recursive composer.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text: str, source: str) -> LoadedYaml:
    """Parse YAML text into plain dicts, lists and scalars with line numbers."""
    if len(text) > MAX_FILE_BYTES:
        raise UserError(f"document is over {MAX_FILE_BYTES:,} characters", source=source)
    try:
        _check_depth(text, source)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise UserError(f"invalid YAML: {sanitize(problem)}", source=source, line=line, field="(document)") from None
    except yaml.YAMLError as exc:
        raise UserError(f"invalid YAML: {sanitize(str(exc))}", source=source) from None
    if node is None:
        return LoadedYaml(None, source)
    builder = _Builder(source)
    data = builder.build(node, ())
    return LoadedYaml(data, source, builder.lines)


def _check_depth(text: str, source: str) -> None:
    """Refuse absurd nesting before composing, since PyYAML's composer recurses per level."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise UserError(f"nesting deeper than {MAX_DEPTH} levels", source=source, line=line, field="(document)")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


class _Builder:
    """Turns a composed node graph into Python values, counting every value built."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[Location, int] = {}
        self._built = 0
        self._depth = 0
        self._scalars = yaml.SafeLoader("")

    def _fail(self, message: str, node: Node, location: Location) -> UserError:
        return UserError(message, source=self.source, line=node.start_mark.line + 1, field=format_location(location))

    def build(self, node: Node, location: Location) -> Any:
        self._built += 1
        if self._built > MAX_VALUES:
            # Aliases share nodes, so a small file can expand to billions of values.
            raise self._fail(f"more than {MAX_VALUES:,} values (an alias expansion bomb?)", node, location)
        self._depth += 1
        try:
            return self._build(node, location)
        finally:
            self._depth -= 1

    def _build(self, node: Node, location: Location) -> Any:
        if self._depth > MAX_DEPTH:  # an alias inside its own anchor (`a: &a [*a]`) nests without end
            raise self._fail(f"nesting deeper than {MAX_DEPTH} levels (a recursive alias?)", node, location)
        if isinstance(node, ScalarNode):
            return self._scalar(node, location)
        if isinstance(node, SequenceNode):
            if node.tag != f"{_TAG}seq":
                raise self._fail(f"tag {_short_tag(node.tag)} is not allowed", node, location)
            items = []
            for index, item in enumerate(node.value):
                self.lines.setdefault((*location, index), item.start_mark.line + 1)
                items.append(self.build(item, (*location, index)))
            return items
        if isinstance(node, MappingNode):
            return self._mapping(node, location)
        raise self._fail("unsupported YAML node", node, location)

    def _scalar(self, node: ScalarNode, location: Location) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # dates stay text: no field of ours takes a datetime object
        if node.tag not in _SCALAR_TAGS:
            raise self._fail(f"tag {_short_tag(node.tag)} is not allowed", node, location)
        try:
            return self._scalars.construct_object(node)
        except ValueError:  # an int past Python's 4,300-digit conversion limit: PyYAML lets int() raise
            raise self._fail("a number with too many digits", node, location) from None

    def _mapping(self, node: MappingNode, location: Location) -> dict[Any, Any]:
        if node.tag != f"{_TAG}map":
            raise self._fail(f"tag {_short_tag(node.tag)} is not allowed", node, location)
        result: dict[Any, Any] = {}
        key_lines: dict[Any, int] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                raise self._fail("a key must be a plain value, not a list or mapping", key_node, location)
            key = self._scalar(key_node, location)
            line = key_node.start_mark.line + 1
            if key in key_lines:
                raise UserError(
                    f"duplicate key {key!r} (first defined on line {key_lines[key]})",
                    source=self.source,
                    line=line,
                    field=format_location(location),
                )
            key_lines[key] = line
            self.lines[(*location, key)] = line
            result[key] = self.build(value_node, (*location, key))
        for merge_node in merges:
            sources = merge_node.value if isinstance(merge_node, SequenceNode) else [merge_node]
            for source_node in sources:
                if not isinstance(source_node, MappingNode):
                    raise self._fail("a merge (<<) takes a mapping or a list of mappings", source_node, location)
                for key, value in self.build(source_node, location).items():
                    result.setdefault(key, value)
        return result


def _short_tag(tag: str) -> str:
    """`tag:yaml.org,2002:python/object` as it was written: `!!python/object`."""
    return tag.replace(_TAG, "!!")


def format_location(location: Location) -> str:
    """Render a path like `services[2].url`; the empty path is `(top level)`."""
    text = ""
    for part in location:
        if not isinstance(part, str) or not _PLAIN_KEY.fullmatch(part):  # a key with spaces, newlines, `.` ...
            text += f"[{sanitize(repr(part))}]"  # quoted and visible: the field stays one line
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_@$-]+")
