"""Statuspage v2 documents for the demo's simulated OpenAI and Supabase status pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tessa_tui.demo.drills import DrillBoard

COMPONENTS = {
    "openai": ("API", "ChatGPT", "Chat Completions", "Embeddings"),
    "supabase": ("Auth", "Database", "Edge Functions", "Realtime", "Storage"),
}
# (vendor, drill) -> (indicator, description, broken component, component status, incident name)
OUTAGES = {
    ("openai", "ai-chat"): (
        "major",
        "Partial System Outage",
        "Chat Completions",
        "major_outage",
        "Elevated error rates and timeouts on Chat Completions",
    ),
    ("supabase", "login-failures"): (
        "minor",
        "Minor Service Outage",
        "Auth",
        "degraded_performance",
        "Increased authentication errors in us-east-1",
    ),
}


def summary(vendor: str, board: DrillBoard, started: datetime) -> dict[str, Any]:
    """summary.json as Atlassian Statuspage serves it, reflecting the running drills."""
    now = datetime.now(UTC).isoformat()
    outage = next((o for (v, drill), o in OUTAGES.items() if v == vendor and drill in board), None)
    indicator, description = ("none", "All Systems Operational") if outage is None else outage[:2]
    components = [
        {
            "id": f"{vendor}-{i}",
            "name": name,
            "status": outage[3] if outage and name == outage[2] else "operational",
            "updated_at": now,
            "group": False,
        }
        for i, name in enumerate(COMPONENTS[vendor])
    ]
    incidents = []
    if outage is not None:
        incidents.append(
            {
                "id": f"{vendor}-incident",
                "name": outage[4],
                "status": "investigating",
                "impact": indicator,
                "created_at": started.isoformat(),
                "updated_at": now,
                "incident_updates": [
                    {"status": "investigating", "body": "We are investigating this issue.", "created_at": now}
                ],
            }
        )
    return {
        "page": {"id": vendor, "name": vendor.title(), "updated_at": now},
        "status": {"indicator": indicator, "description": description},
        "components": components,
        "incidents": incidents,
        "scheduled_maintenances": [],
    }


def status(vendor: str, board: DrillBoard, started: datetime) -> dict[str, Any]:
    """status.json: just the page and the overall indicator."""
    document = summary(vendor, board, started)
    return {"page": document["page"], "status": document["status"]}
