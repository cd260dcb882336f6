"""Finding, reading and validating tessa.yaml, with one-line errors that name file, line and field."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from tessa_tui.config_model import TessaConfig, decode_hook, schema_hook
from tessa_tui.errors import UserError
from tessa_tui.safe_yaml import LoadedYaml, Location, format_location, load_yaml_file
from tessa_tui.user_dirs import config_dir

CONFIG_ENV = "TESSA_CONFIG"
CONFIG_NAME = "tessa.yaml"

# ${NAME} or ${NAME:-default}; $${...} is a literal "${...}".
_ENV_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class LoadedConfig:
    """A validated configuration, the file it came from and the secret values it interpolated."""

    config: TessaConfig
    path: Path
    secrets: frozenset[str]


def locate_config(flag: str | None, environ: Mapping[str, str] | None = None) -> Path:
    """Apply the lookup order: --config, $TESSA_CONFIG, ./tessa.yaml, the user config dir."""
    env = os.environ if environ is None else environ
    if flag:
        return Path(flag).expanduser()
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    candidates = [Path.cwd() / CONFIG_NAME, config_dir() / CONFIG_NAME]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise UserError(
        f"no configuration found (looked for --config, ${CONFIG_ENV}, {looked}); "
        "try `tessa-tui demo`, or copy examples/tessa.yaml"
    )


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read, interpolate and validate one config file; raise UserError on the first problem."""
    env = os.environ if environ is None else environ
    if not path.exists():
        raise UserError("file does not exist", source=str(path))
    if path.is_dir():
        raise UserError("is a directory, not a YAML file", source=str(path))
    document = load_yaml_file(path)
    if document.data is None:
        raise UserError(
            "file is empty; it needs at least `platform:` and `services:`",
            source=str(path),
            line=1,
            field="(document)",
        )
    if not isinstance(document.data, dict):
        kind = type(document.data).__name__
        raise UserError(
            f"the top level must be a mapping of keys, not a {kind}",
            source=str(path),
            line=1,
            field="(top level)",
        )
    secrets: set[str] = set()
    data = _interpolate(document.data, (), document, env, secrets)
    try:
        config = msgspec.convert(data, TessaConfig, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        raise _describe(exc, document, secrets) from None
    return LoadedConfig(config, path, frozenset(secrets))


def _interpolate(
    value: Any, location: Location, document: LoadedYaml, env: Mapping[str, str], secrets: set[str]
) -> Any:
    """Replace ${VAR} references in every string; a missing variable is an error naming it."""
    if isinstance(value, dict):
        return {k: _interpolate(v, (*location, k), document, env, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, (*location, i), document, env, secrets) for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in env:
            secrets.add(env[name])
            return env[name]
        if default is not None:
            return default
        raise UserError(
            f"environment variable {name} is not set",
            source=document.source,
            line=document.line_of(location),
            field=format_location(location),
        )

    return _ENV_REF.sub(substitute, value)


_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<key>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<key>[^`]*)`$")
_NAMED_FIELD = re.compile(r"^`(?P<key>[a-z0-9-]+)`(?::)? ")


def _describe(exc: msgspec.ValidationError, document: LoadedYaml, secrets: set[str]) -> UserError:
    """Turn msgspec's error into file:line, field path and message; never echo the offending value."""
    match = _AT.match(str(exc))
    message = match.group("message") if match else str(exc)
    location = _parse_path(match.group("path") if match else None, document.data)
    if unknown := _UNKNOWN.match(message):
        key = unknown.group("key")
        close = get_close_matches(key, _allowed_keys(location), n=1, cutoff=0.6)
        location = (*location, key)
        message = f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    elif missing := _MISSING.match(message):
        location = (*location, missing.group("key"))
        message = "this key is required"
    elif (named := _NAMED_FIELD.match(message)) and named.group("key") in _allowed_keys(location):
        # Our own checks start with the field they are about: point the line at it.
        location = (*location, named.group("key"))
        message = message[named.end() :]
    if message.startswith("Expected"):  # msgspec's type errors: "Expected `int`, got `str`"
        message = "expected " + message.removeprefix("Expected ").replace("`", "")
    elif message.startswith("Invalid enum value"):
        choices = ", ".join(map(str, _literal_choices(location)))
        message = message[:1].lower() + message[1:] + (f"; choose one of: {choices}" if choices else "")
    for secret in secrets:
        if len(secret) >= 4:
            message = message.replace(secret, "****")
    return UserError(
        message,
        source=document.source,
        line=document.line_of(location),
        field=format_location(location),
    )


def _parse_path(path: str | None, data: Any) -> Location:
    """`$.services[0].url` as a location; a dict key msgspec hides as `[...]` is found again."""
    location: list[str | int] = []
    node: Any = data
    annotation: Any = TessaConfig
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


def _literal_choices(location: Location) -> tuple[object, ...]:
    """The values a `Literal[...]` field at `location` accepts."""
    annotation: Any = TessaConfig
    for part in location:
        annotation = _child_type(annotation, part)
    annotation = _unwrap(annotation)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def _allowed_keys(location: Location) -> list[str]:
    """The keys the struct at `location` accepts, for did-you-mean hints."""
    annotation: Any = TessaConfig
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


def config_json_schema() -> dict[str, Any]:
    """JSON Schema of tessa.yaml (keys as written in the file) for editors' YAML plugins."""
    generated: dict[str, Any] = msgspec.json.schema(TessaConfig, schema_hook=schema_hook)
    definitions = generated["$defs"]
    # The root's properties at the top level, as editors' YAML plugins expect.
    root = definitions.pop("TessaConfig")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **root,
        "title": "tessa-tui configuration (tessa.yaml)",
        "$defs": definitions,
    }
