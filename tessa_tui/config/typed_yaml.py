"""Validate a parsed YAML document against a msgspec type; errors name the file, line and field path."""

from __future__ import annotations

import re
from collections.abc import Set
from difflib import get_close_matches
from types import UnionType
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from tessa_tui.base.errors import UserError
from tessa_tui.base.safe_yaml import LoadedYaml, Location, format_location
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.model import decode_hook, schema_hook

T = TypeVar("T")


def json_schema(root: type, title: str) -> dict[str, Any]:
    """JSON Schema of a file whose top level is `root`: its properties at the top, as editors' YAML plugins expect."""
    generated: dict[str, Any] = msgspec.json.schema(root, schema_hook=schema_hook)
    definitions = generated["$defs"]
    top = definitions.pop(root.__name__)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **top, "title": title, "$defs": definitions}


def convert_document(data: Any, root: type[T], document: LoadedYaml, secrets: Set[str] = frozenset()) -> T:
    """`data` (the document's value, maybe interpolated) as a `root`; UserError at the failing line otherwise."""
    try:
        return msgspec.convert(data, root, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        raise _describe(exc, root, document, secrets) from None


_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<key>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<key>[^`]*)`$")
_NAMED_FIELD = re.compile(r"^`(?P<key>[a-z0-9-]+)(?:\[(?P<index>\d+)\])?`(?::)? ")


def _describe(exc: msgspec.ValidationError, root: type, document: LoadedYaml, secrets: Set[str]) -> UserError:
    """Turn msgspec's error into file:line, field path and message; never echo the offending value."""
    match = _AT.match(str(exc))
    message = match.group("message") if match else str(exc)
    location = _parse_path(match.group("path") if match else None, document.data, root)
    if unknown := _UNKNOWN.match(message):
        key = unknown.group("key")
        close = get_close_matches(key, _allowed_keys(location, root), n=1, cutoff=0.6)
        location = (*location, key)
        message = f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    elif missing := _MISSING.match(message):
        location = (*location, missing.group("key"))
        message = "this key is required"
    elif (named := _NAMED_FIELD.match(message)) and named.group("key") in _allowed_keys(location, root):
        # Our own checks start with the field they are about: point the line at it.
        location = (*location, named.group("key"))
        if named.group("index") is not None:  # one item of a list field: `conditions[2]`
            location = (*location, int(named.group("index")))
        message = message[named.end() :]
    if message.startswith("Expected"):  # msgspec's type errors: "Expected `int`, got `str`"
        message = "expected " + message.removeprefix("Expected ").replace("`", "")
    elif message.startswith("Invalid enum value"):
        choices = ", ".join(map(str, _literal_choices(location, root)))
        message = message[:1].lower() + message[1:] + (f"; choose one of: {choices}" if choices else "")
    for secret in secrets:
        if len(secret) >= 4:
            message = message.replace(secret, "****")
    return UserError(
        sanitize(message),  # msgspec quotes keys and values as they are: newlines and escapes made visible
        source=document.source,
        line=_line(document, location),
        field=format_location(location),
    )


def _parse_path(path: str | None, data: Any, root: type) -> Location:
    """`$.services[0].url` as a location; a dict key msgspec hides as `[...]` is found again."""
    location: list[str | int] = []
    node: Any = data
    annotation: Any = root
    for key, index in _PATH_PART.findall(path or "$"):
        part: str | int
        if key:
            part = key
        elif index != "...":
            part = int(index)
        else:
            part = _failing_key(node, _child_type(annotation, ""))
        location.append(part)
        annotation = _child_type(annotation, part)
        node = (
            node.get(part)
            if isinstance(node, dict)
            else (node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None)
        )
    return tuple(location)


def _failing_key(mapping: Any, value_type: Any) -> str:
    """The first key of a dict whose value does not convert to `value_type`."""
    if isinstance(mapping, dict) and value_type is not None:
        for key, value in mapping.items():
            try:
                msgspec.convert(value, value_type, dec_hook=decode_hook)
            except (msgspec.ValidationError, TypeError, ValueError):
                return str(key)
    return "..."


def _literal_choices(location: Location, root: type) -> tuple[object, ...]:
    """The values a `Literal[...]` field at `location` accepts."""
    annotation: Any = root
    for part in location:
        annotation = _child_type(annotation, part)
    annotation = _unwrap(annotation)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def _allowed_keys(location: Location, root: type) -> list[str]:
    """The keys the struct at `location` accepts, for did-you-mean hints."""
    annotation: Any = root
    for part in location:
        annotation = _child_type(annotation, part)
    struct = _unwrap(annotation)
    if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
        return [f.encode_name for f in msgspec.structs.fields(struct)]
    return []


def _child_type(annotation: Any, part: str | int) -> Any:
    """The type of `part` inside a struct, list or dict type (None when unknown)."""
    container = _unwrap(annotation)
    if isinstance(container, type) and issubclass(container, msgspec.Struct):
        field = next((f for f in msgspec.structs.fields(container) if f.encode_name == part), None)
        return field.type if field else None
    args = get_args(container)
    if get_origin(container) is list and args:
        return args[0]
    if get_origin(container) is dict and len(args) == 2:
        return args[1]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip `Optional[...]` and `Annotated[...]` down to the struct, list or dict type inside."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in {Union, UnionType}:
        concrete = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(concrete[0]) if len(concrete) == 1 else annotation
    return annotation


def _line(document: LoadedYaml, location: Location) -> int | None:
    """The line of `location`; for a key that is missing, the line of the mapping that should hold it."""
    while location:
        line = document.line_of(location)
        if line is not None:
            return line
        location = location[:-1]
    return 1
