"""`{placeholders}` in runbook actions: which names exist, and expansion that never lets a value change the
shape of a command.

A value becomes exactly one argv element (it replaces text inside the element it was written in), one SQL
parameter (`$1`, never spliced into the SQL), a percent-encoded piece of a URL, or plain body text. So
`; rm -rf /`, `$(id)` or a newline stay literal wherever they are put. A value that would begin an argument
with `-` (and so be read as an option: `--output=FILE`) is refused unless the action's `allow-option` names
its placeholder, and a NUL byte or an unpaired surrogate, which no argument can carry, is refused everywhere in `run`.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from tessa_tui.base.errors import UserError
from tessa_tui.runbook.model import INTEGRATION_KINDS, Action

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")

BUILTIN = {
    "incident_id": "the incident the step runs for (empty outside an incident)",
    "now": "the current time, ISO 8601 UTC",
}
STANDARD = {
    "production_url": "the production web app's base URL",
    "staging_url": "the staging web app's base URL",
    "api_url": "the API's base URL",
    "project_id": "the Supabase project id (its ref)",
    "function_name": "an edge function's name",
    "repo_path": "the application's git checkout",
    "backup_file": "a database backup file",
    "client_ip": "a client IP address (blocking, investigating)",
    "user_email": "a user's email address (locking an account)",
    "table_name": "a database table",
    "supabase_api_url": "the Supabase Management API (default https://api.supabase.com)",
    "openai_status_url": "OpenAI's status page (default https://status.openai.com)",
    "deployment_id": "a deployment's id (the Deployments view, D, lists them) or `previous`: the production "
    "deployment before the current one",
}
"""Names the shipped runbooks use; a config's `placeholders:` may add more. Anything else is a typo."""

DEFAULTS = {
    "supabase_api_url": "https://api.supabase.com",
    "openai_status_url": "https://status.openai.com",
    "deployment_id": "previous",
}
"""Values a standard placeholder has unless the config's `placeholders:` gives another (the demo points them at
its own simulations); they count as named by the config for where secrets may go."""


def names_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def unknown_placeholders(action: Action, known: set[str]) -> list[str]:
    """Placeholders of an action that are neither built in, standard, configured (`known`) nor asked for."""
    allowed = known | BUILTIN.keys() | STANDARD.keys() | set(action.ask)
    return sorted({name for text in action.texts() for name in names_in(text)} - allowed)


