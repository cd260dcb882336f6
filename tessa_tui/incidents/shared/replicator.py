"""The sync between this machine's journal and the shared one: push the outbox, pull what others wrote, listen.

Local first: the console and the CLI commit every event to the local journal exactly as without a shared
journal (so a tick is `[x]` once it is durable here, even while PostgreSQL is down); this loop then pushes it
and pulls other machines' events into the local journal, where the book folds them. A notification wakes it
at once; a pull every `pull_interval` is the safety net for a notification missed while the connection was
down. It never stops on a fault: unreachable, refused or a bug, it says why (`status`) and tries again.

A read-only console writes nothing: it pulls into memory (`on_rows`) and pushes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from tessa_tui.base.isolate import internal_reason
from tessa_tui.base.time_source import Now
from tessa_tui.config.model import SharedJournal
from tessa_tui.incidents.journal import Journal, JournalError
from tessa_tui.incidents.shared import replica
from tessa_tui.incidents.shared.presence import EVERY, Presence, Roster, parse
from tessa_tui.incidents.shared.remote import BATCH, SharedConnection, SharedUnavailable
from tessa_tui.incidents.shared.replica import Row
from tessa_tui.incidents.shared.status import Mode, SyncStatus

BACKOFF_MAX_S = 15.0
ROSTER_S = 4.0
REFUSED_RETRY_S = 60.0
NOTE_CONTACT_EVERY = timedelta(minutes=1)


def _nothing() -> None:
    return None


class Replicator:
    """Keeps one local journal in sync with the shared journal; `status` and `roster` say how it stands."""

    def __init__(
        self,
        journal: Journal,
        config: SharedJournal,
        presence: Presence,
        *,
        on_news: Callable[[], object] = _nothing,
        on_status: Callable[[], object] = _nothing,
        on_rows: Callable[[Sequence[Row]], None] | None = None,
        clock: Now = lambda: datetime.now(UTC),
    ) -> None:
        self.journal = journal
        self.config = config
        self.presence = presence
        self.roster = Roster()
        self._on_news = on_news
        self._on_status = on_status
        self._on_rows = on_rows
        self._clock = clock
        self._conn = SharedConnection(config)
        self._wake = asyncio.Event()
        self._cursor: int | None = None
        self._mode: Mode = "connecting"
        self._since: datetime | None = None
        self._reason = ""
        self._waiting = 0
        self._held = 0
        self._refused_rows = 0
        self._replied: datetime | None = None
        self._reported: SyncStatus | None = None
        self._reached = False  # this session got as far as live
        self._announce_due = False
        self._task: asyncio.Task[None] | None = None  # `run`'s, while it runs
        self._pushed_to = 0  # every local row up to this seq is pushed, or held back (`_held_seqs`)
        self._held_seqs: set[int] = set()
        self._contact: datetime | None = None  # when the shared journal last answered (this journal's record)
        self._noted: datetime | None = None  # when that was last written to the local journal

    @property
    def writes(self) -> bool:
        """Whether it pushes and writes the local journal (a read-only console does neither)."""
        return self._on_rows is None and self.journal.read_only is None

    def status(self) -> SyncStatus:
        return SyncStatus(self._mode, self._waiting, self._since, self._reason, self._held, self._refused_rows)

    def kick(self) -> None:
        """A local event was committed: push it now (call on the event loop's thread)."""
        self._wake.set()

    def show(self, incident: str, *, again: bool = False) -> None:
        """The incident now on this console's screen (empty: none): announced at once (`again`: even when it
        is the same, because something else about this console changed)."""
        if incident != self.presence.incident or again:
            self.presence = dataclasses.replace(self.presence, incident=incident)
            self._wake.set()
            self._announce_due = True

    async def run(self) -> None:
        """Sync until cancelled; every fault becomes `status`, then a retry after a pause."""
        self._task = asyncio.current_task()
        backoff = 1.0
        await self._recall_contact()
        while True:
            self._reached = False
            fault: tuple[Mode, str]
            try:
                await self._session()
            except asyncio.CancelledError:
                await self._leave()
                raise
            except SharedUnavailable as exc:
                fault = ("refused" if exc.permanent else "offline", exc.reason)
            except JournalError as exc:
                fault = ("offline", f"local journal: {exc.message}")
            except Exception as exc:  # a bug: one line in the status, and the loop goes on
                fault = ("offline", internal_reason(exc, "shared journal sync", {self.config.dsn}))
            await self._conn.close()
            await self._count_waiting()  # what failed to go is counted the moment it is said to be offline
            self._down(*fault)
            if self._reached:  # it was live: a new outage starts from a short pause again
                backoff = 1.0
            pause = REFUSED_RETRY_S if self._mode == "refused" else backoff
            backoff = min(BACKOFF_MAX_S, backoff * 2)
            await self._rest(pause)

    async def sync_once(self, deadline_s: float | None = None) -> SyncStatus:
        """Connect, push everything, pull everything, close: the CLI's sync. Never raises for the shared side:
        the status says what happened."""
        deadline = deadline_s if deadline_s is not None else self.config.connect_timeout.total_seconds() + 10
        await self._recall_contact()
        try:
            async with asyncio.timeout(deadline):
                await self._conn.connect()
                await self._exchange()
                await self._live()
        except TimeoutError:
            self._down("offline", f"no answer within {deadline:g}s")
        except SharedUnavailable as exc:
            self._down("refused" if exc.permanent else "offline", exc.reason)
        except JournalError as exc:
            self._down("offline", f"local journal: {exc.message}")
        except Exception as exc:  # a bug: the command's event is saved here; say so, never lose the exit code
            self._down("offline", internal_reason(exc, "shared journal sync", {self.config.dsn}))
        finally:
            await self._conn.close()
        await self._count_waiting()
        return self.status()

    async def _count_waiting(self) -> None:
        if self.writes:
            with contextlib.suppress(JournalError):
                self._waiting = await asyncio.to_thread(replica.waiting, self.journal)

    async def _session(self) -> None:
        await self._conn.connect()
        await self._conn.listen(self._wake.set, self._heard)
        await self._conn.announce(self.presence.payload(hello=True))
        beat = self._clock() + EVERY
        interval = self.config.pull_interval.total_seconds()
        while True:
            self._wake.clear()
            await self._exchange()
            await self._live()
            now = self._clock()
            if now >= beat or self._announce_due:
                self._announce_due = False
                await self._conn.announce(self.presence.payload())
                beat = now + EVERY
            if self.roster.expire(now):
                self._on_status()
            # At least every ROSTER_S: a console that vanished leaves the roster within GONE_AFTER + ROSTER_S.
            wait = max(0.05, min(interval, ROSTER_S, (beat - now).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            if not self._conn.open:
                raise SharedUnavailable("the connection was lost")

    async def _exchange(self) -> None:
        if self.writes:
            await self._push_all()
        await self._pull_all()

    async def _push_all(self) -> None:
        # Everything up to `_pushed_to` is pushed (or held back): each pass reads only what was committed since,
        # not the whole journal (an incident worked by twenty consoles wakes this loop twenty times a second).
        while True:
            rows, bad = await asyncio.to_thread(replica.outbox, self.journal, self._pushed_to, BATCH)
            if not rows and not bad:
                break
            if rows:
                await self._conn.push(rows)
                await asyncio.to_thread(replica.mark_pushed, self.journal, [r.id for r in rows])
            self._held_seqs.update(bad)
            self._pushed_to = max([r.seq for r in rows] + bad)
        self._held = len(self._held_seqs)
        self._waiting = self._held  # everything readable was pushed; what cannot be read waits for a person

    async def _pull_all(self) -> None:
        if self._cursor is None:
            self._cursor = await asyncio.to_thread(replica.cursor, self.journal) if self.writes else 0
        news = 0
        while True:
            rows = await self._conn.pull(self._cursor)
            if not rows:
                break
            last = max(r if isinstance(r, int) else r.seq for r in rows)
            good = [r for r in rows if isinstance(r, Row)]
            self._refused_rows += len(rows) - len(good)
            if self._on_rows is not None:
                self._on_rows(good)
                news += len(good)
            else:
                news += await asyncio.to_thread(replica.apply_pulled, self.journal, rows, last)
            self._cursor = last
            if len(rows) < BATCH:
                break
        if news:
            self._on_news()

    def _heard(self, payload: str) -> None:
        heard = parse(payload)
        if heard is None:
            return
        now = self._clock()
        if self.roster.hear(heard, now):
            self._on_status()
        # A console that just opened asks who is here: answer (at most once a second), so it knows at once.
        recent = self._replied is not None and (now - self._replied).total_seconds() < 1
        if heard.hello and heard.presence.node != self.presence.node and not recent:
            self._replied = now
            self._announce_due = True
            self._wake.set()

    async def _leave(self) -> None:
        """Say goodbye (so the roster drops this console now, not in 30 s) and close; never raises."""
        # Half a second for each: quitting over a link gone silent must not wait for answers that never come.
        with contextlib.suppress(Exception):
            if self._conn.open:
                async with asyncio.timeout(0.5):
                    await self._conn.announce(self.presence.payload(bye=True))
        with contextlib.suppress(Exception):
            await self._conn.close(grace=0.5)

    async def stop(self) -> None:
        """End `run` (it says goodbye on its way out) and wait for it, or say goodbye here when it is not running:
        nothing of the connection is left pending when the caller's event loop closes."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=2)
        else:
            await self._leave()

    async def _rest(self, seconds: float) -> None:
        """Wait before reconnecting; local commits meanwhile update the count of events waiting."""
        end = asyncio.get_running_loop().time() + seconds
        while (left := end - asyncio.get_running_loop().time()) > 0:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), left)
            if self.writes:
                with contextlib.suppress(JournalError):
                    self._waiting = await asyncio.to_thread(replica.waiting, self.journal)
                    self._report()

    async def _live(self) -> None:
        """It answered: live, and the local journal records the contact (at most once a minute), so "offline
        since" says when it last answered, in this process or the next."""
        self._reached = True
        self._mode, self._reason, self._since = "live", "", None
        now = self._clock()
        self._contact = now
        self._report()
        if self.writes and (self._noted is None or now - self._noted >= NOTE_CONTACT_EVERY):
            with contextlib.suppress(JournalError):
                await asyncio.to_thread(replica.note_contact, self.journal)
                self._noted = now

    async def _recall_contact(self) -> None:
        """When the shared journal last answered before this process (None: never, by this journal's record)."""
        if self._contact is None:
            with contextlib.suppress(JournalError):
                self._contact = replica.last_contact(await asyncio.to_thread(replica.state, self.journal))

    def _report(self) -> None:
        """Tell the owner when what `status` says has changed."""
        status = self.status()
        if status != self._reported:
            self._reported = status
            self._on_status()

    def _down(self, mode: Mode, reason: str) -> None:
        if self._mode in {"live", "connecting"} or self._since is None:
            self._since = self._contact
        self._mode, self._reason = mode, reason
        if self.roster.present(self._clock()):
            self.roster = Roster()  # nobody is known to be here while this console cannot hear them
        self._report()
