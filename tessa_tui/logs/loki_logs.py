"""Grafana Loki's `GET /loki/api/v1/query_range` (tests/vendor_specs/loki_query_range.openapi.json, written from
Loki's HTTP API documentation): a LogQL log query read forward (`direction=forward`) in pages.

As the documentation says: `start` is inclusive, `end` exclusive, both nanosecond Unix epochs; `limit` caps the
entries of a page across all streams. A full page goes on from its newest entry's time (inclusive: the entries
at that instant come again and are known by their keys). Loki gives entries no id: an entry's key is a digest of
its stream's labels, its time and its line. Lines are untrusted text, parsed like a file's lines (JSON, logfmt...).
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from tessa_tui.base import secret_registry
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.remote_logs import LokiLogs
from tessa_tui.logs.parse import MAX_RECORD, level_of, parse_line
from tessa_tui.logs.remote_cursor import NS, Event, Window
from tessa_tui.logs.remote_http import Api, Deadline, get_json
from tessa_tui.logs.remote_poll import Page

if TYPE_CHECKING:
    import httpx

_LABEL_LEVELS = ("level", "detected_level", "severity", "severity_text", "lvl")
MAX_LABELS = 64


class LokiApi:
    """One configured `loki:` source's requests and entries."""

    def __init__(self, name: str, settings: LokiLogs, secrets: frozenset[str]) -> None:
        self.name = name
        self.settings = settings
        where = f"logs[{name}].loki"
        hidden = {s for s in (settings.token, settings.password) if s}
        credential = f"{where}.token" if settings.token else f"{where}.username` and `{where}.password"
        if not hidden:
            credential = f"{where}` (it sends no credential: add `token` or `username` and `password`"
        self.api = Api("Loki", credential, f"`{where}.org-id` and `{where}.query`", secrets | hidden)
        self._url = settings.url.rstrip("/") + "/loki/api/v1/query_range"
        self.headers: dict[str, str] = {}
        if settings.token:
            self.headers["Authorization"] = f"Bearer {settings.token}"
        elif settings.username is not None and settings.password is not None:
            secret_registry.register_password(settings.password, settings.username)  # the header's base64 too
            pair = f"{settings.username}:{settings.password}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        if settings.org_id:
            self.headers["X-Scope-OrgID"] = settings.org_id
        self.window_ns = int(settings.max_window.total_seconds()) * NS

    def align(self, window: Window) -> Window:
        return window

    def next_start(self, last_ns: int, start_ns: int) -> int:
        return last_ns

    def step_over(self, start_ns: int) -> int:
        return start_ns + 1

    def url(self, start_ns: int, end_ns: int) -> str:
        query = {
            "query": self.settings.query,
            "start": str(start_ns),
            "end": str(end_ns),
            "limit": str(self.settings.limit),
            "direction": "forward",
        }
        return f"{self._url}?{urlencode(query, quote_via=quote)}"

    async def page(self, client: httpx.AsyncClient, start_ns: int, end_ns: int, deadline: Deadline) -> Page:
        body = await get_json(client, self.url(start_ns, end_ns), self.headers, self.api, deadline)
        return self.read_page(body)

    def read_page(self, body: Any) -> Page:
        """An answer's entries as events; RemoteFault for a failed query or another shape."""
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise self.api.fault("failing", "the answer is not what the API documents: no `data` object")
        if body.get("status") != "success":
            raise self.api.fault("failing", "the query did not succeed (`status` is not success)")
        data = body["data"]
        if data.get("resultType") != "streams":
            kind = data.get("resultType")
            said = sanitize(kind[:40]) if isinstance(kind, str) else "no resultType"
            raise self.api.fault(
                "failing", f"a {said} answer, not log lines; `logs[{self.name}].loki.query` must be a log query"
            )
        streams = data.get("result")
        if not isinstance(streams, list):
            raise self.api.fault("failing", "the answer is not what the API documents: `result` is not a list")
        found: list[tuple[Any, dict[str, Any], int]] = []
        for n, stream in enumerate(streams):
            if isinstance(stream, dict) and isinstance(stream.get("values"), list):
                labels = stream.get("stream")
                found += ((value, labels if isinstance(labels, dict) else {}, n) for value in stream["values"])
        limit = self.settings.limit
        if len(found) > limit:
            # More entries than `limit` asked for are not read (200k of them held the event loop for 1.5 s): the
            # oldest `limit` are, and the next page goes on from the newest of them.
            found = sorted(found, key=lambda item: _stamp_order(item[0]))[:limit]
        events: list[Event] = []
        signatures: dict[int, str] = {}
        for value, labels, n in found:
            signature = signatures.get(n)
            if signature is None:
                signature = signatures[n] = _signature(labels)
            event = entry_event(value, labels, signature, self.name)
            if event is not None:
                events.append(event)
        return Page(events, full=len(found) >= limit, skipped=len(found) - len(events))


def entry_event(value: Any, labels: dict[str, Any], signature: str, source: str) -> Event | None:
    """One `[ "<ns>", "<line>" ]` entry as an event; None for anything else (left out, counted)."""
    if not isinstance(value, list) or len(value) < 2:
        return None
    stamp, line = value[0], value[1]
    if not isinstance(stamp, str) or not isinstance(line, str) or not stamp.isascii() or not stamp.isdigit():
        return None
    if len(stamp) > 20 or not 10**17 <= (at_ns := int(stamp)) <= 7_258_118_400 * NS:
        return None
    line = line[:MAX_RECORD]
    record = parse_line(line, "auto", source)
    if record.level == "unknown":
        label = next((v for k in _LABEL_LEVELS if isinstance(v := labels.get(k), str)), None)
        if label is not None:
            record = record._replace(level=level_of(label))
    clock = _clock(at_ns)
    record = record._replace(time_of_day=clock, when=at_ns / NS)
    key = hashlib.sha1(f"{signature}\0{stamp}\0{line}".encode("utf-8", "replace"), usedforsecurity=False).hexdigest()
    return Event(key, at_ns, record)


def _stamp_order(value: Any) -> tuple[int, str]:
    """An entry's place in time for sorting: its nanosecond stamp as text of digits (shorter is older), anything
    else last."""
    stamp = value[0] if isinstance(value, list) and value else None
    if isinstance(stamp, str) and stamp.isascii() and stamp.isdigit() and len(stamp) <= 20:
        return len(stamp), stamp
    return 99, ""


def _signature(labels: dict[str, Any]) -> str:
    pairs = sorted((str(k)[:200], v[:500]) for k, v in list(labels.items())[:MAX_LABELS] if isinstance(v, str))
    return "\0".join(f"{k}={v}" for k, v in pairs)


def _clock(at_ns: int) -> str:
    seconds = at_ns // NS
    return f"{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
