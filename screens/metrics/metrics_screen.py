"""The Metrics view (`M` from the dashboard, `:metrics`): one tile per configured series with its value and unit,
its trend as a sparkline, its state as symbol + word + colour and how old its data is, then each source's state
in a line of its own (failing, rate-limited, refused: since when, and why).

Built when first opened, not on the first frame. While it is open a worker runs the engine's watcher and posts
its updates; it owns no timer (the dashboard's tick ages the tiles; a tile is repainted only when its text
changes). Everything shown is plain Text from engine values; a series' name and unit come from the config.
"""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.theme import Theme
from textual.widgets import Static

from screens.context import context_of
from screens.dashboard.dashboard_screen import TickedScreen
from screens.keys import bind
from screens.messages import MetricsPolled
from screens.widgets.footer import KeysFooter
from screens.widgets.state_style import source_lines
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.metrics.model import STATE_SYMBOL, MetricsUpdate, SeriesReading, value_text
from tessa_tui.metrics.report import age_text, source_line, sparkline

SPARK_WIDTH = 24
NO_METRICS = (
    "No metrics configured: add `metrics:` to tessa.yaml with `sources:` (a scrape such as Supabase's Metrics API, "
    "or a Prometheus-compatible query API) and `series:` (name, source, select or query, unit, thresholds)."
)


class MetricsScreen(TickedScreen):
    """Full screen; escape or `M` returns to the dashboard."""

    BINDINGS = [bind("close", "close"), bind("metrics_view", "close", show=False)]
    DEFAULT_CSS = """
    MetricsScreen { background: $background; }
    #metrics-title { dock: top; height: 1; padding: 0 1; background: $panel; color: $foreground; text-style: bold; }
    #metrics-box { height: 1fr; padding: 0 1; }
    #metrics-summary { height: auto; padding: 1 0; }
    #metrics-tiles { grid-size: 3; grid-gutter: 1 2; height: auto; }
    .metric-tile { height: 6; padding: 0 1; background: $surface; border-left: thick $panel; }
    #metrics-sources { height: auto; padding: 1 0; }
    """

    def __init__(self, clock: Now) -> None:
        super().__init__(id="metrics")
        self._clock = clock
        self._update: MetricsUpdate | None = None
        self._tiles: list[str] = []
        self._edges: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(Text("Metrics"), id="metrics-title")
        with Vertical(id="metrics-box"):
            yield Static(id="metrics-summary")
            yield Grid(id="metrics-tiles")
            yield Static(id="metrics-sources")
        yield KeysFooter()

    def on_mount(self) -> None:
        context = context_of(self)
        settings = context.config.metrics if context is not None else None
        if settings is not None and settings.series:
            self._tiles = [series.name for series in settings.series]
            grid = self.query_one("#metrics-tiles", Grid)
            grid.mount_all(Static(id=f"tile-{n}", classes="metric-tile") for n in range(len(self._tiles)))
        self._draw()
        if context is not None and context.live and settings is not None and settings.series:
            self.run_worker(self._watch(), group="metrics", exclusive=True, exit_on_error=False, description="metrics")

    async def _watch(self) -> None:
        """The engine's watcher, posting each update; it stops when the screen closes (the worker is the screen's)."""
        from tessa_tui.metrics.watch import watch_metrics

        context = context_of(self)
        if context is None or context.config.metrics is None:
            return
        async for update in watch_metrics(context.config.metrics, context.secrets, clock=self._clock):
            self.post_message(MetricsPolled(update))

    def on_metrics_polled(self, message: MetricsPolled) -> None:
        self._update = message.update
        self._draw()

    def _draw(self) -> None:
        if not self._tiles:
            self._show("#metrics-summary", Text(NO_METRICS, style="dim"))
            return
        update = self._update
        if update is None:
            self._show("#metrics-summary", Text("reading…", style="dim"))
            return
        now = self._clock()
        theme = self.app.current_theme
        readings = {reading.name: reading.at(now) for reading in update.series}
        self._show("#metrics-summary", _summary(list(readings.values()), theme))
        for n, name in enumerate(self._tiles):
            reading = readings.get(name)
            if reading is not None:
                self._show(f"#tile-{n}", _tile(reading, now, theme))
                self._edge(n, _colour(theme, reading.state) or theme.panel or "gray")
        lines = [source_line(source, now) for source in update.sources]
        self._show("#metrics-sources", source_lines(lines, [s.state for s in update.sources], theme))

    def _edge(self, n: int, colour: str) -> None:
        """The tile's left edge in its state's colour, set only when the state changes."""
        if self._edges.get(n) != colour:
            self._edges[n] = colour
            self.query_one(f"#tile-{n}", Static).styles.border_left = ("thick", colour)

    def action_close(self) -> None:
        self.dismiss()


def _colour(theme: Theme, state: str) -> str | None:
    name = {"ok": "success", "warn": "warning", "critical": "error"}.get(state)
    return getattr(theme, name) if name else None


def _tile(reading: SeriesReading, now: datetime, theme: Theme) -> Text:
    """Name and state, the value, the trend, the age and source, and why (a threshold, or why it is unknown)."""
    colour = _colour(theme, reading.state)
    state_style = Style(color=colour, bold=True) if colour else Style(dim=True, bold=True)
    text = Text(reading.name, style=Style(bold=True))
    text.append(f"  {STATE_SYMBOL[reading.state]} {reading.state}", style=state_style)
    value = value_text(reading.value, reading.unit)
    text.append("\n" + value, style=Style(bold=reading.current, dim=not reading.current))
    text.append("\n" + (sparkline(reading.history, SPARK_WIDTH) or "·"), style=Style(color=colour) if colour else "")
    text.append(f"\n{age_text(reading.age(now))} · {reading.source}", style=Style(dim=True))
    if reading.why:
        text.append("\n" + sanitize(reading.why)[:200], style=state_style if reading.state != "ok" else "")
    return text


def _summary(readings: list[SeriesReading], theme: Theme) -> Text:
    """The worst first: how many series are critical, warn or unknown, named."""
    for state in ("critical", "warn"):
        names = [r.name for r in readings if r.state == state]
        if names:
            text = Text(f"{STATE_SYMBOL[state]} {state}: {', '.join(names)}", style=Style(bold=True))
            text.stylize(Style(color=_colour(theme, state)))
            unknown = [r.name for r in readings if r.state == "unknown"]
            if unknown:
                text.append(f"  · not known now: {', '.join(unknown)}", style=Style(dim=True))
            return text
    unknown = [r.name for r in readings if r.state == "unknown"]
    if unknown:
        return Text(f"? not known now: {', '.join(unknown)}", style=Style(bold=True, dim=True))
    return Text(f"● all {len(readings)} series ok", style=Style(color=theme.success, bold=True))
