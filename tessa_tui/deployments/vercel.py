"""Vercel's REST API: a project's deployments (`GET /v6/deployments`), which one production serves
(`GET /v9/projects/{idOrName}`: `targets.production.id`), and promoting an earlier one
(`POST /v10/projects/{projectId}/promote/{deploymentId}`), as tests/vendor_specs/vercel_deployments.openapi.json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from tessa_tui.config.deployments import DeploymentSource, Vercel
from tessa_tui.deployments.deadline import Deadline
from tessa_tui.deployments.model import Deployment, Status, clean, epoch_ms
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
    "READY": "ready",
    "BUILDING": "building",
    "INITIALIZING": "building",
    "QUEUED": "queued",
    "ERROR": "error",
    "CANCELED": "canceled",
    "DELETED": "canceled",
}
PROVIDERS = ("github", "gitlab", "bitbucket")  # Vercel's `meta` keys: githubCommitSha, gitlabCommitSha ...


def place(source: DeploymentSource, secrets: frozenset[str]) -> Place:
    return Place("Vercel", f"deployments.sources[{source.name}].vercel", ("project", "team-id"), secrets)


def _url(settings: Vercel, path: str, query: list[tuple[str, str]]) -> str:
    if settings.team_id:
        query = [*query, ("teamId", settings.team_id)]
    return settings.api_url.rstrip("/") + path + (f"?{urlencode(query)}" if query else "")


async def read(
    client: httpx.AsyncClient, source: DeploymentSource, limit: int, deadline: Deadline, secrets: frozenset[str]
) -> Listing:
    """The project's latest `limit` deployments, newest first, the production one marked; SourceFailure when
    Vercel cannot be asked, refuses, or answers another shape."""
    settings = source.vercel
    assert settings is not None
    where = place(source, secrets)
    query = [("projectId", settings.project), ("limit", str(limit))]
    listed = need(await _get(client, settings, "/v6/deployments", query, where, deadline))
    items = listed.body.get("deployments") if isinstance(listed.body, dict) else None
    if not isinstance(items, list):
        raise malformed(where, "no `deployments` list")
    project = need(
        await _get(client, settings, f"/v9/projects/{quote(settings.project, safe='')}", [], where, deadline)
    )
    if not isinstance(project.body, dict):
        raise malformed(where, "the project is not an object")
    targets = project.body.get("targets")
    production = targets.get("production") if isinstance(targets, dict) else None
    hidden = frozenset({settings.token, *secrets})
    current = clean(production.get("id"), 80, hidden) if isinstance(production, dict) else ""
    project_id = clean(project.body.get("id"), 200, hidden) or settings.project
    found = [d for item in items[:limit] if (d := deployment(item, source.name, current, hidden)) is not None]
    return Listing(tuple(found), len(items[:limit]) - len(found), project_id)


async def promote(
    client: httpx.AsyncClient,
    source: DeploymentSource,
    project_id: str,
    deployment_id: str,
    deadline: Deadline,
    secrets: frozenset[str],
) -> Answer:
    """Point the project's production domains at `deployment_id` (no rebuild): Vercel answers 201 or 202."""
    settings = source.vercel
    assert settings is not None
    where = place(source, secrets)
    project, deployment = segment(project_id), segment(deployment_id)
    if project is None:
        return unsendable(where, "the project id", project_id)
    if deployment is None:
        return unsendable(where, "the deployment id", deployment_id)
    path = f"/v10/projects/{project}/promote/{deployment}"
    return await exchange(client, "POST", _url(settings, path, []), settings.token, where, deadline=deadline)


async def _get(
    client: httpx.AsyncClient,
    settings: Vercel,
    path: str,
    query: list[tuple[str, str]],
    where: Place,
    deadline: Deadline,
) -> Answer:
    return await exchange(client, "GET", _url(settings, path, query), settings.token, where, deadline=deadline)


def deployment(item: Any, source: str, current: str = "", hidden: frozenset[str] = frozenset()) -> Deployment | None:
    """One item of the deployments list; None for one without an id (left out, counted)."""
    if not isinstance(item, dict):
        return None
    uid = clean(item.get("uid"), 80, hidden) or clean(item.get("id"), 80, hidden)
    if not uid:
        return None
    meta = _mapping(item.get("meta"))
    state = item.get("readyState") or item.get("state")
    creator = _mapping(item.get("creator"))

    def commit(field: str, limit: int) -> str:
        return next((value for p in PROVIDERS if (value := clean(meta.get(f"{p}Commit{field}"), limit, hidden))), "")

    return Deployment(
        source=source,
        kind="vercel",
        id=uid,
        created_at=epoch_ms(item.get("created")) or epoch_ms(item.get("createdAt")),
        status=STATUS.get(state, "unknown") if isinstance(state, str) else "unknown",
        target=clean(item.get("target"), 40, hidden) or "preview",
        sha=commit("Sha", 40),
        message=commit("Message", 200),
        ref=commit("Ref", 120),
        creator=clean(creator.get("username"), 80, hidden)
        or clean(creator.get("email"), 80, hidden)
        or commit("AuthorName", 80),
        url=clean(item.get("url"), 300, hidden),
        current=bool(current) and uid == current,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
