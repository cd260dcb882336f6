"""The Deployments view (`D` from the dashboard): every source's latest deployments, newest first, with age,
status, target, commit and creator; those of the last 2 hours marked (the seed's SEV1 step "check recent
deployments"), the one production serves starred, and each source's state in a line of its own.

Built when first opened, not on the first frame. While it is open a worker runs the engine's watcher and posts
its updates; it owns no timer (the dashboard's tick ages the rows, a cell repainted only when its text changes).
Everything shown is plain Text from sanitised engine values.
"""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.theme import Theme
from textual.widgets import DataTable, Static

from screens.context import context_of
from screens.dashboard.dashboard_screen import TickedScreen
from screens.keys import bind
from screens.messages import DeploymentsPolled
from screens.widgets.footer import KeysFooter
from screens.widgets.state_style import source_lines
from screens.widgets.table_sync import RowTable
from tessa_tui.base.durations import format_duration
from tessa_tui.base.time_source import Now
from tessa_tui.config.model import TessaConfig
from tessa_tui.deployments.model import RECENT_MARK, Deployment, DeploymentsUpdate
from tessa_tui.deployments.report import age_text, source_line, status_text, target_text

# The id before the message: it is what the rollback steps ask for, and a narrow terminal cuts the last column.
COLUMNS = ("Age", "Recent", "Status", "Target", "Source", "Commit", "Id", "Creator", "Message")
WIDTHS = (5, 10, 10, 20, 10, 7, 26, 14, 60)
MAX_ROWS = 200
"""The newest rows shown: many sources times `limit` can reach 10,000, whose cells the tick re-keyed every second
(0.9 s of the event loop each); the summary says how many more there are (`tessa-tui deployments` lists all)."""
NO_SOURCES = (
    "No deployment sources configured: add `deployments:` to tessa.yaml (Vercel projects, Netlify sites, git "
    "checkouts), or a `repo_path` placeholder for the app's checkout."
)


class DeploymentsScreen(TickedScreen):
    """Full screen; escape or `D` returns to the dashboard."""

    BINDINGS = [bind("close", "close"), bind("deployments_view", "close", show=False)]
    DEFAULT_CSS = """
    DeploymentsScreen { background: $background; }
    #deploys-title { dock: top; height: 1; padding: 0 1; background: $panel; color: $foreground; text-style: bold; }
    #deploys-box { height: 1fr; padding: 0 1; }
    #deploys-summary { height: auto; padding: 1 0 0 0; }
    #deploys-sources { height: auto; padding: 1 0; color: $foreground; }
    #deploys-table { height: 1fr; background: $surface; }
    """

    def __init__(self, clock: Now) -> None:
        super().__init__(id="deployments")
        self._clock = clock
        self._update: DeploymentsUpdate | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Deployments"), id="deploys-title")
        with Vertical(id="deploys-box"):
            yield Static(id="deploys-summary")
            yield Static(id="deploys-sources")
            table: DataTable[Text] = RowTable(id="deploys-table")
            for name, width in zip(COLUMNS, WIDTHS, strict=True):
                table.add_column(name, key=name, width=width)
            yield table
        yield KeysFooter()

    def on_mount(self) -> None:
        context = context_of(self)
        self._draw()
        if context is not None and context.live:
            self.run_worker(
                self._watch(), group="deployments", exclusive=True, exit_on_error=False, description="deployments"
            )

    async def _watch(self) -> None:
        """The engine's watcher, posting each update; it stops when the screen closes (the worker is the screen's)."""
        from tessa_tui.deployments.watch import watch_deployments

        context = context_of(self)
        if context is None:
            return
        async for update in watch_deployments(context.config, context.secrets, clock=self._clock):
            self.post_message(DeploymentsPolled(update))

    def on_deployments_polled(self, message: DeploymentsPolled) -> None:
        self._update = message.update
        self._draw()

    def _draw(self) -> None:
        update = self._update
        now = self._clock()
        context = context_of(self)
        theme = self.app.current_theme
        if update is None:
            configured = context is not None and _has_sources(context.config)
            self._show("#deploys-summary", Text("reading…" if configured else NO_SOURCES, style="dim"))
            return
        if not update.sources:
            self._show("#deploys-summary", Text(NO_SOURCES, style="dim"))
            return
        listed = update.deployments()
        self._show("#deploys-summary", _summary(update, listed, now, theme))
        lines = [source_line(reading, now) for reading in update.sources]
        self._show("#deploys-sources", source_lines(lines, [r.state for r in update.sources], theme))
        self._rows(update, listed[:MAX_ROWS], now, theme)

    def _rows(self, update: DeploymentsUpdate, shown: list[Deployment], now: datetime, theme: Theme) -> None:
        """Rows by key: cells updated where their text changed; the rows rebuilt only when their order did."""
        table = self.query_one("#deploys-table", DataTable)
        wanted = {f"{d.source}/{d.id}": _cells(d, now, update, theme) for d in shown}
        if [str(key.value) for key in table.rows] != list(wanted):
            table.clear()
            for key, cells in wanted.items():
                table.add_row(*cells, key=key)
            return
        for key, cells in wanted.items():
            for column, old, new in zip(COLUMNS, table.get_row(key), cells, strict=True):
                if old.markup != new.markup:
                    table.update_cell(key, column, new)

    def action_close(self) -> None:
        self.dismiss()


