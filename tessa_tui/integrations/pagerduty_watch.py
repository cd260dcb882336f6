"""PagerDuty watched: its open incidents polled on a cadence, as an async iterator of immutable updates.

The next poll comes only after the last one was taken, `every` seconds later; a failure (no answer within the
deadline, a refusal, a bug of ours) is that update's one-line error, and the poll after it comes all the same.
The incident pane posts each update.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from tessa_tui.base.errors import UserError
from tessa_tui.base.isolate import isolated
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.config.model import TessaConfig

if TYPE_CHECKING:  # loaded by the watcher, in a thread, with httpx
    from tessa_tui.integrations.pagerduty import PdIncident

POLL_S = 30.0
DEADLINE_MARGIN_S = 5.0  # the calls keep their own total deadline; this one only guards against a stuck poll

Sleep = Callable[[float], Awaitable[None]]
ListIncidents = Callable[[TessaConfig, frozenset[str]], Awaitable[list["PdIncident"]]]


class PagerDutyUpdate(NamedTuple):
    """One poll: the open incidents, or the one-line reason there are none to show."""

    incidents: tuple[PdIncident, ...]
    error: str | None
    at: datetime
    """When the poll ended, by the watcher's clock."""


def _load_list_incidents() -> ListIncidents:
    """PagerDuty's listing with its transport (httpx is slow to import: call this in a thread)."""
    import tessa_tui.base.http_fetch  # noqa: F401  loaded here so that the first call does not import it on the loop
    from tessa_tui.integrations.pagerduty import list_incidents

    return list_incidents


async def watch_pagerduty(
    config: TessaConfig,
    secrets: frozenset[str] = frozenset(),
    *,
    every: float = POLL_S,
    clock: Now = utc_now,
    sleep: Sleep = asyncio.sleep,
    list_incidents: ListIncidents | None = None,
) -> AsyncGenerator[PagerDutyUpdate, None]:
    """Poll PagerDuty's open incidents until closed (`list_incidents` defaults to the REST API's)."""
    listing = list_incidents if list_incidents is not None else await asyncio.to_thread(_load_list_incidents)
    deadline = config.integrations.timeout.total_seconds() + DEADLINE_MARGIN_S

    async def poll() -> PagerDutyUpdate:
        try:
            incidents = await asyncio.wait_for(listing(config, secrets), deadline)
        except TimeoutError:
            return PagerDutyUpdate((), f"no answer within {deadline:g}s", clock())
        except UserError as exc:
            return PagerDutyUpdate((), exc.message, clock())
        return PagerDutyUpdate(tuple(incidents), None, clock())

    def fault(reason: str) -> PagerDutyUpdate:
        return PagerDutyUpdate((), reason, clock())

    while True:
        # Whatever an outside service does to the code reading it, the console goes on.
        yield await isolated(poll(), context="PagerDuty poll", on_fault=fault, secrets=secrets)
        await sleep(every)
