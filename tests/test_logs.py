"""Log following (`tail -F` semantics, on real files) and parsing (the shared real samples)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tessa_tui.logs.follow import MAX_LINE, START_WINDOW, FileFollower
from tessa_tui.logs.parse import LogParser, is_continuation, level_of, parse_line, stamp_time
from tests.conftest import SHARED_DATA


def append(path: Path, text: str | bytes) -> None:
    with path.open("ab") as handle:
        handle.write(text.encode() if isinstance(text, str) else text)


def test_starts_at_the_end_and_follows_new_lines(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "".join(f"old {i}\n" for i in range(50_000)))
    follower = FileFollower(log)
    shown = follower.poll()
    assert shown and shown[-1] == "old 49999"
    assert sum(len(line) + 1 for line in shown) <= START_WINDOW  # a window, not the whole file
    append(log, "new 1\nnew 2\npart")
    assert follower.poll() == ["new 1", "new 2"]
    append(log, "ial\n")
    assert follower.poll() == ["partial"]


def test_rotation_by_rename(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "a\n")
    follower = FileFollower(log)
    follower.poll()
    append(log, "last words\n")
    log.rename(tmp_path / "app.log.1")
    append(log, "fresh start\n")
    assert follower.poll() == ["last words", "fresh start"]
    assert follower.status == "following (rotated)"


def test_rotation_by_copytruncate(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    append(log, "before\n" * 100)
    follower = FileFollower(log)
    follower.poll()
    os.truncate(log, 0)
    append(log, "after\n")
    assert follower.poll() == ["after"]
    assert follower.status == "following (truncated)"


def test_missing_file_appearing_later(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    follower = FileFollower(log)
    assert follower.poll() == []
    assert follower.status.startswith("waiting for the file")
    append(log, "hello\n")
    assert follower.poll() == ["hello"]


def test_invalid_utf8_and_a_5mb_line(tmp_path: Path) -> None:
    log = tmp_path / "odd.log"
    follower = FileFollower(log, start_at_end=False)
    append(log, b"caf\xe9 \xff\n" + b"x" * (5 * 1024 * 1024) + b"\nafter\n")
    lines = [line for _ in range(8) for line in follower.poll()]  # a 1 MiB read per poll
    assert len(lines) == 3, "the long line is one line, cut"
    assert lines[0] == "caf\ufffd \ufffd"
    assert max(len(line) for line in lines) <= MAX_LINE
    assert lines[-1] == "after"


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('{"level":"info","time":1745532517537,"msg":"hi"}', "info"),
        ('{"level":50,"msg":"boom","name":"app"}', "error"),
        ('{"@timestamp":"2025-01-13T09:58:13Z","log.level":"warn","message":"m"}', "warn"),
        ('{"event":"hello","level":"warning","timestamp":"2017-03-06T07:39:09Z"}', "warn"),
        ('{"timestamp":"x","level":"INFO","fields":{"message":"yaks"}}', "info"),
        ('{"PRIORITY":"3","MESSAGE":"disk"}', "error"),
        ('{"status":503,"msg":"GET /"}', "error"),
        ('time="2021-09-15T21:17:10Z" level=error msg="pod not found"', "error"),
        ('192.168.202.254 - - [20/Jul/2009:22:59:29 +0000] "GET /x HTTP/1.0" 404 46210 "-" "gPXE"', "warn"),
        ("2025-08-13 01:45:01.123 PDT [12345] FATAL:  the database system is shutting down", "fatal"),
        ("2009-07-20 22:59:30,221:ERROR:Goodbye, World!", "error"),
        ("just words", "unknown"),
    ],
)
def test_levels(line: str, level: str) -> None:
    assert parse_line(line).level == level


def test_hostile_bytes_and_markup_stay_text() -> None:
    record = parse_line("\x1b]0;title\x07[bold]x[/] \x1b]52;c;ZXZpbA==\x07 ERROR \x9b2J")
    assert "\x1b" not in record.full and "\x9b" not in record.full
    assert "[bold]x[/]" in record.full
    assert record.level == "error"


def test_continuations() -> None:
    assert is_continuation("    at foo (bar.js:1:2)")
    assert is_continuation("Caused by: java.io.IOException")
    assert not is_continuation("2009-07-20 22:59:27,672:DEBUG:Hello")


def test_levels_on_the_shared_samples() -> None:
    folder = SHARED_DATA / "logs"
    if not folder.exists():
        pytest.skip("shared sample data not present")
    expect = {
        "lnav_logfile_ecs_log.json": {"debug", "info", "warn", "error", "fatal"},
        "lnav_logfile_logfmt.0": {"error", "warn", "info"},
        "lnav_logfile_rust_tracing.0": {"info", "trace", "warn", "error"},
        "lnav_logfile_bunyan.0": {"debug", "info"},
        "lnav_logfile_pino.0": {"info"},
        "lnav_logfile_postgres.0": {"info", "error"},
        "lnav_logfile_access_log.0": {"info", "warn"},
        "lnav_logfile_generic.0": {"debug", "warn"},
        "lnav_logfile_leveltest.0": {"trace", "debug", "info", "warn", "fatal"},
        "structlog_docs_examples.jsonl": {"info", "warn"},
        "lnav_logfile_caddy_log.0": {"info", "warn"},
    }
    for name, levels in expect.items():
        text = (folder / name).read_text(errors="replace")
        found = {parse_line(line).level for line in text.splitlines() if line.strip() and not is_continuation(line)}
        assert levels <= found, (name, found)


def test_level_names() -> None:
    assert [level_of(v) for v in ("WARNING", "err", "debug2", 60, 10, "nonsense")] == [
        "warn",
        "error",
        "debug",
        "fatal",
        "trace",
        "unknown",
    ]


def test_logs_cli_reads_filters_and_prints_json(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        '{"level":"info","time":"2026-11-28T10:00:01Z","msg":"started"}\n'
        "2026-11-28 10:00:02 ERROR db timeout \x1b[2J\n"
        "2026-11-28 10:00:03 ERROR Traceback follows\n    at handler (app.js:10)\n"
        "2026-11-28 10:00:04 WARN slow\n"
    )
    config = write_config(f"logs:\n  - name: app\n    path: '{log}'\n")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tessa_tui", "--config", str(config), "logs", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    errors = cli("app", "--level", "error")
    assert errors.returncode == 0
    assert errors.stdout.splitlines()[1:] == [
        "2026-11-28 10:00:03 ERROR Traceback follows",
        "    at handler (app.js:10)",
    ]
    assert "\x1b" not in errors.stdout and "\\e[2J" in errors.stdout
    records = [json.loads(line) for line in cli("app", "--json", "--grep", "slow|started").stdout.splitlines()]
    assert [(r["level"], r["message"]) for r in records] == [("info", "started"), ("warn", "WARN slow")]
    missing = cli("nope")
    assert missing.returncode == 2 and "no log source 'nope' (have: app)" in missing.stderr
    assert cli("app", "--grep", "(").returncode == 2


def test_logs_cli_reads_a_command_source_until_it_exits(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    script = tmp_path / "tool.py"
    script.write_text('print(\'{"level":"error","msg":"boom"}\'); print(\'plain info line\')\n')
    config = write_config(
        f"logs:\n  - name: edge\n    command: ['{sys.executable}', '{script}']\n"
        "  - name: gone\n    command: ['/nonexistent/supabase', 'logs']\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), "logs", "edge", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(r["level"], r["message"]) for r in records] == [("error", "boom"), ("info", "plain info line")]
    gone = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), "logs", "gone"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert gone.returncode == 2 and "/nonexistent/supabase: cannot start" in gone.stderr


@pytest.mark.parametrize(
    ("stamp", "clock", "iso"),
    [
        ("2026-11-28T10:00:01.250Z", "10:00:01", "2026-11-28T10:00:01.250000+00:00"),
        ("2026-11-28 10:00:01,250", "10:00:01", "2026-11-28T10:00:01.250000+00:00"),  # no zone: UTC
        ("2026-11-28T12:00:01+02:00", "12:00:01", "2026-11-28T10:00:01+00:00"),
        ("2026-11-28 10:00:01.250 UTC", "10:00:01", "2026-11-28T10:00:01.250000+00:00"),  # PostgreSQL
        ("28/Nov/2026:09:00:01 -0100", "09:00:01", "2026-11-28T10:00:01+00:00"),  # access log
        (1795860001250, "10:00:01", "2026-11-28T10:00:01.250000+00:00"),  # pino: ms
        (1795860001.25, "10:00:01", "2026-11-28T10:00:01.250000+00:00"),  # zap: s
        ("1795860001250000000", "10:00:01", "2026-11-28T10:00:01.250000+00:00"),  # ns, as text
        ("soon", "", None),
        (42, "", None),
    ],
)
def test_record_times_in_every_format(stamp: object, clock: str, iso: str | None) -> None:
    shown, when = stamp_time(stamp)
    assert shown == clock
    assert (datetime.fromtimestamp(when, UTC).isoformat() if when is not None else None) == iso


def test_a_stack_trace_stays_with_its_record_and_untimed_lines_keep_their_place() -> None:
    parser = LogParser(source="app")
    first = parser.feed(["2026-11-28 10:00:01 ERROR boom", "Traceback (most recent call last):", '  File "x"', ""])
    assert first == []  # the record is open: its trace may go on in the next read
    held = parser.held()
    assert held is not None and held.level == "error" and held.full.count("\n") == 3 and held.line == "ERROR boom"
    later = parser.feed(["    at frame \x1b]0;t\x07", "KeyError: 'k'", "2026-11-28 10:00:02 INFO next"])
    assert [r.level for r in later] == ["error"]  # the trace, read in two reads, is one record
    assert later[0].full.count("\n") == 5 and later[0].full.endswith("KeyError: 'k'") and "\x1b" not in later[0].full
    assert parser.flush()[0].line == "INFO next" and parser.held() is None
    plain = LogParser("plain", "app")
    plain.feed(["2026-11-28 10:00:01 ERROR boom", "no time here", "nor here"])
    untimed = plain.flush()[0]
    assert untimed.full == "nor here" and untimed.when == parse_line("2026-11-28 10:00:01 ERROR boom").when


@pytest.mark.timeout(30)  # Python's backtracking re takes 2**40 steps on this line: the test would hang
def test_a_filter_pattern_meets_a_hostile_line_in_linear_time() -> None:
    """`re:(a+)+$` typed in the logs pane against a long line of a's that does not end the match: RE2 answers at
    once where Python's re backtracks for ever; what RE2 cannot run in linear time is refused with the reason."""
    from tessa_tui.logs.filter import LineFilter
    from tessa_tui.logs.parse import LogRecord, row_of

    line = "a" * 40 + "!"
    row = row_of(LogRecord("error", "12:00:00", line, source="app"))
    assert not LineFilter.parse("re:(a+)+$").matches(row)
    assert LineFilter.parse("re:(A+)+!").matches(row)  # the pane's patterns ignore case
    assert LineFilter.of_options(None, "a{40}!").matches(row)
    with pytest.raises(ValueError, match="not a regular expression"):
        LineFilter.parse(r"re:(a)\1")  # a backreference: no linear-time engine runs it
