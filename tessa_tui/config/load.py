"""Finding, reading and validating tessa.yaml, with one-line errors that name file, line and field."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tessa_tui.base import secret_registry
from tessa_tui.base.errors import UserError
from tessa_tui.base.redact import register_auth_header, register_url
from tessa_tui.base.safe_yaml import LoadedYaml, Location, format_location, load_yaml_file
from tessa_tui.base.user_dirs import config_dir, home_path
from tessa_tui.config.model import TessaConfig
from tessa_tui.config.typed_yaml import convert_document, json_schema

CONFIG_ENV = "TESSA_CONFIG"
CONFIG_NAME = "tessa.yaml"

_AUTH_HEADER = re.compile(r"(?i)(basic|bearer|token)\s+\S+$")
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
        return home_path(flag)
    if env.get(CONFIG_ENV):
        return home_path(env[CONFIG_ENV])
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
    document = load_yaml_file(path)  # refuses a missing file, a directory, a FIFO, a device ... in one line
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
    _register_secrets(data, secrets)
    config = convert_document(data, TessaConfig, document, secrets)
    tokens: list[tuple[Location, str | None]] = [
        (("integrations", *k.split(".")), v) for k, v in config.integrations.tokens()
    ]
    tokens += config.deployments.tokens() if config.deployments else []
    tokens += [found for index, source in enumerate(config.logs or []) for found in source.tokens(index)]
    tokens += config.metrics.credentials() if config.metrics else []
    for location, value in tokens:
        if value is not None and value not in secrets:
            # A credential written into the file would be shown, copied and committed with it.
            raise UserError(
                "a credential comes from the environment: write `${NAME}`, never the value",
                source=document.source,
                line=document.line_of(location),
                field=format_location(location),
            )
    return LoadedConfig(config, path, frozenset(secrets))


def _register_secrets(data: Any, from_env: set[str]) -> None:
    """Every secret the config holds joins the process's registry, masked at every exit from now on: values
    from the environment, and the passwords and credential query values of URLs and DSNs written anywhere."""
    secret_registry.register(*from_env)
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if "://" in value or "password" in value.lower():
                register_url(value)
            if scheme := _AUTH_HEADER.match(value):  # `Basic ...` / `Bearer ...` written in the file
                register_auth_header(scheme.group(0))


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


def config_json_schema() -> dict[str, Any]:
    """JSON Schema of tessa.yaml (keys as written in the file) for editors' YAML plugins."""
    return json_schema(TessaConfig, "tessa-tui configuration (tessa.yaml)")
