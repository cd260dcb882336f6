"""Atlassian Statuspage's manage API: create an incident with affected components, then update it.

(tessa_tui/checks/statuspage_status.py reads public status pages; this module writes to our own.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from tessa_tui.config.integrations import StatusPage
from tessa_tui.config.model import TessaConfig
from tessa_tui.integrations.api_call import IntegrationError, Reply, call_json

STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")


def settings(config: TessaConfig) -> StatusPage:
    sp = config.integrations.statuspage
    if sp is None:
        raise IntegrationError("Statuspage is not configured (`integrations: statuspage:` in tessa.yaml)")
    return sp


async def save_incident(
    config: TessaConfig,
    *,
    incident_id: str | None,
    name: str,
    status: str,
    body: str,
    components: Mapping[str, str],
    secrets: Iterable[str] = (),
) -> Reply:
    """POST a new incident (`incident_id` None) or PATCH an existing one; `components`: id -> component status."""
    sp = settings(config)
    base = f"{sp.api_url.rstrip('/')}/pages/{quote(sp.page_id, safe='')}/incidents"
    incident = {
        "name": name,
        "status": status,
        "body": body,
        "component_ids": list(components),
        "components": dict(components),
    }
    return await call_json(
        "POST" if incident_id is None else "PATCH",
        base if incident_id is None else f"{base}/{quote(incident_id, safe='')}",
        service="Statuspage",
        headers={"Authorization": f"OAuth {sp.token}"},
        body={"incident": incident},
        secrets={*secrets, sp.token},
        deadline=config.integrations.timeout.total_seconds(),
        retries=config.integrations.retries,
        # Each request posts an incident update to subscribers (and a POST a new incident): after a 5xx or
        # a timeout it may have been done, so only a 420/429 or a request that never left is sent again.
        idempotent=False,
    )