def fill_text(text: str, values: Mapping[str, str]) -> str:
    """A text to show or copy (quick-reference commands) with the known values in; unknown names stay as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def needed(action: Action) -> list[str]:
    """Every placeholder the action uses, in order of first use."""
    return list(dict.fromkeys(name for text in action.texts() for name in names_in(text)))


@dataclass(frozen=True)
class Expanded:
    """An action with its values in place, ready to run, and shown exactly as it will run."""

    kind: str
    argv: list[str] = field(default_factory=list)
    method: str = "GET"
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    sql: str = ""
    params: list[str] = field(default_factory=list)
    target: str = ""
    """The check's name (`check`), the probe's (`probe`) or the text to copy (`copy`)."""

    def display(self) -> str:
        """The exact command, as the confirmation of a destructive step shows it."""
        if self.kind == "run":
            return shlex.join(self.argv)
        if self.kind == "http":
            return f"{self.method} {self.url}" + (f"\n{self.body}" if self.body else "")
        if self.kind == "sql":
            values = "".join(f"\n  ${n} = {value!r}" for n, value in enumerate(self.params, start=1))
            return self.sql + values
        if self.kind == "rollback":
            platform, deployment, source = self.target, *self.params
            verb = "promote" if platform == "vercel" else "restore"
            which = "the previous production deployment" if deployment == "previous" else deployment
            where = f" (source {source})" if source else ""
            return f"{platform.capitalize()}{where}: {verb} {which} to production, then re-read until it serves it"
        return f"{self.kind} {self.target}" if self.kind != "copy" else self.target


def expand(action: Action, values: Mapping[str, str]) -> Expanded:
    """The action with every placeholder replaced; UserError naming the ones without a value."""
    missing = [name for name in needed(action) if name not in values]
    if missing:
        names = ", ".join(missing)
        raise UserError(f"no value for {names}: set it under `placeholders:` in tessa.yaml (or --set {missing[0]}=...)")

    def plain(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)

    if action.run is not None:
        return Expanded("run", argv=[_argument(arg, values, action.allow_option) for arg in action.run])
    if action.http is not None:
        http = action.http
        headers = {name: plain(value) for name, value in http.headers.items()}
        bad = next((name for name, value in headers.items() if any(c in value for c in "\r\n\0")), None)
        if bad is not None:
            raise UserError(f"header {bad}: a placeholder value holds a line break or a NUL byte")
        body = plain(http.body) if http.body is not None else None
        return Expanded("http", method=http.method, url=_url(http.url, values), headers=headers, body=body)
    if action.sql is not None:
        sql, params = _sql(action.sql, values)
        return Expanded("sql", sql=sql, params=params)
    if action.check is not None:
        return Expanded("check", target=plain(action.check))
    if action.kind in INTEGRATION_KINDS:  # a fixed word; integration_actions fills from the incident
        return Expanded(action.kind, target=str(getattr(action, action.kind)))
    if action.deployments is not None:
        return Expanded("deployments", target=action.deployments)
    if action.metrics is not None:
        return Expanded("metrics", target=action.metrics)
    if action.rollback is not None:
        wanted = plain(action.rollback.deployment).strip()
        return Expanded(
            "rollback", target=action.rollback.platform, params=[wanted, plain(action.rollback.source or "")]
        )
    if action.probe is not None:  # a name from a fixed list: nothing in it to expand
        return Expanded("probe", target=action.probe)
    return Expanded("copy", target=plain(action.copy or ""))


def _argument(template: str, values: Mapping[str, str], allow_option: list[str]) -> str:
    """One argv element: the template's text with the values in; refused when a value would make it an option."""
    argument = PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    if not _passable(argument):
        name = next((n for n in names_in(template) if not _passable(values[n])), None)
        what = f"{{{name}}}: the value" if name else "an argument of `run`"
        raise UserError(f"{what} holds a NUL byte or an unpaired surrogate, which no argument can carry")
    lead = _leading(template, values)
    if lead is not None and values[lead].startswith("-") and lead not in allow_option:
        raise UserError(
            f"{{{lead}}}: the value starts with '-' and would be read as an option; refused "
            f"(a runbook that means it says `allow-option: [{lead}]`)"
        )
    return argument


def _passable(text: str) -> bool:
    """Can `text` be handed to a program as an argument (no NUL; encodable for the OS)?"""
    try:
        return b"\0" not in os.fsencode(text)
    except UnicodeEncodeError:
        return False


def _leading(template: str, values: Mapping[str, str]) -> str | None:
    """The placeholder whose value begins the argument, if its first character comes from a value at all."""
    position = 0
    while (match := PLACEHOLDER.match(template, position)) is not None:
        if values[match.group(1)]:
            return match.group(1)
        position = match.end()  # an empty value: the next placeholder (or literal) begins the argument
    return None


def _url(template: str, values: Mapping[str, str]) -> str:
    """A base URL at the very start goes in as it is; every other value is percent-encoded (`/`, `?`, `#`,
    `&` included), so it cannot add a path, a query or another host."""

    def one(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if match.start() == 0 and re.match(r"https?://", value):
            return value.rstrip("/") if template[match.end() :].startswith("/") else value
        return quote(value, safe="")

    return PLACEHOLDER.sub(one, template)


def _sql(template: str, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """Each distinct placeholder becomes one positional parameter ($1, $2 ...)."""
    order: list[str] = []

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    sql = PLACEHOLDER.sub(one, template)
    return sql, [values[name] for name in order]
