"""Netlify's API: a site's deploys (`GET /sites/{site_id}/deploys`), which one is published (`GET /sites/{site_id}`:
`published_deploy.id`), and restoring an earlier one (`POST /sites/{site_id}/deploys/{deploy_id}/restore`).
Shapes as tests/vendor_specs/netlify_deploys.openapi.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tessa_tui.config.deployments import DeploymentSource, Netlify
from tessa_tui.deployments.deadline import Deadline
from tessa_tui.deployments.model import Deployment, Status, clean, iso_time
from tessa_tui.deployments.vendor_http import (
    Answer,
    Listing,
    Place,
    exchange,
    malformed,
    need,
    segment,
    unsendable,
)

if TYPE_CHECKING:
    import httpx

STATUS: dict[str, Status] = {
    "ready": "ready",
    "error": "error",
    "rejected": "canceled",
    "new": "queued",
    "enqueued": "queued",
    "pending_review": "queued",
    "accepted": "queued",
    **dict.fromkeys(
        ("building", "uploading", "uploaded", "preparing", "prepared", "processing", "processed", "retrying"),
        "building",
    ),
}


def place(source: DeploymentSource, secrets: frozenset[str]) -> Place:
    return Place("Netlify", f"deployments.sources[{source.name}].netlify", ("site-id",), secrets)


def _site(settings: Netlify) -> str:
    return f"{settings.api_url.rstrip('/')}/sites/{quote(settings.site_id, safe='')}"


async def read(
    client: httpx.AsyncClient, source: DeploymentSource, limit: int, deadline: Deadline, secrets: frozenset[str]
) -> Listing:
    """The site's latest `limit` deploys, newest first, the published one marked; SourceFailure when Netlify
    cannot be asked, refuses, or answers another shape."""
    settings = source.netlify
    assert settings is not None
    where = place(source, secrets)
    listed = need(await _get(client, settings, f"{_site(settings)}/deploys?per_page={limit}", where, deadline))
    if not isinstance(listed.body, list):
        raise malformed(where, "the deploys are not a list")
    site = need(await _get(client, settings, _site(settings), where, deadline))
    if not isinstance(site.body, dict):
        raise malformed(where, "the site is not an object")
    published = site.body.get("published_deploy")
    hidden = frozenset({settings.token, *secrets})
    current = clean(published.get("id"), 80, hidden) if isinstance(published, dict) else ""
    items = listed.body[:limit]
    found = [d for item in items if (d := deployment(item, source.name, current, hidden)) is not None]
    return Listing(tuple(found), len(items) - len(found), settings.site_id)


async def restore(
    client: httpx.AsyncClient,
    source: DeploymentSource,
    site_id: str,
    deploy_id: str,
    deadline: Deadline,
    secrets: frozenset[str],
) -> Answer:
    """Publish the deploy `deploy_id` again (Netlify's "Publish deploy"): Netlify answers 201 with the deploy."""
    settings = source.netlify
    assert settings is not None
    where = place(source, secrets)
    site, deploy = segment(site_id), segment(deploy_id)
    if site is None:
        return unsendable(where, "the site id", site_id)
    if deploy is None:
        return unsendable(where, "the deploy id", deploy_id)
    url = f"{settings.api_url.rstrip('/')}/sites/{site}/deploys/{deploy}/restore"
    return await exchange(client, "POST", url, settings.token, where, deadline=deadline)


async def _get(client: httpx.AsyncClient, settings: Netlify, url: str, where: Place, deadline: Deadline) -> Answer:
    return await exchange(client, "GET", url, settings.token, where, deadline=deadline)


def deployment(item: Any, source: str, current: str = "", hidden: frozenset[str] = frozenset()) -> Deployment | None:
    """One deploy of the list; None for one without an id (left out, counted)."""
    if not isinstance(item, dict):
        return None
    deploy_id = clean(item.get("id"), 80, hidden)
    if not deploy_id:
        return None
    state = item.get("state")
    return Deployment(
        source=source,
        kind="netlify",
        id=deploy_id,
        created_at=iso_time(item.get("created_at")),
        status=STATUS.get(state, "unknown") if isinstance(state, str) else "unknown",
        target=clean(item.get("context"), 40, hidden) or "unknown",
        sha=clean(item.get("commit_ref"), 40, hidden),
        message=clean(item.get("title"), 200, hidden),
        ref=clean(item.get("branch"), 120, hidden),
        creator=clean(item.get("committer"), 80, hidden),
        url=clean(item.get("deploy_ssl_url"), 300, hidden) or clean(item.get("deploy_url"), 300, hidden),
        current=bool(current) and deploy_id == current,
    )
