"""Layout snapshots of the console (SVG, reviewed by eye in snapshot_report.html on change)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from screens.app import TessaApp
from tessa_tui.config_load import LoadedConfig, load_config

SnapCompare = Callable[..., Any]


def test_dashboard(
    snap_compare: SnapCompare, example_config: LoadedConfig, frozen_clock: Callable[[], datetime]
) -> None:
    assert snap_compare(TessaApp(example_config, clock=frozen_clock), terminal_size=(140, 40))


def test_dashboard_high_contrast(
    snap_compare: SnapCompare, example_config: LoadedConfig, frozen_clock: Callable[[], datetime]
) -> None:
    app = TessaApp(example_config, clock=frozen_clock)
    assert snap_compare(app, terminal_size=(140, 40), press=["ctrl+t"])


def test_help_screen(
    snap_compare: SnapCompare, example_config: LoadedConfig, frozen_clock: Callable[[], datetime]
) -> None:
    app = TessaApp(example_config, clock=frozen_clock)
    assert snap_compare(app, terminal_size=(140, 40), press=["question_mark"])


def test_unconfigured_panes(
    snap_compare: SnapCompare, write_config: Callable[[str], Path], frozen_clock: Callable[[], datetime]
) -> None:
    loaded = load_config(write_config("platform: Bare\nenvironment: staging\n"), environ={})
    assert snap_compare(TessaApp(loaded, clock=frozen_clock), terminal_size=(120, 34))
