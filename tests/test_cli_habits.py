"""The CLI as people type it: an optional flag is optional, `now` is a time everywhere, flags that cannot
combine are refused in one line (exit 2), and each demo has its own state dir."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tessa_tui.base.moments import parse_moment
from tessa_tui.demo.platform import claim_state_dir, read_info
from tests.platform_fixtures import RunningDemo

REPO = Path(__file__).resolve().parent.parent
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """`tessa-tui ARGS` in a subprocess on a config with its own journal (and its own user state dir)."""
    config = tmp_path / "tessa.yaml"
    config.write_text(f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: bot\n", encoding="utf-8")
    env = {**os.environ, "TESSA_CONFIG": str(config), "XDG_STATE_HOME": str(tmp_path / "state")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tessa_tui", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=90
        )

    return run


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 with one line on stderr naming `words`, and nothing on stdout."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    assert all(word in result.stderr for word in words), result.stderr
    assert result.stdout == ""


def test_resolve_without_a_summary_and_the_post_mortem_asks_for_it(run: Run, tmp_path: Path) -> None:
    assert run("incident", "declare", "SEV2", "Checkout slow").returncode == 0
    resolved = run("incident", "resolve", "1")
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.stdout.startswith("INC-1: resolved (saved ")
    markdown = run("incident", "export", "1").stdout
    assert "Resolution: not written yet" in markdown.split("## Resolution")[1].split("##")[0]
    # ... and a resolution note written afterwards answers it.
    assert run("incident", "note", "1", "rolled back the deploy", "--section", "resolution").returncode == 0
    section = run("incident", "export", "1").stdout.split("## Resolution")[1].split("##")[0]
    assert "rolled back the deploy" in section and "not written yet" not in section


def test_now_is_a_time_wherever_a_time_is(run: Run) -> None:
    declared = run("incident", "declare", "SEV3", "Queue backlog", "--detected-at", "now", "--began-at", "10m")
    assert declared.returncode == 0, declared.stderr
    at_now = run("incident", "milestone", "1", "root-cause", "--at", "now")
    assert at_now.returncode == 0, at_now.stderr
    assert "Root cause identified at" in at_now.stdout
    # the one parser the console's milestone dialog uses too
    moment = datetime(2026, 3, 1, 14, 5, 30, tzinfo=UTC)
    assert parse_moment("now", moment) == parse_moment(" NOW ", moment) == moment
    assert parse_moment("14:00", moment) == moment.replace(minute=0, second=0)
    with pytest.raises(ValueError, match="use now, HH:MM"):
        parse_moment("yesterday-ish", moment)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["demo", "--serve-only", "--drill", "db-slow"], ["--serve-only and --drill"]),
        (["demo", "--serve-only", "--print-config"], ["--serve-only and --print-config"]),
        (["demo", "--print-config", "--drill", "db-slow"], ["--print-config and --drill"]),
        (["demo", "--with-drill", "db-slow"], ["--with-drill goes with --serve-only"]),
        (["demo", "--print-config", "--config", "x.yaml"], ["--config does not go with `demo --print-config`"]),
        (["demo", "--drill", "db-slow", "--config", "x.yaml", "--state-dir", "d"], ["--config and --state-dir"]),
        (["--readonly", "demo", "--serve-only"], ["--readonly does not go with --serve-only"]),
        (["incident", "export", "1", "--format", "json", "--output", "pm.md"], ["--format json", "means md"]),
        (["serve", "--write", "--readonly"], ["--write and --readonly"]),
        (["runbook", "run", "service-unavailable", "--confirm", "yes"], ["--confirm goes with --step"]),
    ],
)
def test_flags_that_cannot_combine_are_refused(run: Run, tmp_path: Path, argv: list[str], words: list[str]) -> None:
    if argv[0] == "incident":
        assert run("incident", "declare", "SEV3", "x").returncode == 0
    refused(run(*argv), *words)
    assert not (REPO / "pm.md").exists() and not (tmp_path / "state").exists()  # nothing written, no demo started


def test_export_format_follows_the_output_suffix(run: Run, tmp_path: Path) -> None:
    assert run("incident", "declare", "SEV3", "x").returncode == 0
    assert run("incident", "export", "1", "--output", str(tmp_path / "pm.json")).returncode == 0
    assert json.loads((tmp_path / "pm.json").read_text())["summary"]["severity"] == "SEV3"
    assert run("incident", "export", "1", "-o", str(tmp_path / "pm.md")).returncode == 0
    assert (tmp_path / "pm.md").read_text().startswith("#")


@pytest.fixture
def slots(demo: RunningDemo, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A user state dir whose first demo slot is the running session demo (it holds that dir's lock)."""
    state = tmp_path / "state"
    (state / "tessa-tui").mkdir(parents=True)
    (state / "tessa-tui" / "demo").symlink_to(demo.state_dir)
    env = {**os.environ, "XDG_STATE_HOME": str(state)}
    return state / "tessa-tui", env


def cli_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tessa_tui", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=90
    )


def test_a_busy_state_dir_is_refused_and_left_untouched(demo: RunningDemo) -> None:
    log = demo.state_dir / "platform.log"
    log.write_text("the first demo's log\n", encoding="utf-8")
    before = {p.name: p.stat().st_mtime_ns for p in demo.state_dir.iterdir() if p.is_file()}
    info = read_info(demo.state_dir)
    for mode in ([], ["--serve-only"]):
        result = cli_env(dict(os.environ), "demo", "--state-dir", str(demo.state_dir), *mode)
        refused(result, "a demo is already running in", str(demo.state_dir))
    assert log.read_text(encoding="utf-8") == "the first demo's log\n"
    assert {p.name: p.stat().st_mtime_ns for p in demo.state_dir.iterdir() if p.is_file()} == before
    assert read_info(demo.state_dir) == info and demo.process.poll() is None


def test_two_demos_at_once_each_in_its_own_dir(
    slots: tuple[Path, dict[str, str]], demo: RunningDemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `tessa-tui demo` does while another demo runs: the next free dir, its own log and lock."""
    from tessa_tui.cli import demo as cli_demo

    base, env = slots
    monkeypatch.setenv("XDG_STATE_HOME", env["XDG_STATE_HOME"])
    assert cli_demo.demo_slots()[0] == base / "demo"
    folder, claim = cli_demo._claim(argparse.Namespace(state_dir=None))
    assert folder == base / "demo-2"  # the first slot is the running demo's: not touched
    with claim:
        child = cli_demo._start_platform(folder, claim)
        try:
            config = Path(cli_demo._wait_ready(child, folder))
            assert config.parent == folder
            # Two demos run: --drill must be told which, by --state-dir or by the config's control-url.
            refused(cli_env(env, "demo", "--drill", "all-clear"), "2 demos are running", "--state-dir")
            by_config = cli_env(env, "--config", str(config), "demo", "--drill", "all-clear")
            assert by_config.returncode == 0 and by_config.stdout.startswith("drills running: none"), by_config
            by_dir = cli_env(env, "demo", "--state-dir", str(demo.state_dir), "--drill", "all-clear")
            assert by_dir.returncode == 0, by_dir.stderr
            assert cli_env(env, "demo", "--state-dir", str(folder), "--print-config").stdout == config.read_text()
        finally:
            cli_demo._stop_platform(child)
    assert claim_state_dir(folder) is not None  # released when the demo stopped
    # One demo left: --drill finds it without being told.
    alone = cli_env(env, "demo", "--drill", "all-clear")
    assert alone.returncode == 0, alone.stderr
