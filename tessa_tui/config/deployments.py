"""The `deployments:` section: where the Deployments view and the rollback steps read and change deployments
(Vercel projects, Netlify sites, git repositories), their tokens from the environment."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import msgspec

from tessa_tui.config.fields import Duration, Name, Section, doc, duration, http_url, no_nul

EnvToken = Annotated[str, msgspec.Meta(min_length=1)]
VendorId = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
_SEPARATORS = re.compile(r"[\s/?#%\\]")


def vendor_id(value: str | None, field: str) -> None:
    """A project, team or site id goes into a URL as one piece: no separator may hide in it."""
    if value is not None and (_SEPARATORS.search(value) or not value.strip(".")):
        # `.` and `..` are no separators, but a URL drops them as a segment: `/sites/..` is `/`.
        raise ValueError(f"`{field}` is an id or a name: no spaces, `/`, `?`, `#`, `%` or `\\`, not only dots")


class Vercel(Section, frozen=True):
    """A Vercel project: its deployments (REST API `GET /v6/deployments`) and production promotes."""

    project: Annotated[VendorId, doc("The project's id (prj_...) or name.")]
    token: Annotated[EnvToken, doc("An access token, from the environment: `${VERCEL_TOKEN}`; never shown or logged.")]
    team_id: Annotated[VendorId | None, doc("The team (team_...) that owns the project, if a team does.")] = None
    api_url: Annotated[str, doc("REST API base URL.")] = "https://api.vercel.com"

    def __post_init__(self) -> None:
        http_url(self.api_url, "api-url", userinfo=False)
        vendor_id(self.project, "project")
        vendor_id(self.team_id, "team-id")


class Netlify(Section, frozen=True):
    """A Netlify site: its deploys (`GET /api/v1/sites/{site_id}/deploys`) and deploy restores."""

    site_id: Annotated[VendorId, doc("The site's API id (Site configuration: Site details).")]
    token: Annotated[
        EnvToken, doc("A personal access token, from the environment: `${NETLIFY_TOKEN}`; never shown or logged.")
    ]
    api_url: Annotated[str, doc("API base URL.")] = "https://api.netlify.com/api/v1"

    def __post_init__(self) -> None:
        http_url(self.api_url, "api-url", userinfo=False)
        vendor_id(self.site_id, "site-id")


class GitRepository(Section, frozen=True):
    """A git checkout whose recent commits stand for deployments (what a push-to-deploy platform ships)."""

    path: Annotated[str, doc("The checkout's folder (absolute: `~` is not expanded).", min_length=1)]
    branch: Annotated[str | None, doc("The branch to list (default: the checked-out one).")] = None

    def __post_init__(self) -> None:
        no_nul(self.path, "path")
        if self.branch is not None and (self.branch.startswith("-") or "\0" in self.branch or not self.branch):
            raise ValueError("`branch` must be a branch name, not an option")


class DeploymentSource(Section, frozen=True):
    """One place deployments come from: exactly one of `vercel`, `netlify` or `git`."""

    name: Annotated[Name, doc("Shown in the Deployments view's Source column.")]
    vercel: Vercel | None = None
    netlify: Netlify | None = None
    git: GitRepository | None = None

    def __post_init__(self) -> None:
        if sum(kind is not None for kind in (self.vercel, self.netlify, self.git)) != 1:
            raise ValueError("give exactly one of `vercel`, `netlify` or `git`")

    @property
    def kind(self) -> str:
        return "vercel" if self.vercel else "netlify" if self.netlify else "git"


class Deployments(Section, frozen=True):
    """Where deployments come from: the Deployments view (`D`), `tessa-tui deployments`, the rollback steps."""

    sources: Annotated[list[DeploymentSource], doc("Vercel projects, Netlify sites and git checkouts.")] = (
        msgspec.field(default_factory=list)
    )
    interval: Annotated[Duration, doc("Time between reads of a source, from the end of the last (default 60s).")] = (
        duration("60s")
    )
    timeout: Annotated[Duration, doc("Total deadline of one read of a source, every call in it (default 10s).")] = (
        duration("10s")
    )
    limit: Annotated[int, doc("Deployments listed per source (default 20).", ge=1, le=100)] = 20
    recent: Annotated[
        Duration, doc("Deployments younger than this are marked as the first suspects (default 2h, the seed's).")
    ] = duration("2h")

    def __post_init__(self) -> None:
        names = [source.name for source in self.sources]
        twice = next((name for name in names if names.count(name) > 1), None)
        if twice is not None:
            raise ValueError(f"`sources`: name {twice!r} is used twice; names must be unique")
        if self.interval < timedelta(seconds=5):
            raise ValueError("`interval` is at least 5s: the vendors rate-limit their APIs")
        if self.timeout <= timedelta(0) or self.recent <= timedelta(0):
            raise ValueError("`timeout` and `recent` must be longer than 0s")

    def tokens(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(location in the file, value) of every token, which must come from the environment."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        for index, source in enumerate(self.sources):
            settings = source.vercel or source.netlify
            if settings is not None:
                found.append((("deployments", "sources", index, source.kind, "token"), settings.token))
        return found
