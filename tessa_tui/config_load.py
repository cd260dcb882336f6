"""Finding, reading and validating tessa.yaml, with one-line errors that name file, line and field."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from tessa_tui.config_model import TessaConfig
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
        raise UserError("file is empty; it needs at least `platform:` and `services:`", source=str(path))
    if not isinstance(document.data, dict):
        kind = type(document.data).__name__
        raise UserError(f"the top level must be a mapping of keys, not a {kind}", source=str(path), line=1)
    secrets: set[str] = set()
    data = _interpolate(document.data, (), document, env, secrets)
    try:
        config = TessaConfig.model_validate(data)
    except ValidationError as exc:
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


def _describe(exc: ValidationError, document: LoadedYaml, secrets: set[str]) -> UserError:
    """Turn pydantic's first error into one line; never echo the offending value (it may be secret)."""
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0]
    location: Location = tuple(first["loc"])
    message = _message(first, location)
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    for secret in secrets:
        if len(secret) >= 4:
            message = message.replace(secret, "****")
    return UserError(
        message,
        source=document.source,
        line=document.line_of(location),
        field=format_location(location) or "(top level)",
    )


def _message(error: Mapping[str, Any], location: Location) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(location[-1])
        allowed = _allowed_keys(location[:-1])
        close = get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return "this key is required"
    text = str(error["msg"])
    return text.removeprefix("Value error, ")


def _allowed_keys(location: Location) -> list[str]:
    """The keys the model at `location` accepts, for did-you-mean hints."""
    annotation: Any = TessaConfig
    for part in location:
        annotation = _child_type(annotation, part)
    model = _unwrap(annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []


def _child_type(annotation: Any, part: str | int) -> Any:
    """The type of `part` inside a model, list or dict type (None when unknown)."""
    container = _unwrap(annotation)
    if isinstance(container, type) and issubclass(container, BaseModel):
        field = next((f for n, f in container.model_fields.items() if part in {n, f.alias}), None)
        return field.annotation if field else None
    args = get_args(container)
    if get_origin(container) is list and args:
        return args[0]
    if get_origin(container) is dict and len(args) == 2:
        return args[1]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip `Optional[...]` and `Annotated[...]` down to the model, list or dict type inside."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in {Union, UnionType}:
        concrete = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(concrete[0]) if len(concrete) == 1 else annotation
    return annotation


def config_json_schema() -> dict[str, Any]:
    """JSON Schema of tessa.yaml (keys as written in the file) for editors' YAML plugins."""
    schema = TessaConfig.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tessa-tui configuration (tessa.yaml)"
    return schema
