"""Size history: growth over 1 h, 24 h and 7 d from samples kept across restarts."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tessa_tui.database.size_history import SizeHistory
from tests.incident_fixtures import START

MB = 1024 * 1024


def test_growth_over_each_window_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "size_history.sqlite3"
    history = SizeHistory(path)
    for age, size in ((timedelta(days=8), 10), (timedelta(hours=25), 20), (timedelta(minutes=61), 29)):
        history.record("db-a", START - age, size * MB)
    history.record("db-b", START - timedelta(days=2), 999 * MB)  # another database never mixes in
    history.close()
    reopened = SizeHistory(path)
    growth = {g.window: g.bytes // MB for g in reopened.growth("db-a", START, 30 * MB)}
    assert growth == {"1h": 1, "24h": 10, "7d": 20}


def test_a_young_history_reports_only_the_windows_it_covers(tmp_path: Path) -> None:
    history = SizeHistory(tmp_path / "h.sqlite3")
    history.record("db", START - timedelta(hours=2), 5 * MB)
    assert [g.window for g in history.growth("db", START, 6 * MB)] == ["1h"]


def test_samples_closer_than_a_minute_are_not_kept(tmp_path: Path) -> None:
    history = SizeHistory(tmp_path / "h.sqlite3")
    history.record("db", START, 1 * MB)
    history.record("db", START + timedelta(seconds=30), 50 * MB)  # dropped
    history.record("db", START + timedelta(minutes=2), 2 * MB)
    growth = history.growth("db", START + timedelta(hours=1, seconds=30), 3 * MB)
    assert [(g.window, g.bytes // MB) for g in growth] == [("1h", 2)]


def test_read_only_reads_what_a_writer_kept_and_creates_nothing(tmp_path: Path) -> None:
    """A spectator's console shows growth from the samples others keep, and writes no file of its own."""
    path = tmp_path / "h.sqlite3"
    with pytest.raises(sqlite3.Error):
        SizeHistory(path, readonly=True)  # nothing recorded yet: nothing to read, and nothing created
    assert list(tmp_path.iterdir()) == []
    writer = SizeHistory(path)
    writer.record("db", START, 1000)
    writer.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    reader = SizeHistory(path, readonly=True)
    reader.record("db", START + timedelta(hours=2), 5000)  # a no-op
    assert [(g.window, g.bytes) for g in reader.growth("db", START + timedelta(hours=1), 1500)] == [("1h", 500)]
    reader.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == before
