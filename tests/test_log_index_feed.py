"""A followed file's index takes the lines its follower has read and scanned (one look at each line, not two):
the index it builds is the one it would have built reading the file itself, whatever the bytes, the pieces they
arrive in, truncation or rotation; lines that do not continue where it has got are never indexed from the feed."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessa_tui.logs import file_index
from tessa_tui.logs.file_index import FileIndex, IndexState
from tessa_tui.logs.follow import FileFollower
from tessa_tui.logs.formats.log_format import LogFormat
from tessa_tui.logs.ingest import LinesRead, read_file
from tessa_tui.logs.parse import LogParser
from tessa_tui.logs.record_format import format_for

MIXED_LINES = [
    '{"level":"error","msg":"boom","time":"2026-12-06T10:00:00Z"}',
    "2026-12-06 10:00:01,500 INFO [app] ok",
    "Traceback (most recent call last):",
    '  File "x.py", line 1, in <module>',
    "KeyError: 'k'",
    "level=warn msg=slow ts=2026-12-06T10:00:02Z",
    '127.0.0.1 - - [06/Dec/2026:10:00:03 +0000] "GET /x HTTP/1.1" 500 12',
]


def summary(index: FileIndex) -> tuple[IndexState, list[tuple[int, str]], dict[int, tuple[int, ...]]]:
    """What the index knows, generation left out: its counts, every record's text, the per-minute histogram."""
    state = index.state()
    return state.__class__(0, *list(state.__dict__.values())[1:]), index.texts(0, index.count), index.minutes()


def indexed_alone(path: Path, fmt: object) -> FileIndex:
    index = FileIndex(path, lambda _p: fmt)  # type: ignore[arg-type,return-value]
    while index.step():
        pass
    return index


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each line was looked at (`head`), by the follower's parser and the index together."""
    looks: Counter[str] = Counter()
    original = type(format_for(Path("/nonexistent"))).head

    def head(self: LogFormat, line: str) -> object:
        looks[line] += 1
        return original(self, line)

    monkeypatch.setattr(type(format_for(Path("/nonexistent"))), "head", head)
    return looks


def test_each_line_of_a_busy_followed_file_is_looked_at_once(tmp_path: Path, counted: Counter[str]) -> None:
    path = tmp_path / "app.log"
    path.write_text("".join(f"{line} start {n}\n" for n in range(30) for line in MIXED_LINES))  # past the sample
    fmt = format_for(path)
    index = FileIndex(path, lambda _p: fmt, "app")
    while index.step():  # the file as it was: read by the index itself
        pass
    follower = FileFollower(path)
    parser = LogParser(fmt.name, "app")
    read_file(follower, parser, None, feed=index.offer)  # the follower's window: already indexed, not again
    index.step()
    counted.clear()
    appended = []
    for n in range(40):  # a busy writer: the follower reads each piece, hands it over, the index takes it
        piece = [f"{line} busy {n}" for line in MIXED_LINES]
        appended += piece
        with path.open("a") as handle:
            handle.write("\n".join(piece) + "\n")
        read_file(follower, parser, None, feed=index.offer)
        index.step()
    assert {line: counted[line] for line in appended} == dict.fromkeys(appended, 1), "a line was scanned twice"
    assert summary(index) == summary(indexed_alone(path, fmt))


def append(path: Path, *lines: str) -> None:
    with path.open("a") as handle:
        handle.write("".join(line + "\n" for line in lines))


