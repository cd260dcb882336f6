"""JSON lines of every common shape: pino / bunyan, structlog, ECS, OpenTelemetry, zap and logrus JSON, Rust
tracing JSON, Caddy (a response's `status` sets the level), journald (`journalctl -o json`), PostgreSQL's jsonlog,
loguru's `serialize=True`; Docker's json-file, whose `log` is a line of its own, read again.

The scan skims a line with msgspec into a struct of the level and time keys only (every other value skipped,
nothing built): exact where a regex would take a nested key or one inside a string, and as cheap.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import msgspec

from tessa_tui.logs.formats.clock import ISO, iso_time, stamp_time
from tessa_tui.logs.formats.log_format import LogFormat, Scan, go_panic
from tessa_tui.logs.levels import RANK, VALUES, level_of, otel_level, status_level, syslog_level, worst

if TYPE_CHECKING:
    from tessa_tui.logs.levels import Level


class _Skim(msgspec.Struct):
    """The keys a JSON log line names its level and time with; msgspec skips every other."""

    level: Any = None
    lvl: Any = None
    log_level: Any = msgspec.field(name="log.level", default=None)
    severity: Any = None
    severity_text: Any = None
    severityText: Any = None
    levelname: Any = None
    loglevel: Any = None
    error_severity: Any = None  # PostgreSQL jsonlog
    severityNumber: Any = None
    PRIORITY: Any = None  # journald
    status: Any = None  # Caddy's access log, any HTTP access log in JSON
    log: Any = None  # ECS nests {"level": ...}; Docker's json-file holds the line
    fields_at: Any = msgspec.field(name="@fields", default=None)
    record: Any = None  # loguru's serialize=True
    resourceLogs: Any = None
    time: Any = None
    timestamp: Any = None
    at_timestamp: Any = msgspec.field(name="@timestamp", default=None)
    ts: Any = None
    t: Any = None
    datetime: Any = None
    realtime: Any = msgspec.field(name="__REALTIME_TIMESTAMP", default=None)  # journald, µs
    timeUnixNano: Any = None


_SKIM = msgspec.json.Decoder(_Skim)
_DECODE = msgspec.json.Decoder()  # strict: the json module takes what it refuses (NaN, lone surrogates)
_LENIENT = json.JSONDecoder(strict=False)  # raw control bytes in strings: read, then sanitised
_NAMED = 9  # _Skim's first nine fields hold a level name or number
_TIMES = slice(16, 24)
# Truncated or invalid JSON: the first level and time keys, by regex.
_LEVEL_KEY = re.compile(r'"(?:level|lvl|severity|levelname|log\.level|severityText|error_severity)"\s*:\s*"(\w{1,20})"')
_TIME_KEY = re.compile(r'"(?:time|timestamp|@timestamp|ts)"\s*:\s*(?:"([^"\\]{1,60})"|(\d[\d.eE+]{0,30}))')


def _skim(line: str) -> _Skim | None:
    """What msgspec refuses (NaN, a lone surrogate, raw control characters) through the json module."""
    data = _lenient(line)
    if not isinstance(data, dict):
        return None
    try:
        return msgspec.convert(data, _Skim)
    except (msgspec.ValidationError, RecursionError, UnicodeEncodeError):  # a lone surrogate in a key or value
        return None


def _lenient(line: str) -> Any:
    try:
        return _LENIENT.decode(line)
    except (ValueError, RecursionError):
        return None


def decoded(line: str) -> Any:
    """A JSON line decoded (msgspec, the json module for what it refuses); None when it is not JSON."""
    try:
        return _DECODE.decode(line)
    except (msgspec.DecodeError, RecursionError, UnicodeEncodeError):
        return _lenient(line)


def scan_skim(skim: _Skim) -> Scan:
    value = skim.level
    if value is None:
        values = msgspec.structs.astuple(skim)
        value = next((v for v in values[1:_NAMED] if v is not None), None)
    level: Level = "unknown"
    if value is not None:
        level = (VALUES.get(value) if type(value) is str or type(value) is int else None) or level_of(value)
    else:
        level = _other_level(skim)
    status = skim.status
    if type(status) is int and 100 <= status <= 599:
        level = worst(level, status_level(status))
    stamp = skim.time
    if stamp is None:
        stamp = skim.timestamp
    if stamp is None:
        stamp = next((v for v in msgspec.structs.astuple(skim)[_TIMES] if v is not None), None)
        if stamp is None and (skim.record is not None or skim.resourceLogs is not None):
            stamp = _nested_time(skim)
    clock, when = stamp_time(stamp)
    return level, clock, when


def _other_level(skim: _Skim) -> Level:
    if skim.severityNumber is not None:
        return otel_level(skim.severityNumber)
    if skim.PRIORITY is not None:
        return syslog_level(skim.PRIORITY)
    for inner, key in ((skim.log, "level"), (skim.fields_at, "lvl"), (skim.record, "level")):
        if isinstance(inner, dict) and (value := inner.get(key)) is not None:
            return level_of(value.get("name") if isinstance(value, dict) else value)
    if isinstance(skim.resourceLogs, list):
        levels = [otel_level(r.get("severityNumber")) for r in _otel_records(skim.resourceLogs)]
        return max(levels, key=_rank, default="unknown")
    return "unknown"


def _rank(level: Level) -> int:
    return RANK[level]


def _otel_records(resource_logs: list[Any]) -> list[dict[str, Any]]:
    found = []
    for resource in resource_logs[:100]:
        for scope in resource.get("scopeLogs", [])[:100] if isinstance(resource, dict) else []:
            records = scope.get("logRecords", []) if isinstance(scope, dict) else []
            found += [r for r in records[:1000] if isinstance(r, dict)] if isinstance(records, list) else []
    return found


def _nested_time(skim: _Skim) -> Any:
    if isinstance(skim.record, dict) and isinstance(time := skim.record.get("time"), dict):
        return time.get("timestamp")
    if isinstance(skim.resourceLogs, list):
        return next((r.get("timeUnixNano") for r in _otel_records(skim.resourceLogs)), None)
    return None


def _fallback(line: str) -> Scan:
    level = _LEVEL_KEY.search(line, 0, 4096)
    stamp = _TIME_KEY.search(line, 0, 4096)
    clock, when = stamp_time(stamp.group(1) or stamp.group(2)) if stamp else ("", None)
    return (level_of(level.group(1)) if level else "unknown"), clock, when


def json_scan(line: str) -> Scan:
    try:
        return scan_skim(_SKIM.decode(line))
    except (msgspec.DecodeError, RecursionError, UnicodeEncodeError):  # a lone surrogate cannot be UTF-8
        pass
    skim = _skim(line)
    return _fallback(line) if skim is None else scan_skim(skim)


_MESSAGE_KEYS = ("msg", "message", "MESSAGE", "event", "event_message", "body", "log")


def json_message(data: Any) -> str:
    """The message of a decoded JSON record; "" when it has none."""
    if not isinstance(data, dict):
        return ""
    record = data.get("record")
    if isinstance(record, dict) and isinstance(record.get("message"), str):  # loguru
        return str(record["message"])
    for key in _MESSAGE_KEYS:
        value = data.get(key)
        if isinstance(value, str):
            if key == "log" and "stream" in data:  # Docker's json-file: the container's own line
                from tessa_tui.logs.formats.mixed import MIXED

                inner = value.removesuffix("\n")
                return MIXED.message(inner) or inner
            return value
        if key == "MESSAGE" and isinstance(value, list) and all(type(b) is int and 0 <= b < 256 for b in value):
            return bytes(value).decode("utf-8", "replace")  # journald writes a non-UTF-8 message as bytes
        if key == "body" and isinstance(value, dict) and isinstance(value.get("stringValue"), str):
            return str(value["stringValue"])
    for inner, key in (("fields", "message"), ("@fields", "msg")):
        nested = data.get(inner)
        if isinstance(nested, dict) and isinstance(nested.get(key), str):
            return str(nested[key])
    if isinstance(logs := data.get("resourceLogs"), list):
        records = _otel_records(logs)
        bodies = [json_message(r) for r in records]
        return f"{len(records)} records: " + " | ".join(b for b in bodies if b)
    return ""


class JsonFormat(LogFormat):
    name = "json"
    family = "json"
    description = (
        "JSON lines: pino, bunyan, structlog, ECS, OpenTelemetry, zap, logrus, Rust tracing, Caddy, journald, "
        "PostgreSQL jsonlog, loguru serialized"
    )

    def head(self, line: str) -> Scan | None:
        if line[:1] != "{":
            return go_panic(line)
        return json_scan(line)

    def message(self, text: str) -> str:
        return json_message(decoded(text.partition("\n")[0]))


JSON_FORMAT = JsonFormat()

# dockerd's json-file driver writes the keys in this order (daemon/logger/jsonfilelog/jsonlog).
_DOCKER = re.compile(r'\{"log":"((?:[^"\\]|\\.)*)","stream":"(\w+)","time":"([^"]{1,40})"')


def docker_line(line: str) -> tuple[str, str] | None:
    """(the line the container wrote, Docker's time) of a json-file line; None for any other line."""
    match = _DOCKER.match(line)
    if match is None:
        return None
    body = match.group(1)
    if body.endswith("\\n") and "\\" not in body[:-2]:
        return body[:-2], match.group(3)
    try:
        inner = json.loads(f'"{body}"')
    except ValueError:
        return None
    return str(inner).removesuffix("\n"), match.group(3)


class DockerFormat(LogFormat):
    name = "docker"
    family = "json"
    description = "Docker's json-file logs: the container's line read again (its format detected per line)"

    def head(self, line: str) -> Scan | None:
        from tessa_tui.logs.formats.mixed import MIXED

        found = docker_line(line)
        if found is None:
            return go_panic(line)
        inner, stamp = found
        scan = MIXED.head(inner)
        if scan is None:
            return None
        stamp_match = ISO.match(stamp)
        clock, when = iso_time(stamp_match) if stamp_match else (scan[1], scan[2])
        return scan[0], clock, when

    def message(self, text: str) -> str:
        from tessa_tui.logs.formats.mixed import MIXED

        inner = [found[0] if (found := docker_line(line)) else line for line in text.split("\n")]
        joined = "\n".join(inner)
        return MIXED.message(joined) or joined


DOCKER = DockerFormat()
