"""The demo's Vercel project and Netlify site: their deployments APIs, with a history of releases, and the
"bad deploy" drill, a new production deployment that breaks the frontend until it is rolled back.

Vercel: `GET /v6/deployments`, `GET /v9/projects/{idOrName}`, `POST /v10/projects/{projectId}/promote/{id}`.
Netlify: `GET /api/v1/sites/{site_id}/deploys`, `GET /api/v1/sites/{site_id}`, `POST .../deploys/{id}/restore`.
Answers have the shapes of the vendors' published descriptions (tests/vendor_specs/; the contract servers in
tests/deployment_contract_servers.py serve these same simulations and check every request and answer against them).
Tokens are checked as the vendors check them: Vercel answers 403 to a token it does not know, Netlify 401.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tessa_tui.demo.drills import DrillBoard

BAD_DEPLOY = "bad-deploy"
VERCEL_PROJECT = "prj_tessaweb0demo"
VERCEL_NAME = "tessa-web"
VERCEL_TEAM = "team_tessademo"
NETLIFY_SITE = "tessa-docs"
BAD_ERROR = "TypeError: Cannot read properties of undefined (reading 'session') at CheckoutPage"


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Release:
    """One deployment in a simulated history."""

    id: str
    created: datetime
    message: str
    ref: str = "main"
    creator: str = "demo-dev"
    state: str = "ready"
    production: bool = True
    version: str = ""
    broken: bool = False
    """Production serving it fails the frontend's health check (the bad-deploy drill's)."""

    @property
    def sha(self) -> str:
        return _sha(self.id + self.message)


@dataclass
class History:
    """Releases newest first, and which one production serves."""

    releases: list[Release] = field(default_factory=list)
    current: str = ""

    def get(self, release_id: str) -> Release | None:
        return next((r for r in self.releases if r.id == release_id), None)

    def serving(self) -> Release | None:
        return self.get(self.current)

    def ship(self, release: Release) -> None:
        """A new deployment; a ready production one goes live at once, as a push to the production branch does."""
        self.releases.insert(0, release)
        if release.production and release.state == "ready":
            self.current = release.id

    def last_good_before(self, release: Release) -> Release | None:
        return next(
            (
                r
                for r in self.releases
                if r.production and r.state == "ready" and not r.broken and r.created < release.created
            ),
            None,
        )


def _ago(now: datetime, **delta: float) -> datetime:
    return now - timedelta(**delta)


def vercel_history(now: datetime) -> History:
    history = History()
    for release in (
        Release("dpl_7Fq2Lm1Xa", _ago(now, hours=26), "release: frontend 1.40.0", version="1.40.0"),
        Release("dpl_8Hw3Np2Yb", _ago(now, hours=8), "release: frontend 1.41.0", version="1.41.0"),
        Release("dpl_9Jx4Qr3Zc", _ago(now, hours=3), "release: frontend 1.41.1", version="1.41.1", state="error"),
        Release(
            "dpl_2Kp5St4Ad",
            _ago(now, minutes=50),
            "preview: try the new header",
            ref="new-header",
            production=False,
            creator="demo-designer",
        ),
        Release("dpl_3Lr6Uv5Be", _ago(now, minutes=20), "release: frontend 1.42.0", version="1.42.0"),
    ):
        history.ship(release)
    return history


def netlify_history(now: datetime) -> History:
    history = History()
    for release in (
        Release("64f0c1a2b3d4e5f6a7b8c9d0", _ago(now, hours=30), "docs: runbook links"),
        Release("64f0c1a2b3d4e5f6a7b8c9d1", _ago(now, hours=5), "docs: on-call rota"),
        Release(
            "64f0c1a2b3d4e5f6a7b8c9d2",
            _ago(now, minutes=40),
            "docs: preview of the incident page",
            ref="incident-page",
            production=False,
        ),
    ):
        history.ship(release)
    return history


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:] if header.startswith("Bearer ") else ""


def _limit(text: str | None, default: int, most: int) -> int:
    return min(int(text), most) if text is not None and text.isdigit() and int(text) > 0 else default


@dataclass
class VercelSim:
    """One Vercel project of one team; `promote_lag`: project reads before a promote shows (Vercel answers 202 and
    moves the domains shortly after)."""

    token: str
    history: History = field(default_factory=lambda: vercel_history(datetime.now(UTC)))
    promote_lag: int = 0
    on_promoted: list[Callable[[], None]] = field(default_factory=list)
    """Called each time production starts serving another deployment through a promote."""
    _pending: tuple[str, int] | None = None

    def _serve(self, release_id: str) -> None:
        self.history.current = release_id
        for listener in self.on_promoted:
            listener()

    def add_routes(self, app: web.Application, prefix: str = "") -> None:
        app.router.add_get(f"{prefix}/v6/deployments", self._deployments)
        app.router.add_get(f"{prefix}/v9/projects/{{project}}", self._project)
        app.router.add_post(f"{prefix}/v10/projects/{{project}}/promote/{{deployment}}", self._promote)

    def _refused(self, request: web.Request, project: str | None) -> web.Response | None:
        if not request.headers.get("Authorization"):
            return _vercel_error(401, "missing_token", "The request is missing an authentication token")
        if _bearer(request) != self.token:
            return _vercel_error(403, "forbidden", "Not authorized")
        if request.query.get("teamId", VERCEL_TEAM) != VERCEL_TEAM:
            return _vercel_error(403, "forbidden", "You don't have permission to access this team")
        if project is not None and project not in (VERCEL_PROJECT, VERCEL_NAME):
            return _vercel_error(404, "not_found", "Project not found")
        return None

    async def _deployments(self, request: web.Request) -> web.Response:
        if refused := self._refused(request, request.query.get("projectId", VERCEL_PROJECT)):
            return refused
        limit = _limit(request.query.get("limit"), 20, 100)
        target = request.query.get("target")
        found = [r for r in self.history.releases if target is None or (target == "production") == r.production]
        page = found[:limit]
        stamp = int(page[-1].created.timestamp() * 1000) if page and len(found) > limit else None
        pagination = {"count": len(page), "next": stamp, "prev": None}
        return web.json_response({"pagination": pagination, "deployments": [self.deployment(r) for r in page]})

    async def _project(self, request: web.Request) -> web.Response:
        if refused := self._refused(request, request.match_info["project"]):
            return refused
        if self._pending is not None:  # a 202 promote: the domains move after a few reads
            release_id, reads = self._pending
            self._pending = (release_id, reads - 1) if reads > 1 else None
            if reads <= 1:
                self._serve(release_id)
        return web.json_response(self.project())

    async def _promote(self, request: web.Request) -> web.Response:
        if refused := self._refused(request, request.match_info["project"]):
            return refused
        release = self.history.get(request.match_info["deployment"])
        if release is None:
            return _vercel_error(400, "bad_request", "Deployment not found")
        if release.state != "ready" or not release.production:
            return _vercel_error(400, "bad_request", "Only a ready production deployment can be promoted")
        if release.id == self.history.current:
            return _vercel_error(409, "conflict", "The deployment is already the production deployment")
        if self.promote_lag:
            self._pending = (release.id, self.promote_lag)
            return web.Response(status=202)
        self._serve(release.id)
        return web.Response(status=201)

    def deployment(self, release: Release) -> dict[str, Any]:
        """A `GET /v6/deployments` item."""
        created = int(release.created.timestamp() * 1000)
        host = f"{VERCEL_NAME}-{release.id[4:12].lower()}-tessademo.vercel.app"
        return {
            "uid": release.id,
            "name": VERCEL_NAME,
            "projectId": VERCEL_PROJECT,
            "url": host,
            "created": created,
            "createdAt": created,
            "buildingAt": created,
            "ready": created + 45_000,
            "source": "git",
            "state": release.state.upper(),
            "readyState": release.state.upper(),
            "type": "LAMBDAS",
            "creator": {"uid": f"usr_{release.creator}", "username": release.creator},
            "meta": {
                "githubCommitSha": release.sha,
                "githubCommitMessage": release.message,
                "githubCommitRef": release.ref,
                "githubCommitAuthorName": release.creator,
            },
            # A preview's target is null on Vercel; left out here, as the published description's enum has no null.
            **({"target": "production"} if release.production else {}),
            "inspectorUrl": f"https://vercel.com/tessademo/{VERCEL_NAME}/{release.id}",
            "isRollbackCandidate": release.production and release.state == "ready",
        }

    def project(self) -> dict[str, Any]:
        """`GET /v9/projects/{idOrName}`: the required fields and `targets.production`."""
        answer: dict[str, Any] = {
            "accountId": VERCEL_TEAM,
            "directoryListing": False,
            "id": VERCEL_PROJECT,
            "name": VERCEL_NAME,
            "nodeVersion": "22.x",
            "resourceConfig": {"functionDefaultRegions": ["iad1"]},
            "defaultResourceConfig": {"functionDefaultRegions": ["iad1"]},
        }
        serving = self.history.serving()
        if serving is not None:
            answer["targets"] = {
                "production": {
                    "id": serving.id,
                    "createdAt": int(serving.created.timestamp() * 1000),
                    "createdIn": "iad1",
                    "creator": {
                        "email": f"{serving.creator}@tessa-demo.example",
                        "uid": f"usr_{serving.creator}",
                        "username": serving.creator,
                    },
                    "deploymentHostname": f"{VERCEL_NAME}-{serving.id[4:12].lower()}",
                    "name": VERCEL_NAME,
                    "plan": "pro",
                    "private": False,
                    "readyState": serving.state.upper(),
                    "type": "LAMBDAS",
                    "url": f"{VERCEL_NAME}.vercel.app",
                    "userId": f"usr_{serving.creator}",
                }
            }
        return answer


def _vercel_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _netlify_error(status: int, message: str) -> web.Response:
    return web.json_response({"code": status, "message": message}, status=status)


@dataclass
class NetlifySim:
    """One Netlify site."""

    token: str
    history: History = field(default_factory=lambda: netlify_history(datetime.now(UTC)))

    def add_routes(self, app: web.Application, prefix: str = "") -> None:
        site = f"{prefix}/api/v1/sites/{{site}}"
        app.router.add_get(f"{site}/deploys", self._deploys)
        app.router.add_get(site, self._site)
        app.router.add_post(f"{site}/deploys/{{deploy}}/restore", self._restore)

    def _refused(self, request: web.Request) -> web.Response | None:
        if _bearer(request) != self.token:
            return _netlify_error(401, "Access Denied: your token is not valid")
        if request.match_info["site"] != NETLIFY_SITE:
            return _netlify_error(404, "Not Found")
        return None

    async def _deploys(self, request: web.Request) -> web.Response:
        if refused := self._refused(request):
            return refused
        limit = _limit(request.query.get("per_page"), 100, 100)
        return web.json_response([self.deploy(r) for r in self.history.releases[:limit]])

    async def _site(self, request: web.Request) -> web.Response:
        if refused := self._refused(request):
            return refused
        return web.json_response(self.site())

    async def _restore(self, request: web.Request) -> web.Response:
        if refused := self._refused(request):
            return refused
        release = self.history.get(request.match_info["deploy"])
        if release is None:
            return _netlify_error(404, "Not Found")
        if release.state != "ready":
            return _netlify_error(422, "Only a ready deploy can be published")
        self.history.current = release.id
        return web.json_response(self.deploy(release), status=201)

    def deploy(self, release: Release) -> dict[str, Any]:
        """A deploy as `GET /sites/{site_id}/deploys` lists it."""
        answer = {
            "id": release.id,
            "site_id": NETLIFY_SITE,
            "state": release.state,
            "name": NETLIFY_SITE,
            "url": f"https://{NETLIFY_SITE}.netlify.app",
            "ssl_url": f"https://{NETLIFY_SITE}.netlify.app",
            "deploy_url": f"http://{release.id}--{NETLIFY_SITE}.netlify.app",
            "deploy_ssl_url": f"https://{release.id}--{NETLIFY_SITE}.netlify.app",
            "branch": release.ref,
            "commit_ref": release.sha,
            "commit_url": f"https://github.com/tessa-demo/docs/commit/{release.sha}",
            "context": "production" if release.production else "deploy-preview",
            "title": release.message,
            "created_at": _iso(release.created),
            "updated_at": _iso(release.created + timedelta(seconds=40)),
            "skipped": False,
            "locked": False,
        }
        if release.production and release.state == "ready":
            answer["published_at"] = _iso(release.created + timedelta(seconds=40))
        return answer

    def site(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "id": NETLIFY_SITE,
            "name": NETLIFY_SITE,
            "url": f"https://{NETLIFY_SITE}.netlify.app",
            "ssl_url": f"https://{NETLIFY_SITE}.netlify.app",
            "admin_url": f"https://app.netlify.com/sites/{NETLIFY_SITE}",
        }
        serving = self.history.serving()
        if serving is not None:
            answer["published_deploy"] = self.deploy(serving)
        return answer


class BadDeployDrill:
    """The bad-deploy drill on the demo's Vercel project: starting it ships a broken release to production (the
    frontend's health fails, errors pour into the app log); production serving anything else ends it, as the
    frontend rollback runbook's promote step does; all-clear rolls it back too."""

    def __init__(self, board: DrillBoard, vercel: VercelSim) -> None:
        self.board = board
        self.vercel = vercel
        self.shipped = 0
        board.on_start.append(self._started)
        board.on_clear.append(self._cleared)
        vercel.on_promoted.append(self._promoted)

    def broken(self) -> bool:
        """Production serves the bad release."""
        serving = self.vercel.history.serving()
        return serving is not None and serving.broken

    def _promoted(self) -> None:
        if not self.broken():  # rolled back: the drill is over (its errors stop, the drill list drops it)
            self.board.active.discard(BAD_DEPLOY)

    def version(self) -> str:
        serving = self.vercel.history.serving()
        return serving.version if serving is not None else ""

    def _started(self, name: str) -> None:
        if name != BAD_DEPLOY or self.broken():  # started twice: one bad release is enough
            return
        self.shipped += 1
        release = Release(
            f"dpl_4Mb{self.shipped:02d}BadWf",
            datetime.now(UTC),
            "feat(checkout): new session handling",
            creator="demo-dev",
            version="1.43.0",
            broken=True,
        )
        self.vercel.history.ship(release)

    def _cleared(self) -> None:
        serving = self.vercel.history.serving()
        if serving is not None and serving.broken:
            good = self.vercel.history.last_good_before(serving)
            if good is not None:
                self.vercel.history.current = good.id