def test_lines_that_do_not_continue_the_index_are_left_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    append(path, "2026-12-06 10:00:00,000 INFO [app] first")
    fmt = format_for(path, "plain")
    index = FileIndex(path, lambda _p: fmt, "app")
    index.step()
    append(path, "2026-12-06 10:00:01,000 ERROR [app] second")
    # Another format's scans (JSON reads these lines as nothing) are not taken: the index reads the lines itself.
    read_file(FileFollower(path), LogParser("json", "app"), None, feed=index.offer)
    index.step()
    assert (index.count, index.level_of(1)) == (2, "error")
    follower = FileFollower(path)
    parser = LogParser("plain", "app")
    read_file(follower, parser, None, feed=index.offer)  # its window: what the index has already
    append(path, "2026-12-06 10:00:02,000 WARN [app] third")
    read_file(follower, parser, None, feed=index.offer)
    index.step()
    assert (index.count, index.level_of(2)) == (3, "warn")  # taken from the feed: the index is fed now
    append(path, "2026-12-06 10:00:03,000 ERROR [app] fourth")
    follower.poll()  # a read the index never gets: the next one is ahead of it, and it reads the gap itself
    append(path, "2026-12-06 10:00:04,000 INFO [app] fifth")
    read_file(follower, parser, None, feed=index.offer)
    index.step()
    assert [index.level_of(n) for n in range(index.count)] == ["info", "error", "warn", "error", "info"]
    # Ahead of its follower (a follower catching up), the index waits for it rather than read past it.
    append(path, "2026-12-06 10:00:05,000 ERROR [app] sixth")
    index.step()
    assert index.count == 5, "the index read past the follower handing it the file"
    read_file(follower, parser, None, feed=index.offer)
    index.step()
    assert index.count == 6 and index.level_of(5) == "error"
    append(path, "2026-12-06 10:00:06,000 WARN [app] seventh")  # a follower that stopped: read after FED_S
    file_index.FED_S, saved = 0.0, file_index.FED_S
    try:
        index.step()
    finally:
        file_index.FED_S = saved
    assert index.count == 7


