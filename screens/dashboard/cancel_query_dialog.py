"""Cancel a query or terminate a session from the database pane: confirmed, with a reason, in the timeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import App

from screens.context import context_of
from screens.incident_desk import Write
from screens.widgets.form_dialog import FormDialog, FormSpec
from tessa_tui.base.errors import UserError
from tessa_tui.base.redact import mask_url
from tessa_tui.config.model import DatabaseConfig
from tessa_tui.database.monitor import signal_backend
from tessa_tui.incidents.journal import JournalError

CHOICES = [
    ("cancel", "Cancel its query (pg_cancel_backend): the session stays connected"),
    ("terminate", "Terminate the session (pg_terminate_backend): its open transaction rolls back"),
]


def confirm_cancel(app: App[Any], database: DatabaseConfig, secrets: Iterable[str], pid: int, query: str) -> None:
    """The confirmation dialog; the signal is sent only on enter, once, and then recorded."""
    context = context_of(app)
    desk = context.desk if context is not None else None
    incident = desk.active() if desk else None
    where = (
        f"recorded in {incident.id}'s timeline" if incident else "NOT recorded: no open incident (declare one first)"
    )
    done: dict[str, str] = {}
    kept: Write | None = None  # the record, once planned: a retry records that very event

    async def submit(choice: str | None, reason: str) -> str | None:
        nonlocal kept
        action = choice or "cancel"
        if not reason.strip():
            return "say why: the reason goes into the timeline"
        if "result" not in done:  # a retry after a failed record must not signal twice
            try:
                sent = await signal_backend(database, pid, terminate=action == "terminate", secrets=secrets)
            except (UserError, ConnectionError) as exc:
                return f"not done: {exc}"
            done["result"] = "sent" if sent else "no such backend any more"
        result = done["result"]
        if desk is None or incident is None:
            app.notify(f"{action} pid {pid}: {result} (not recorded: no open incident)", markup=False)
            return None
        write = kept = kept or Write(
            lambda b: b.db_action(
                incident.id,
                action=action,
                pid=pid,
                query=query,
                reason=reason,
                result=result,
                target=mask_url(database.dsn),
            )
        )
        try:
            await desk.commit(write)
        except JournalError as exc:
            return f"{action} {result}, but NOT SAVED in the timeline: {exc.message}. Enter retries the record."
        except UserError as exc:
            if write.pending is None:
                kept = None  # refused when planned: nothing to retry
            return exc.message
        app.notify(f"{action} pid {pid}: {result}; recorded in {incident.id}", title="Database", markup=False)
        return None

    excerpt = query if len(query) <= 160 else query[:159] + "…"
    spec = FormSpec(
        f"Stop backend {pid}?",
        choices=CHOICES,
        text_label="Reason (required)",
        hint=f"query: {excerpt}\n{where} · enter confirms · escape leaves it running",
    )
    app.push_screen(FormDialog(spec, submit))
