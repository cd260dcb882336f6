"""A log file read whole: the background index (records, levels, minutes, where each record starts), its search
and `:goto`, growth, truncation and rotation, a budget on what it holds; and `tessa-tui logs NAME` printing the
whole file, its last N records or those from a time on, then following."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tessa_tui.logs.file_index import STRIDE, FileIndex
from tessa_tui.logs.file_search import WholeFileSearch
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.parse import FULL, LEVEL
from tessa_tui.logs.record_format import format_for
from tests.conftest import REPO

HANG_GUARD_S = 30


def log_line(n: int) -> str:
    seconds = 6 * 3600 + n
    clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    level = "ERROR" if n % 100 == 99 else "INFO"
    return f"2026-12-06T{clock}.000Z {level} request {n:06d} handled\n"


def write_log(path: Path, count: int, *, trace_every: int = 0) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            handle.write(log_line(n))
            if trace_every and n % trace_every == 0:
                handle.write('Traceback (most recent call last):\n  File "app.py", line 3, in f\n')


def indexed(path: Path) -> FileIndex:
    index = FileIndex(path, lambda p: format_for(p, "auto"), "app")
    while index.step():
        pass
    return index


def test_the_index_counts_every_record_and_reads_any_of_them_back(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write_log(log, 5_000, trace_every=7)  # continuation lines join their record: 5,000 records, not 5,000 + traces
    unread = FileIndex(log, lambda p: format_for(p, "auto"), "app")
    assert not unread.state().done  # before its first look it knows nothing (it once said `indexed 0 records`)
    index = indexed(log)
    state = index.state()
    assert state.done and state.records == 5_000
    assert dict(zip(("error", "info"), (state.levels[4], state.levels[2]), strict=True)) == {"error": 50, "info": 4950}
    for first in (0, STRIDE - 1, STRIDE, 4_990):
        rows = index.rows(first, 3)
        assert [f"request {n:06d}" in row[FULL] for n, row in zip(range(first, first + 3), rows, strict=False)] == [
            True
        ] * len(rows)
    assert index.rows(7, 1)[0][FULL].count("\n") == 2  # its traceback with it
    assert index.rows(99, 1)[0][LEVEL] == "error"
    # Per minute of the records' own time: 60 records in each full minute from 06:00.
    minutes = index.minutes()
    assert sum(sum(counts) for counts in minutes.values()) == 5_000 and max(map(sum, minutes.values())) == 60


def test_goto_times_and_the_last_records(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write_log(log, 3_000)
    index = indexed(log)
    first = index.rows(0, 1)[0]
    assert first[4] is not None
    assert index.ordinal_at(first[4] + 1234) == 1234
    assert index.ordinal_at(first[4] + 10_000) == 3_000  # after the last record
    newest = index.newest_time()
    assert newest is not None and newest[1] == "06:49:59"


def test_growth_truncation_and_rotation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write_log(log, 100)
    index = indexed(log)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(log_line(100))
        handle.write("2026-12-06T07:00:00.000Z INFO no newline yet")
    while index.step():
        pass
    assert index.count == 101  # the unfinished line waits for its newline
    with log.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    index.step()
    assert index.count == 102
    generation = index.generation
    log.write_text(log_line(0))  # truncated in place (copytruncate)
    index.step()
    assert index.generation == generation + 1 and index.count == 1
    log.rename(tmp_path / "app.log.1")  # rotated: a new file at the path
    write_log(log, 10)
    index.step()
    assert index.generation == generation + 2 and index.count == 10
    index.close()


def test_a_search_finds_matches_across_the_whole_file_and_skips_slices(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write_log(log, 40_000)
    with log.open("a", encoding="utf-8") as handle:
        handle.write("2026-12-07T00:00:00.000Z WARN the-rare-word here\n")
    index = indexed(log)
    search = WholeFileSearch(index, LineFilter.parse("the-rare-word"))
    steps = 0
    while search.step():
        steps += 1
    assert search.count() == 1 and search.ordinals(0, 5) == [40_000]
    levels = WholeFileSearch(index, LineFilter.parse("level:error"))
    while levels.step():
        pass
    assert levels.count() == 400 and levels.after(99) == 199 and levels.before(199) == 99


def test_the_index_holds_about_a_byte_a_record(tmp_path: Path) -> None:
    """The memory budget's cause: a 1 GB file's index stays small because it keeps a byte per record and a
    checkpoint per STRIDE records, never the text."""
    log = tmp_path / "app.log"
    write_log(log, 100_000)
    index = indexed(log)
    by_record, by_minute = index.memory_bytes()
    per_record, per_minute = by_record / index.count, by_minute / len(index.minutes())
    assert per_record < 1.5, f"log index budget moved: {per_record:.2f} bytes per record (budget: under 1.5)"
    # A minute of a busy log holds thousands of records; a week of minutes is about 3 MB.
    assert per_minute < 300, f"log index budget moved: {per_minute:.0f} bytes per minute (budget: under 300)"


def test_a_fifo_or_a_directory_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        index = FileIndex(path, lambda p: format_for(p, "auto"), "x")
        assert index.step() is False
        assert index.error is not None and "not a regular file" in index.error


def cli(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), "logs", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_logs_prints_the_whole_file_its_tail_and_from_a_time(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    write_log(log, 20_000, trace_every=1000)  # 1.1 MB: far past the pane's first 64 KiB
    config = write_config(f"logs:\n  - name: app\n    path: '{log}'\n  - name: cmd\n    command: [echo, hi]\n")
    whole = cli(config, "app")
    assert whole.returncode == 0, whole.stderr
    lines = whole.stdout.splitlines()
    assert lines[0] == log_line(0).strip() and lines[-1] == log_line(19_999).strip()
    assert len(lines) == 20_000 + 2 * 20
    tail = cli(config, "app", "--tail", "2")
    assert tail.stdout.splitlines() == [log_line(19_998).strip(), log_line(19_999).strip()]
    traced = cli(config, "app", "--tail", "1", "--level", "error", "--since", "06:16:39")
    assert traced.stdout.splitlines() == [log_line(19_999).strip()]  # the last record is an error
    since = cli(config, "app", "--since", "11:30")  # 11:30:00 is record 19,800
    assert since.returncode == 0 and since.stdout.splitlines()[0] == log_line(19_800).strip()
    assert len(since.stdout.splitlines()) == 200
    errors = cli(config, "app", "--since", "06:16:00", "--level", "error", "--tail", "3")
    assert errors.stdout.splitlines() == [log_line(19_999).strip()]  # --tail counts records, --level picks
    for bad, said in (
        (["--tail", "-3"], "argument --tail: '-3': a number of records"),
        (["--tail", "3x"], "a number of records"),
        (["--since", "half past"], "--since: 'half past': use HH:MM"),
    ):
        done = cli(config, "app", *bad)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr
    refused = cli(config, "cmd", "--tail", "3")
    assert refused.returncode == 2 and "log source 'cmd' is not one" in refused.stderr


def test_logs_follow_goes_on_after_the_tail(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    write_log(log, 100)
    with log.open("a", encoding="utf-8") as handle:
        handle.write("2026-12-06T07:00:00.000Z INFO half a li")  # finished after the command starts
    config = write_config(f"logs:\n  - name: app\n    path: '{log}'\n")
    command = [sys.executable, "-m", "tessa_tui", "--config", str(config), "logs", "app", "--tail", "1", "-f"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == log_line(99).strip()
        with log.open("a", encoding="utf-8") as handle:
            handle.write("ne\n" + log_line(101))
        deadline = time.monotonic() + HANG_GUARD_S
        assert process.stdout.readline().strip() == "2026-12-06T07:00:00.000Z INFO half a line"
        assert time.monotonic() < deadline
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("lines", [["x" * 200_000], ["\x00\xff\xfe garbage", "\r", ""]])
def test_odd_files_index_and_print(write_config: Callable[[str], Path], tmp_path: Path, lines: list[str]) -> None:
    log = tmp_path / "odd.log"
    log.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    index = indexed(log)
    assert index.count >= 1 and index.error is None
    config = write_config(f"logs:\n  - name: odd\n    path: '{log}'\n")
    done = cli(config, "odd", "--tail", "5")
    assert done.returncode == 0 and "Traceback" not in done.stderr


def test_error_onset_is_the_start_of_the_run_the_log_ends_in() -> None:
    from tessa_tui.logs.error_onset import error_onset

    base = 29_450_000  # an epoch minute
    usual = [(base + m, 100, 2) for m in range(60)]  # 2 % errors is this service's normal
    assert error_onset(usual) is None
    assert error_onset([*usual, (base + 60, 100, 3)]) is None  # 3 %: not twice the usual
    outage = [*usual, (base + 60, 100, 40), (base + 61, 100, 35), (base + 63, 50, 30)]  # a quiet minute between
    assert error_onset(outage) == base + 60
    assert error_onset([*outage, (base + 64, 100, 1)]) is None  # over
    assert error_onset([]) is None and error_onset([(base, 0, 0)]) is None