def _has_sources(config: TessaConfig) -> bool:
    from tessa_tui.deployments.sources import settings_of

    return bool(settings_of(config).sources)


def _colour(theme: Theme, status: str) -> str | None:
    """A status's colour in this theme: ready green, building and queued amber, error red, a commit the primary."""
    name = {"ready": "success", "building": "warning", "queued": "warning", "error": "error", "commit": "primary"}
    return getattr(theme, name[status]) if status in name else None


def _cells(deployment: Deployment, now: datetime, update: DeploymentsUpdate, theme: Theme) -> tuple[Text, ...]:
    recent = deployment.is_recent(now, update.recent_within)
    colour = _colour(theme, deployment.status)
    status_style = Style(color=colour, bold=deployment.status == "error") if colour else Style(dim=True)
    mark = Text(f"{RECENT_MARK} last {format_duration(update.recent_within)}" if recent else "")
    mark.stylize(Style(color=theme.warning, bold=True))
    return (
        Text(age_text(deployment.age(now)), style=Style(bold=recent)),
        mark,
        Text(status_text(deployment), style=status_style),
        Text(target_text(deployment), style=Style(bold=deployment.current)),
        Text(deployment.source),
        Text(deployment.sha[:7] or "-"),
        Text(deployment.id),
        Text(deployment.creator or "-"),
        Text(deployment.message or "-"),
    )


def _summary(update: DeploymentsUpdate, listed: list[Deployment], now: datetime, theme: Theme) -> Text:
    """The answer to the SEV1 step: the deployments of the last 2 hours, and for which sources that is not known."""
    within = format_duration(update.recent_within)
    recent = [d for d in listed if d.is_recent(now, update.recent_within)]
    unread = [s.name for s in update.sources if s.state != "ok"]
    if recent:
        count = f"{len(recent)} deployment{'s' * (len(recent) != 1)}"
        text = Text(f"{RECENT_MARK} {count} in the last {within}: the first suspects", style=Style(bold=True))
        text.stylize(Style(color=theme.warning))
    elif unread:
        text = Text(f"? none in the last {within} among the sources read", style=Style(bold=True))
    else:
        text = Text(f"● no deployments in the last {within}", style=Style(color=theme.success, bold=True))
    if unread:
        note = f"  · not read now: {', '.join(unread)} (their rows are as last read, if ever)"
        text.append(note, style=Style(color=theme.error))
    if len(listed) > MAX_ROWS:
        text.append(f"  · the newest {MAX_ROWS} of {len(listed)} shown (tessa-tui deployments lists all)")
    return text
