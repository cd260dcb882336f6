"""Which sources the console reads deployments from, and one read of a source.

With no `deployments:` section, the app's checkout named by the `repo_path` placeholder is read as a git source
(what the runbooks' "recent deployments" steps looked at before the section existed): one model either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tessa_tui.config.deployments import Deployments, DeploymentSource, GitRepository
from tessa_tui.config.model import TessaConfig
from tessa_tui.deployments.deadline import Deadline
from tessa_tui.deployments.vendor_http import Listing

if TYPE_CHECKING:
    import httpx

IMPLICIT_GIT = "git"


def settings_of(config: TessaConfig) -> Deployments:
    """The `deployments:` section, or its defaults with the `repo_path` checkout as the one source."""
    if config.deployments is not None:
        return config.deployments
    repo = config.placeholders.get("repo_path")
    sources = [DeploymentSource(name=IMPLICIT_GIT, git=GitRepository(path=repo))] if repo and "\0" not in repo else []
    return Deployments(sources=sources)


async def read_source(
    client: httpx.AsyncClient, source: DeploymentSource, limit: int, deadline: Deadline, secrets: frozenset[str]
) -> Listing:
    """One read of one source; SourceFailure when it fails in a way the platform or the network explains."""
    if source.vercel is not None:
        from tessa_tui.deployments import vercel

        return await vercel.read(client, source, limit, deadline, secrets)
    if source.netlify is not None:
        from tessa_tui.deployments import netlify

        return await netlify.read(client, source, limit, deadline, secrets)
    from tessa_tui.deployments import git_source

    return await git_source.read(source, limit, deadline)
