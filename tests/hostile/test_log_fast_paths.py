"""The flood's shortcuts give what the long way gives, whatever the bytes: a batch decoded in one call is each line
decoded on its own, a split with nothing to cut or strip is the cut and stripped split, each line's size is what
it took in the stream, and a UTC stamp read without a regex is the regex's reading."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tessa_tui.logs import follow
from tessa_tui.logs.follow import LineCutter, decode_lines
from tessa_tui.logs.formats.clock import ISO, iso_time, stamp_time, utc_stamp_time

BYTES = st.binary(max_size=60).map(lambda data: data.replace(b"\n", b""))


@given(st.lists(BYTES, max_size=20))
@example([b"caf\xc3", b"\xa9", b"\xe2\x82", b"\xff\xfe", b"\xf0\x9f\x98"])
def test_a_batch_decoded_at_once_is_each_line_decoded(lines: list[bytes]) -> None:
    assert decode_lines(lines) == [line.decode("utf-8", errors="replace") for line in lines]


PIECES = st.lists(
    st.one_of(st.binary(max_size=40), st.sampled_from([b"\r\n", b"\n", b"x" * 70, b"\r", b"\n\n"])), max_size=30
)


@settings(max_examples=200)
@given(PIECES, st.integers(min_value=8, max_value=64))
@example([b"a line longer than the cap\r\nshort\n", b"x" * 70, b"\n"], 8)
def test_the_cutter_gives_the_streams_lines_and_their_sizes(pieces: list[bytes], cap: int) -> None:
    saved = follow.MAX_LINE
    follow.MAX_LINE = cap
    try:
        cutter = LineCutter()
        got: list[bytes] = []
        consumed = 0
        exact = True
        for piece in pieces:
            lines = cutter.split(piece)
            got += lines
            if cutter.sizes is None:
                exact = False
            else:
                assert len(cutter.sizes) == len(lines)
                consumed += sum(cutter.sizes)
    finally:
        follow.MAX_LINE = saved
    stream = b"".join(pieces)
    complete = stream[: stream.rfind(b"\n") + 1]
    if exact:  # no line cut: the lines are the stream's, one for one, and their sizes add up to it
        assert consumed == len(complete)
        assert got == [line[:cap].rstrip(b"\r") for line in complete.split(b"\n")[:-1]]
    assert all(len(line) <= cap and not line.endswith(b"\r") for line in got)


STAMPS = st.one_of(
    st.from_regex(r"\A20\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\d(\.\d{0,12})?Z\Z"),
    st.from_regex(r"\A20\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\d.{0,6}\Z"),
    st.text(max_size=30),
)


@settings(max_examples=300)
@given(STAMPS)
@example("2026-11-28T10:00:00.\u0661\u0662Z")  # digits, but not ASCII ones
@example("2026-02-30T10:00:00.5Z")
def test_a_utc_stamp_read_without_a_regex_is_the_regexs_reading(stamp: str) -> None:
    match = ISO.match(stamp)
    slow = iso_time(match) if match else None
    stamp_time(stamp)  # the first reading of its second: what the shortcut starts from
    fast = utc_stamp_time(stamp)
    if fast is not None:
        assert fast == slow
    if slow is not None:
        assert stamp_time(stamp) == slow
