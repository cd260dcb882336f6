"""The log parser under any line: JSON of every shape with times and levels of every type (Infinity, NaN, 1e400,
10**400, 10k levels of nesting), lines shaped like every format with hostile pieces, invalid UTF-8, control and
format characters. parse_line, every format's scan and parse, and LogParser.feed / held / flush always return,
with sane, sanitised records, in linear time on 1 MiB lines."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.formats.detect import FORMATS as FORMAT_OBJECTS
from tessa_tui.logs.formats.detect import detect_format
from tessa_tui.logs.formats.mixed import MIXED
from tessa_tui.logs.parse import LEVELS, LogParser, LogRecord, parse_line, summary_of

FORMATS = st.sampled_from(["auto", *FORMAT_OBJECTS])
TIME_KEYS = ["time", "timestamp", "@timestamp", "ts", "t", "datetime"]
LEVEL_KEYS = ["level", "log.level", "severity", "severity_text", "severityText", "lvl", "levelname", "loglevel"]
OTHER_KEYS = ["msg", "message", "event", "body", "log", "fields", "PRIORITY", "status", "log", "x"]

HOSTILE_CHARS = st.sampled_from(
    [
        "\x1b",
        "\x00",
        "\r",
        "\t",
        "\x7f",
        "\x85",
        "\x9b",
        "\xad",
        "\u200b",
        "\u2028",
        "\u2029",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\U000e0001",
        "\U000e0041",
        "\ud800",
        "²",
        "١",
        "\\",
        '"',
        "{",
        "[",
        "=",
        ":",
        " ",
        "-",
        "9",
    ]
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Nd", "No")), max_size=20),
    st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=4)), max_size=20).map("".join),
    st.binary(max_size=60).map(lambda b: b.decode("utf-8", errors="replace")),
)
# Number tokens json.dumps cannot write: they go into the text as they are.
RAW_NUMBERS = st.sampled_from(
    [
        "Infinity",
        "-Infinity",
        "NaN",
        "1e400",
        "-1e400",
        "1e-400",
        "-0",
        "1" + "0" * 400,
        "9" * 5000,
        "-" + "9" * 5000,
        "1767225600",
        "1767225600123",
        "1767225600123456",
        "1767225600123456789",
        "1e19",
        "1e20",
        "99999999999999999999",
        "100000000",
        "0.5",
        "1E+308",
        "4.9e-324",
    ]
)
STAMP_TEXTS = st.sampled_from(
    [
        "2026-01-21T14:03:07Z",
        "2026-01-21 14:03:07,123",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "2026-02-30T00:00:00Z",
        "2026-01-21T25:61:61Z",
        "21/Jan/2026:14:03:07 +0000",
        "21/Jan/9999:99:99:99 +9999",
        "Jan 21 14:03:07",
        "Feb 30 14:03:07",
        "Xyz 99 99:99:99",
        "1767225600",
        "1767225600.5",
        "²³",
        "١٢٣٤٥٦٧٨٩",
        "",
        "9" * 5000,
        "0" * 400 + "1",
        "2026-01-21T14:03:07.1234567890123Z",
    ]
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**15, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    STAMP_TEXTS,
)
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
)


@st.composite
def json_lines(draw: st.DrawFn) -> str:
    """A JSON object as text: known keys with values of every type, some values as raw number tokens."""
    keys = draw(st.lists(st.sampled_from(TIME_KEYS + LEVEL_KEYS + OTHER_KEYS) | TEXT, min_size=0, max_size=6))
    parts = []
    for key in keys:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            value = draw(RAW_NUMBERS)
        elif choice == 1 and "." in key:  # a dotted key also written as nesting: {"log": {"level": ...}}
            head, _, tail = key.partition(".")
            key, value = head, json.dumps({tail: draw(JSON_VALUES)})
        else:
            value = json.dumps(draw(JSON_VALUES), allow_nan=True)
        parts.append(f"{json.dumps(key)}: {value}")
    text = "{" + ", ".join(parts) + "}"
    return draw(st.sampled_from([text, " " + text, text[: len(text) // 2], text + draw(TEXT)]))


DEEP = [
    '{"time": ' + "[" * 10_000 + "]" * 10_000 + "}",
    '{"level": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}",
    "{" * 100_000,
    '{"t": ' + "[" * 100_000,
    '{"a": ' * 900 + "1" + "}" * 900,  # under the json module's recursion limit: decoded, then walked
]


@st.composite
def other_lines(draw: st.DrawFn) -> str:
    """Lines shaped like each text format, with hostile pieces where the values go."""
    piece, stamp = draw(TEXT), draw(STAMP_TEXTS | RAW_NUMBERS)
    return draw(
        st.sampled_from(
            [
                f"level={piece} msg={piece} time={stamp}",
                f'ts="{stamp}" level=error msg="{piece}',
                f'1.2.3.4 - - [{stamp}] "GET / HTTP/1.1" 500 {piece}',
                f"2026-01-21 14:03:07.123 UTC [42] {piece} ERROR:  {piece}",
                f"Jan 21 14:03:07 host {piece}[1]: {piece}",
                f"[{stamp}] {piece}",
                f"  at {piece}",
                f"Caused by: {piece}",
                f'<{piece}>1 {stamp} {piece} app - - [x a="{piece}"] {piece}',
                f"<999>Oct 11 22:14:15 {piece}: {piece}",
                f"2026/12/06 23:32:59 [{piece}] 1#0: {piece}",
                f"[Sun Dec 06 {piece} 2026] [core:error] {piece}",
                f"1:M 06 Dec 2026 23:32:59.{piece} * {piece}",
                f"Dec 06, 2026 11:32:59 PM {piece}",
                f"SEVERE: {piece}",
                f'INFO:     {piece} - "GET {piece}" 500 {piece}',
                f'2026-12-06 23:32:59.123 UTC,"{piece}",,1,,x,1,,{stamp},,0,ERROR,0,"{piece}',
                f'{{"log":"{piece}\\n","stream":"stderr","time":"{stamp}"}}',
                f'{{"MESSAGE":[{piece}],"PRIORITY":"{piece}","__REALTIME_TIMESTAMP":"{stamp}"}}',
                f'{{"record":{{"level":{{"name":"{piece}"}},"time":{{"timestamp":{stamp or 0}}}}}}}',
                f'{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{"severityNumber":"{piece}"}}]}}]}}]}}',
                f"\x1b[2m{stamp}\x1b[0m \x1b[31m{piece}\x1b[0m {piece}",
                f"web-1  | {piece}",
                f"panic: {piece}",
                piece,
            ]
        )
    )


LINES = st.one_of(json_lines(), other_lines(), TEXT, st.sampled_from(DEEP))


def check(record: LogRecord) -> None:
    assert record.level in LEVELS
    assert isinstance(record.time_of_day, str) and isinstance(record.full, str) and isinstance(record.summary, str)
    assert record.when is None or (isinstance(record.when, float) and math.isfinite(record.when))
    assert isinstance(record.line, str)
    for text in (record.full, record.summary, record.message, summary_of(record)):
        assert sanitize(text, keep_newlines=True) == text  # nothing a terminal would run or hide


@given(LINES, FORMATS)
@example('{"time": Infinity}', "auto")
@example('{"ts": 1e400}', "auto")
@example('{"ts": NaN, "level": NaN}', "auto")
@example('{"time": ' + "9" * 5000 + ', "level": "' + "9" * 5000 + '", "PRIORITY": "²"}', "json")
@example('{"level": "²", "PRIORITY": ' + "9" * 5000 + "}", "auto")
@example('{"msg": "\ud800", "level": 50}', "json")  # a lone surrogate: msgspec cannot encode it
@example('{"\\ud800": Infinity}', "auto")  # an escaped one, in a key, beside what only the json module reads (CI)
def test_parse_line_always_returns_a_sane_record(line: str, fmt: str) -> None:
    check(parse_line(line, fmt, "src"))


@given(st.lists(LINES, max_size=30), FORMATS, st.integers(1, 5))
def test_feed_in_any_batches_always_returns_sane_records(lines: list[str], fmt: str, batches: int) -> None:
    parser = LogParser(fmt, "src")
    size = max(1, len(lines) // batches)
    count = 0
    for start in range(0, len(lines), size):
        for record in parser.feed(lines[start : start + size]):
            check(record)
            count += 1
        if (held := parser.held()) is not None:
            check(held)
    flushed = parser.flush()
    for record in flushed:
        check(record)
    assert parser.held() is None
    assert (count + len(flushed) > 0) == bool(lines)  # every line is in a record once the parser is flushed


@given(st.lists(LINES, max_size=12))
def test_every_format_scans_and_parses_any_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert detect_format(lines) in {*FORMAT_OBJECTS.values(), MIXED}
    for fmt in (*FORMAT_OBJECTS.values(), MIXED):
        for line in lines:
            level, clock, when = fmt.scan(line)
            assert level in LEVELS and isinstance(clock, str)
            assert when is None or (isinstance(when, float) and math.isfinite(when))
            assert isinstance(fmt.starts_record(line), bool)
        check(fmt.parse(text, "src"))


@pytest.mark.timeout(400)
def test_pathological_lines_finish(tmp_path: object) -> None:
    """Whole lines at the 1 MiB cap that a backtracking regex or a per-line string copy turns into hours: a
    subprocess (killable) must finish them; the timeout is a hang guard, generous on a loaded machine."""
    code = (
        "from tessa_tui.logs.parse import LogParser, parse_line\n"
        "n = 1024 * 1024 - 16\n"
        "parse_line('level=x ' + 'a' * n)\n"  # the old logfmt regex retried this word from each character
        "parse_line('msg=\"' + '\\\\a' * (n // 2))\n"
        "parse_line('Jan 21 14:03:07 host ' + 'a' * n)\n"
        "LogParser().feed(['start'] + [' x'] * 350_000)\n"  # the old feed copied the growing trace per line
        "from tessa_tui.logs.formats.detect import FORMATS\n"
        "from tessa_tui.logs.formats.mixed import MIXED\n"
        "pieces = ['\\\\', '\"', ' ', ',', '-', '\\x1b[1m', 'ERROR ']\n"
        "heads = ['', '2026-12-06 23:32:59.123 UTC [1] ', '2026-12-06 23:32:59.123 UTC,', '<1>1 - h a - - ',\n"
        "         '1.2.3.4 - - [06/Dec/2026:23:32:59 +0000] \"', '{\"log\":\"', '{\"level\":\"', 'web-1 | ',\n"
        "         '2026-12-06 23:32:59 ', 'INFO:     ', 'time=']\n"
        "for head in heads:\n"
        "    for piece in pieces:\n"
        "        line = head + piece * (n // len(piece))\n"
        "        for fmt in (*FORMATS.values(), MIXED):\n"
        "            fmt.scan(line)\n"
        "        MIXED.parse(line)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
