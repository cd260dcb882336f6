"""PagerDuty: the REST API v2 (open incidents of the configured services; acknowledge or resolve one) and
the Events API v2 (acknowledge or resolve by dedup key, for setups with an integration key only)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlencode

from tessa_tui.base.errors import UserError
from tessa_tui.base.isolate import internal_reason
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.integrations import PagerDuty
from tessa_tui.config.model import TessaConfig
from tessa_tui.integrations.api_call import IntegrationError, Reply, call_json

__all__ = ["IntegrationError", "PdIncident", "events_v2", "get_status", "list_incidents", "set_status"]

ACCEPT = "application/vnd.pagerduty+json;version=2"
OPEN_STATUSES = ("triggered", "acknowledged")
PAGE_SIZE = 100  # PagerDuty's maximum `limit`
MAX_PAGES = 10  # at most 1,000 open incidents a poll; past that the oldest are the ones left out


@dataclass(frozen=True)
class PdIncident:
    """One PagerDuty incident as the console lists it (outside text sanitised)."""

    id: str
    number: int
    title: str
    status: str
    service: str
    urgency: str
    created_at: datetime
    html_url: str


def _settings(config: TessaConfig) -> PagerDuty:
    pd = config.integrations.pagerduty
    if pd is None:
        raise IntegrationError("PagerDuty is not configured (`integrations: pagerduty:` in tessa.yaml)")
    return pd


def _rest_headers(pd: PagerDuty) -> dict[str, str]:
    if pd.token is None:
        raise IntegrationError("PagerDuty: no REST API `token` configured")
    return {"Authorization": f"Token token={pd.token}", "Accept": ACCEPT}


def _hidden(pd: PagerDuty, secrets: Iterable[str]) -> set[str]:
    # The configured credentials are masked even when the caller did not pass the config's secrets.
    return {*secrets, *(s for s in (pd.token, pd.routing_key) if s)}


async def list_incidents(config: TessaConfig, secrets: frozenset[str] = frozenset()) -> list[PdIncident]:
    """Triggered and acknowledged incidents of the configured services, oldest first; IntegrationError
    (one line, no token) when PagerDuty cannot be asked or refuses.

    The poll's fault boundary: a bug met on the way (ours or a library's) is an IntegrationError too, with
    its details in the crash log, so the incident pane shows one masked line and polls again.
    """
    try:
        return await _list_incidents(config, secrets)
    except UserError:
        raise
    except Exception as exc:
        pd = config.integrations.pagerduty
        hidden = _hidden(pd, secrets) if pd is not None else set(secrets)
        raise IntegrationError(f"PagerDuty: {internal_reason(exc, 'PagerDuty poll', hidden)}") from None


async def _list_incidents(config: TessaConfig, secrets: frozenset[str]) -> list[PdIncident]:
    """Every page (`more`, `offset`), newest first so that the page limit drops the oldest, over all dates:
    without `date_range=all` PagerDuty searches the last month only, and an incident open for longer would
    vanish from the pane. The deadline bounds all the pages together."""
    pd = _settings(config)
    base = [("service_ids[]", s) for s in pd.service_ids] + [("statuses[]", s) for s in OPEN_STATUSES]
    base += [("date_range", "all"), ("limit", str(PAGE_SIZE)), ("sort_by", "created_at:desc")]
    deadline = config.integrations.timeout.total_seconds()
    started = time.monotonic()
    found: dict[str, PdIncident] = {}
    offset = 0
    for _ in range(MAX_PAGES):
        left = deadline - (time.monotonic() - started)
        if left <= 0:
            raise IntegrationError(f"PagerDuty: the incident list took longer than the {deadline:g}s deadline")
        query = [*base, ("offset", str(offset))] if offset else base
        reply = await call_json(
            "GET",
            f"{pd.api_url.rstrip('/')}/incidents?{urlencode(query)}",
            service="PagerDuty",
            headers=_rest_headers(pd),
            secrets=_hidden(pd, secrets),
            deadline=left,
            retries=config.integrations.retries,
        )
        if not reply.ok:
            raise IntegrationError(reply.error)
        items = reply.body.get("incidents") if isinstance(reply.body, dict) else None
        if not isinstance(items, list):
            raise IntegrationError("PagerDuty: the answer has no `incidents` list")
        for item in items:
            if (incident := _incident(item)) is not None:
                found.setdefault(incident.id, incident)  # an incident moved by a new one is not listed twice
        if not items or reply.body.get("more") is not True:
            break
        offset += len(items)
    return sorted(found.values(), key=lambda i: i.created_at)


def _incident(item: Any) -> PdIncident | None:
    """An incident from its JSON; one without an id is skipped rather than failing the list."""
    if not isinstance(item, dict) or not item.get("id"):
        return None
    service = item.get("service")
    if not isinstance(service, dict):
        service = {}
    try:
        created = datetime.fromisoformat(str(item.get("created_at", "")).replace("Z", "+00:00"))
    except ValueError:
        created = datetime.now(UTC)
    number = item.get("incident_number")
    return PdIncident(
        id=sanitize(str(item["id"]))[:40],
        number=number if isinstance(number, int) else 0,
        title=sanitize(str(item.get("title") or item.get("summary") or ""))[:200],
        status=sanitize(str(item.get("status", "")))[:20],
        service=sanitize(str(service.get("summary") or service.get("id") or ""))[:80],
        urgency=sanitize(str(item.get("urgency", "")))[:10],
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        html_url=sanitize(str(item.get("html_url", "")))[:300],
    )


async def get_status(config: TessaConfig, incident_id: str, secrets: Iterable[str] = ()) -> tuple[Reply, str]:
    """GET /incidents/{id}: the Reply and the incident's status now ("" when the answer has none)."""
    pd = _settings(config)
    reply = await call_json(
        "GET",
        f"{pd.api_url.rstrip('/')}/incidents/{quote(incident_id, safe='')}",
        service="PagerDuty",
        headers=_rest_headers(pd),
        secrets=_hidden(pd, secrets),
        deadline=config.integrations.timeout.total_seconds(),
        retries=config.integrations.retries,
    )
    incident = reply.body.get("incident") if reply.ok and isinstance(reply.body, dict) else None
    status = incident.get("status") if isinstance(incident, dict) else None
    return reply, sanitize(status)[:20] if isinstance(status, str) else ""


