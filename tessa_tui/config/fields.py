"""The building blocks of every config section: kebab-case sections that refuse unknown keys, documented
fields, durations, and the checks of URLs, DSNs and paths that the OS or a client would refuse later."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec

from tessa_tui.base.durations import format_duration, parse_duration


class Duration(timedelta):
    """A timedelta written in the file as `30s`, `15m`, `1h30m`, `500ms` or a number of seconds."""

    def __repr__(self) -> str:
        return f"Duration({format_duration(self)!r})"


def duration(text: str) -> Any:
    """A default-factory for a Duration field (msgspec cannot put a custom type in a schema default)."""
    value = parse_duration(text)
    return msgspec.field(default_factory=lambda: Duration(seconds=value.total_seconds()))


def doc(description: str, **constraints: Any) -> msgspec.Meta:
    """Field documentation (and constraints) that also lands in the JSON Schema."""
    return msgspec.Meta(description=description, **constraints)


CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def http_url(value: str | None, field: str, *, userinfo: bool = True) -> None:
    """Raise unless `value` is an http(s) URL with a host (and a port in range, no control characters):
    what the HTTP client would refuse at the first check is refused here, with the field's name. `userinfo=False`
    for an API that takes a token: a user or password in its URL would clash with the token's header."""
    if value is None:
        return
    message = f"`{field}` must be an http:// or https:// URL with a host"
    if CONTROL.search(value):
        raise ValueError(f"{message}, without control characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535" ...: never the value itself
        raise ValueError(f"{message}: {str(exc).split(' as ')[0]}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(message)
    if port == 0:
        raise ValueError(f"`{field}`: port 0 is not a port to connect to (1-65535)")
    if not userinfo and (parts.username is not None or parts.password is not None):
        raise ValueError(f"`{field}` must not carry a user or password (this API takes its token setting)")


def no_nul(value: str | None, field: str) -> None:
    """A path or argument with a NUL character cannot reach the operating system: refuse it here."""
    if value is not None and "\0" in value:
        raise ValueError(f"`{field}` contains a NUL character")


def postgres_dsn(dsn: str) -> None:
    """Refuse what asyncpg would only refuse with an internal error at connect time: a scheme other than
    postgres(ql):// and ports out of range. Messages never quote the DSN (it holds the password)."""
    try:
        parts = urlsplit(dsn.strip())
        query = parse_qs(parts.query, strict_parsing=True) if parts.query else {}
    except ValueError:
        return  # asyncpg says "the DSN could not be parsed" at connect, with the %23 hint; nothing to add here
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError("`dsn` must be a postgresql:// URL, e.g. postgresql://user@host:5432/dbname")
    hosts = parts.netloc.rpartition("@")[2]
    ports = [spec.rpartition("]")[2].partition(":")[2] for spec in hosts.split(",") if spec[:1] != "/"]
    ports += [p for value in query.get("port", []) for p in value.split(",")]
    for text in ports:
        try:
            port = int(unquote(text))  # as asyncpg reads it
        except ValueError:
            continue  # asyncpg's own parse error, handled at connect
        if not 1 <= port <= 65535:
            raise ValueError(f"`dsn`: port {port if abs(port) < 10**6 else '...'} is out of range (1-65535)")


class Section(msgspec.Struct, forbid_unknown_fields=True, frozen=True, rename="kebab", kw_only=True):
    """Base of every config section: unknown keys are errors, keys are kebab-case.

    Subclasses repeat `frozen=True` so that type checkers see it too.
    """


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