CHUNKS = st.lists(
    st.one_of(
        st.lists(
            st.sampled_from([line.encode() for line in MIXED_LINES] + [b"", b"\xff\xfe bad", b"\r", b"x" * 200]),
            min_size=1,
            max_size=12,
        ).map(lambda lines: ("write", b"\n".join(lines) + b"\n")),
        st.binary(max_size=30).map(lambda data: ("write", data)),  # a piece of a line, maybe no newline
        st.just(("truncate", b"")),
        st.just(("rotate", b"")),
        st.just(("index", b"")),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(CHUNKS, st.sampled_from(["auto", "plain", "json"]))
def test_a_fed_index_is_the_index_of_the_file_whatever_arrives(chunks: list[tuple[str, bytes]], name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "app.log"
        path.write_text("\n".join(MIXED_LINES * 4) + "\n")
        fmt = format_for(path, name)
        index = FileIndex(path, lambda _p: fmt, "app")
        follower = FileFollower(path)
        parser = LogParser(fmt.name, "app")
        try:
            for kind, data in chunks:
                if kind == "write":
                    with path.open("ab") as handle:
                        handle.write(data)
                elif kind == "truncate":
                    os.truncate(path, 0)
                elif kind == "rotate":
                    path.rename(path.with_suffix(".1"))
                    path.write_text(MIXED_LINES[1] + "\n")
                else:
                    index.step()
                read_file(follower, parser, None, feed=index.offer)
                index.step()
            file_index.FED_S, saved = 0.0, file_index.FED_S
            try:
                while index.step():
                    pass
            finally:
                file_index.FED_S = saved
            alone = indexed_alone(path, index.format)
            assert summary(index)[1:] == summary(alone)[1:]
            got, want = summary(index)[0], summary(alone)[0]
            assert (got.records, got.indexed_bytes, got.levels) == (want.records, want.indexed_bytes, want.levels)
        finally:
            follower.close()
            index.close()


def test_the_feed_is_what_the_follower_read(tmp_path: Path) -> None:
    """The hand-over's offsets are the file's: each line's bytes, CR LF and multi-byte text included."""
    path = tmp_path / "app.log"
    path.write_bytes(b"")
    follower = FileFollower(path)
    got: list[LinesRead] = []
    read_file(follower, LogParser("plain", "app"), None, feed=got.append)
    body = "2026-12-06 10:00:00 INFO caf\u00e9 \u2603\r\n2026-12-06 10:00:01 WARN x\npart"
    path.write_bytes(body.encode())
    read_file(follower, LogParser("plain", "app"), None, feed=got.append)
    (read,) = got
    data = body.encode()
    assert read.at.start == 0 and read.at.sizes == [data.index(b"\n") + 1, data.rindex(b"\n") - data.index(b"\n")]
    assert read.at.read_to == len(data) and len(read.heads) == len(read.lines) == 2


def followed(path: Path) -> tuple[FileIndex, FileFollower, LogParser]:
    """A 300-line file, indexed, and a follower at its end whose reads the index takes."""
    append(path, *(f"2026-12-06 10:00:{n % 60:02d},500 INFO [app] line {n}" for n in range(300)))
    fmt = format_for(path)
    index = FileIndex(path, lambda _p: fmt, "app")
    follower = FileFollower(path)
    parser = LogParser(fmt.name, "app")
    read_file(follower, parser, None, feed=index.offer)
    while index.step():
        pass
    return index, follower, parser


def test_a_poll_that_met_a_rotation_is_not_handed_over(tmp_path: Path) -> None:
    """The old file's last lines and the new file's, read in one poll, are no one read of either (red team)."""
    path = tmp_path / "app.log"
    index, follower, parser = followed(path)
    path.rename(tmp_path / "app.log.1")  # logrotate's `create`: the app still writes the old file a moment
    path.write_text("")
    index.step()
    append(tmp_path / "app.log.1", "2026-12-06 10:01:00,500 ERROR [app] the old file's last")
    append(path, *(f"2026-12-06 10:01:0{n},500 WARN [app] new {n}" for n in range(5)))
    got: list[LinesRead] = []
    read_file(follower, parser, None, feed=got.append)
    assert got == [], "a read of two files was handed over"
    for read in [*got]:
        index.offer(read)
    index.step()
    assert index.error is None and (index.count, index.level_of(0)) == (5, "warn")


def test_a_follower_behind_its_budget_does_not_make_the_index_done(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    line = "2026-12-06 10:00:00,500 INFO [app] a line long enough to fill a few megabytes quickly\n"
    path.write_text(line * 40_000)  # over the follower's 1 MiB read budget
    fmt = format_for(path)
    index = FileIndex(path, lambda _p: fmt, "app")
    follower = FileFollower(path, start_offset=0)
    read_file(follower, LogParser(fmt.name, "app"), None, feed=index.offer)
    assert follower.behind
    index.step()
    state = index.state()
    assert state.size == path.stat().st_size and not state.done, "indexed a slice, said done"


def test_a_two_line_record_read_across_two_reads_keeps_its_level(tmp_path: Path) -> None:
    """java.util.logging names the level on the record's second line: a read between the two lines (the
    follower's poll, or the end of an index slice) must not leave the record without one (red team)."""
    from tessa_tui.logs.formats.java_lines import JUL

    path = tmp_path / "app.log"
    record = "Dec 06, 2026 11:32:{n:02d} PM com.x.Y run\n{level}: message {n}\n"
    path.write_text("".join(record.format(n=n, level="INFO") for n in range(3)))
    index = FileIndex(path, lambda _p: JUL, "app")
    follower = FileFollower(path)
    parser = LogParser("jul", "app")
    read_file(follower, parser, None, feed=index.offer)
    while index.step():
        pass
    head, second = record.format(n=10, level="SEVERE").splitlines(keepends=True)
    for piece in (head, second, head.replace("10", "11"), "WARNING: message 11\n"):
        with path.open("a") as handle:
            handle.write(piece)
        read_file(follower, parser, None, feed=index.offer)
        index.step()
    assert summary(index)[1:] == summary(indexed_alone(path, JUL))[1:]
    assert [index.level_of(n) for n in range(index.count)] == ["info"] * 3 + ["error", "warn"]
    # The index's own slices end between the two lines too.
    file_index.SLICE, saved = 40, file_index.SLICE
    try:
        sliced = indexed_alone(path, JUL)
    finally:
        file_index.SLICE = saved
    assert [sliced.level_of(n) for n in range(sliced.count)] == ["info"] * 3 + ["error", "warn"]


def test_a_busy_file_fed_to_its_index_stays_indexed_as_it_grows(tmp_path: Path) -> None:
    """Fed, the index is as far as the follower: a file that grew since its read is not "indexing" (the pane's
    counts would flick between the whole file's and the followed lines' ten times a second in a flood)."""
    path = tmp_path / "app.log"
    index, follower, parser = followed(path)
    for n in range(5):
        append(path, f"2026-12-06 10:00:01,500 WARN [app] busy {n}")
        read_file(follower, parser, None, feed=index.offer)
        append(path, "2026-12-06 10:00:02,500 INFO [app] written after the follower read")
        index.step()
        assert index.state().done, "a fed index said indexing for lines no one had read yet"