async def set_status(
    config: TessaConfig, incident_id: str, status: Literal["acknowledged", "resolved"], secrets: Iterable[str] = ()
) -> Reply:
    """PUT /incidents/{id}: acknowledge or resolve it as the configured `from` user. PagerDuty reopens a
    resolved incident that is set to acknowledged: callers read its status first (get_status)."""
    pd = _settings(config)
    # The description's Content-Type is exactly `application/json` (an enum), not with a charset.
    headers = {**_rest_headers(pd), "From": pd.from_ or "", "Content-Type": "application/json"}
    return await call_json(
        "PUT",
        f"{pd.api_url.rstrip('/')}/incidents/{quote(incident_id, safe='')}",
        service="PagerDuty",
        headers=headers,
        body={"incident": {"type": "incident_reference", "status": status}},
        secrets=_hidden(pd, secrets),
        deadline=config.integrations.timeout.total_seconds(),
        retries=config.integrations.retries,
    )


async def events_v2(
    config: TessaConfig, dedup_key: str, action: Literal["acknowledge", "resolve"], secrets: Iterable[str] = ()
) -> Reply:
    """POST /v2/enqueue: acknowledge or resolve the alert with this dedup key (the routing key authenticates)."""
    pd = _settings(config)
    if pd.routing_key is None:
        raise IntegrationError("PagerDuty: no Events API `routing-key` configured")
    return await call_json(
        "POST",
        f"{pd.events_url.rstrip('/')}/v2/enqueue",
        service="PagerDuty Events",
        headers={},
        body={"routing_key": pd.routing_key, "event_action": action, "dedup_key": dedup_key},
        secrets=_hidden(pd, secrets),
        deadline=config.integrations.timeout.total_seconds(),
        retries=config.integrations.retries,
    )
