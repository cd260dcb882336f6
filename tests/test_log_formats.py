"""Log formats: records (a head line and what continues it), levels and times, detection, on samples written by
hand after each format's documentation or source (cited beside each), on lnav's public samples, and the cost of
the ingest path counted in calls (tests/test_log_formats_real.py runs the real programs)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tessa_tui.logs.formats.detect import FORMATS, detect_format, format_named
from tessa_tui.logs.formats.log_format import LogFormat
from tessa_tui.logs.formats.records import LogParser
from tessa_tui.logs.ingest import digest
from tessa_tui.logs.parse import LogRecord, parse_lines, summary_of
from tests.conftest import SHARED_DATA

Shape = list[tuple[str, str, int]]  # per record: level, time of day, lines


def records(text: str, fmt: str = "auto") -> list[LogRecord]:
    return parse_lines(text.split("\n"), fmt, "app")


def shape(found: list[LogRecord]) -> Shape:
    return [(r.level, r.time_of_day, r.full.count("\n") + 1) for r in found]


# Each sample follows the documentation or source named beside it.
SAMPLES: dict[str, tuple[str, str, Shape, list[str]]] = {
    # Python logging, `%(asctime)s %(levelname)s %(message)s` and logger.exception with a chained exception
    # (traceback.format_exception's layout, Python 3.11).
    "python traceback": (
        "2026-12-06 23:32:59,123 ERROR request failed\n"
        "Traceback (most recent call last):\n"
        '  File "/app/x.py", line 3, in f\n'
        "    d['k']\n"
        "KeyError: 'k'\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "/app/x.py", line 5, in g\n'
        "    raise RuntimeError('boom') from e\n"
        "RuntimeError: boom\n"
        "2026-12-06 23:33:00,001 INFO next",
        "stamped",
        [("error", "23:32:59", 12), ("info", "23:33:00", 1)],
        ["ERROR request failed", "INFO next"],
    ),
    # loguru's default format (loguru/_defaults.py LOGURU_FORMAT) with backtrace=True's `> File` marker and a
    # message of two lines.
    "loguru": (
        "2026-12-06 23:32:59.123 | ERROR    | __main__:f:5 - request failed\n"
        "second line of the message\n"
        "Traceback (most recent call last):\n"
        '> File "/app/x.py", line 5, in <module>\n'
        "    f()\n"
        "    └ <function f at 0x7f>\n"
        "KeyError: 'k'\n"
        "2026-12-06 23:33:00.000 | INFO     | __main__:g:9 - next",
        "stamped",
        [("error", "23:32:59", 7), ("info", "23:33:00", 1)],
        ["ERROR    | __main__:f:5 - request failed", "INFO     | __main__:g:9 - next"],
    ),
    # logback's PatternLayout `%d [%thread] %-5level %logger - %msg%n` (logback.qos.ch/manual/layouts.html) and
    # Throwable.printStackTrace's `Caused by:` / `\tat` / `... n more`.
    "logback": (
        "2026-12-06 23:32:59.123 [main] ERROR com.x.Y - request failed\n"
        "java.lang.IllegalStateException: boom\n"
        "\tat com.x.Y.run(Y.java:10)\n"
        "Caused by: java.io.IOException: disk\n"
        "\tat com.x.Z.read(Z.java:3)\n"
        "\t... 2 more\n"
        "2026-12-06 23:33:00.000 [main] INFO com.x.Y - ok",
        "stamped",
        [("error", "23:32:59", 6), ("info", "23:33:00", 1)],
        ["[main] ERROR com.x.Y - request failed", "[main] INFO com.x.Y - ok"],
    ),
    # java.util.logging.SimpleFormatter's default format (its javadoc: `%1$tb %1$td, %1$tY %1$tl:%1$tM:%1$tS %1$Tp
    # %2$s%n%4$s: %5$s%6$s%n`): the level on the record's second line.
    "jul": (
        "Dec 06, 2026 11:32:59 PM com.x.Y method\n"
        "SEVERE: request failed\n"
        "java.lang.RuntimeException: boom\n"
        "\tat com.x.Y.method(Y.java:10)\n"
        "Dec 06, 2026 11:33:00 PM com.x.Y other\n"
        "INFO: ok",
        "jul",
        [("error", "23:32:59", 4), ("info", "23:33:00", 2)],
        ["request failed", "ok"],
    ),
    # Go: runtime/panic.go prints `panic: ` + the value, runtime/traceback.go `goroutine 1 [running]:` and the
    # frames; zap's console encoder (zapcore/console_encoder.go) writes tab-separated fields.
    "go panic": (
        "2026-12-06T23:32:59.123Z\tinfo\tmain.go:10\tstarting\n"
        "panic: runtime error: index out of range [5] with length 3\n"
        "\n"
        "goroutine 1 [running]:\n"
        "main.main()\n"
        "\t/app/main.go:12 +0x1d\n"
        "exit status 2",
        "stamped",
        [("info", "23:32:59", 1), ("fatal", "23:32:59", 6)],
        ["info\tmain.go:10\tstarting", "panic: runtime error: index out of range [5] with length 3"],
    ),
    # Node: pino's JSON lines (getpino.io), then an uncaught Error's stack as Node prints it (nodejs.org/api/errors:
    # `error.stack`: the first line `<name>: <message>`, then `    at ...` frames).
    "node": (
        '{"level":30,"time":1796599979123,"msg":"listening"}\n'
        '{"level":50,"time":1796599980123,"msg":"request failed"}\n'
        "Error: x\n"
        "    at f (/app/x.js:3:9)\n"
        "    at Object.<anonymous> (/app/x.js:5:1)\n"
        '{"level":30,"time":1796599981123,"msg":"next"}',
        "json",
        [("info", "23:32:59", 1), ("error", "23:33:00", 4), ("info", "23:33:01", 1)],
        ["listening", "request failed", "next"],
    ),
    # Rust: tracing-subscriber's default fmt (docs.rs tracing_subscriber::fmt::format::Full), without and with
    # its ANSI colours.
    "rust": (
        "2026-12-06T23:32:59.123456Z  INFO app: starting\n"
        "2026-12-06T23:32:59.223456Z ERROR app::db: query failed\n"
        "    error: connection reset\n"
        "\x1b[2m2026-12-06T23:32:59.323456Z\x1b[0m \x1b[33m WARN\x1b[0m \x1b[2mapp\x1b[0m\x1b[2m:\x1b[0m slow",
        "stamped",
        [("info", "23:32:59", 1), ("error", "23:32:59", 2), ("warn", "23:32:59", 1)],
        ["INFO app: starting", "ERROR app::db: query failed", "\\e[33m WARN\\e[0m \\e[2mapp\\e[0m\\e[2m:\\e[0m slow"],
    ),
    # Redis: server.c serverLogRaw, `pid:role day Mon year time.ms mark msg`, marks `.` debug, `-` verbose,
    # `*` notice, `#` warning.
    "redis": (
        "1234:M 06 Dec 2026 23:32:59.123 * Ready to accept connections tcp\n"
        "1234:M 06 Dec 2026 23:32:59.124 # WARNING overcommit_memory is set to 0\n"
        "1234:S 06 Dec 2026 23:32:59.125 - Accepted 127.0.0.1:5000\n"
        "1234:C 06 Dec 2026 23:32:59.126 . DB 0: 1 keys",
        "redis",
        [("info", "23:32:59", 1), ("warn", "23:32:59", 1), ("debug", "23:32:59", 1), ("debug", "23:32:59", 1)],
        [
            "Ready to accept connections tcp",
            "WARNING overcommit_memory is set to 0",
            "Accepted 127.0.0.1:5000",
            "DB 0: 1 keys",
        ],
    ),
    # nginx: src/core/ngx_log.c ngx_log_error_core, `yyyy/mm/dd hh:mm:ss [level] pid#tid: *conn message`.
    "nginx": (
        '2026/12/06 23:32:59 [error] 123#0: *1 open() "/x" failed (2: No such file or directory)\n'
        "2026/12/06 23:33:00 [warn] 123#0: *2 an upstream response is buffered",
        "nginx-error",
        [("error", "23:32:59", 1), ("warn", "23:33:00", 1)],
        ['*1 open() "/x" failed (2: No such file or directory)', "*2 an upstream response is buffered"],
    ),
    # Apache httpd 2.4's error log (httpd.apache.org/docs/2.4/logs.html#errorlog) and 2.2's.
    "apache": (
        "[Sun Dec 06 23:32:59.123456 2026] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187] File does "
        "not exist: /usr/local/apache2/htdocs/favicon.ico\n"
        "[Sun Dec 06 23:33:00 2026] [notice] Apache/2.2.22 configured -- resuming normal operations",
        "apache-error",
        [("error", "23:32:59", 1), ("info", "23:33:00", 1)],
        [
            "[pid 35708:tid 4328636416] [client 72.15.99.187] File does not exist: "
            "/usr/local/apache2/htdocs/favicon.ico",
            "Apache/2.2.22 configured -- resuming normal operations",
        ],
    ),
    # NCSA combined / common (httpd.apache.org/docs/2.4/logs.html#accesslog): the level is the status's, never
    # a word in the URL.
    "access": (
        '127.0.0.1 - - [06/Dec/2026:23:32:59 +0000] "GET /warn?error=1 HTTP/1.1" 500 12 "-" "curl/8"\n'
        '127.0.0.1 - frank [06/Dec/2026:23:33:00 +0100] "GET /error HTTP/1.1" 200 12 "-" "curl/8"\n'
        '127.0.0.1 - - [06/Dec/2026:23:33:01 +0000] "GET /x HTTP/1.1" 404 12',
        "access",
        [("error", "23:32:59", 1), ("info", "23:33:00", 1), ("warn", "23:33:01", 1)],
        [],
    ),
    # uvicorn: uvicorn/logging.py's DefaultFormatter `%(levelprefix)s %(message)s` and AccessFormatter
    # `%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s`.
    "uvicorn": (
        "INFO:     Started server process [12]\n"
        'INFO:     127.0.0.1:5000 - "GET /error HTTP/1.1" 200 OK\n'
        'INFO:     127.0.0.1:5000 - "GET / HTTP/1.1" 500 Internal Server Error\n'
        "ERROR:    Exception in ASGI application\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in app\n'
        "KeyError: 'k'",
        "uvicorn",
        [("info", "", 1), ("info", "", 1), ("error", "", 1), ("error", "", 4)],
        [
            "Started server process [12]",
            '127.0.0.1:5000 - "GET /error HTTP/1.1" 200 OK',
            '127.0.0.1:5000 - "GET / HTTP/1.1" 500 Internal Server Error',
            "Exception in ASGI application",
        ],
    ),
    # RFC 5424 section 6.5's examples (the year moved on); RFC 3164 section 5.4's.
    "syslog": (
        '<165>1 2026-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] '
        "An application event log entry\n"
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8\n"
        "<13>Oct 11 22:14:16 mymachine app[12]: a notice",
        "syslog",
        [("info", "22:14:15", 1), ("fatal", "22:14:15", 1), ("info", "22:14:16", 1)],
        ["An application event log entry", "'su root' failed for lonvick on /dev/pts/8", "a notice"],
    ),
    # Docker's json-file driver (docs.docker.com/engine/logging/drivers/json-file): each line the container wrote,
    # read again; a traceback over several JSON lines is one record.
    "docker": (
        '{"log":"2026-12-06 23:32:59,123 ERROR request failed\\n","stream":"stderr","time":"2026-12-06T23:32:59.1Z"}\n'
        '{"log":"Traceback (most recent call last):\\n","stream":"stderr","time":"2026-12-06T23:32:59.2Z"}\n'
        '{"log":"KeyError: \'k\'\\n","stream":"stderr","time":"2026-12-06T23:32:59.3Z"}\n'
        '{"log":"2026-12-06 23:33:00,123 INFO ok\\n","stream":"stdout","time":"2026-12-06T23:33:00.123456789Z"}',
        "docker",
        [("error", "23:32:59", 3), ("info", "23:33:00", 1)],
        ["ERROR request failed", "INFO ok"],
    ),
    # logrus's TextFormatter without colours (github.com/sirupsen/logrus README).
    "logrus": (
        'time="2026-12-06T23:32:59-04:00" level=error msg="Started observing beach" animal=walrus number=8\n'
        "time=2026-12-06T23:33:00Z level=info msg=ok",
        "logfmt",
        [("error", "23:32:59", 1), ("info", "23:33:00", 1)],
        ["Started observing beach", "ok"],
    ),
    # PostgreSQL stderr with Debian's `%m [%p] %q%u@%d ` and pgBadger's `%t [%p]: [%l-1] user=%u,db=%d,app=%a,
    # client=%h ` (the real server writes both in tests/test_log_formats_real.py).
    "postgres debian": (
        '2026-12-06 23:32:59.123 UTC [123] postgres@db ERROR:  relation "x" does not exist at character 15\n'
        "2026-12-06 23:32:59.123 UTC [123] postgres@db STATEMENT:  select *\n"
        "\t  from x;\n"
        "2026-12-06 23:33:00.000 UTC [99] LOG:  checkpoint starting: time",
        "postgres",
        [("error", "23:32:59", 3), ("info", "23:33:00", 1)],
        ['relation "x" does not exist at character 15', "checkpoint starting: time"],
    ),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_each_format_reads_its_records_levels_and_times(name: str) -> None:
    text, fmt, expected, messages = SAMPLES[name]
    lines = text.split("\n")
    assert detect_format(lines).name == fmt
    found = records(text)
    assert shape(found) == expected
    assert shape(records(text, fmt)) == expected  # named in the config, the same
    if messages:
        assert [r.message for r in found] == messages
    for record in found:
        assert "\x1b" not in record.full


def test_times_are_epoch_seconds_in_utc() -> None:
    [jul] = records("Dec 06, 2026 11:32:59 PM com.x.Y method\nSEVERE: x")
    [access] = records('1.2.3.4 - - [06/Dec/2026:23:32:59 +0100] "GET / HTTP/1.1" 200 1')
    [pg] = records("2026-12-06 23:32:59.250 PDT [1] LOG:  x")
    [nano] = records('{"timeUnixNano":"1796599979250000000","severityNumber":17,"body":{"stringValue":"b"}}')
    assert datetime.fromtimestamp(jul.when or 0, UTC).isoformat() == "2026-12-06T23:32:59+00:00"
    assert datetime.fromtimestamp(access.when or 0, UTC).isoformat() == "2026-12-06T22:32:59+00:00"
    assert datetime.fromtimestamp(pg.when or 0, UTC).isoformat() == "2026-12-07T06:32:59.250000+00:00"
    assert (nano.level, nano.time_of_day, nano.message) == ("error", "23:32:59", "b")


@pytest.mark.parametrize(
    ("line", "level", "clock", "message"),
    [
        # journalctl -o json (systemd's JSON export format: a message that is not UTF-8 as an array of bytes)
        (
            '{"__REALTIME_TIMESTAMP":"1796599979123456","PRIORITY":"3","MESSAGE":[104,105,255]}',
            "error",
            "23:32:59",
            "hi\ufffd",
        ),
        ('{"__REALTIME_TIMESTAMP":"1796599980000000","PRIORITY":"6","MESSAGE":"fine"}', "info", "23:33:00", "fine"),
        # PostgreSQL jsonlog (docs: "Using JSON-Format Log Output")
        (
            '{"timestamp":"2026-12-06 23:32:59.123 UTC","pid":12,"error_severity":"ERROR","message":"relation \\"x\\" '
            'does not exist","statement":"select * from x"}',
            "error",
            "23:32:59",
            'relation "x" does not exist',
        ),
        # loguru serialize=True (loguru docs: the record dict)
        (
            '{"text": "2026-12-06 23:32:59.123 | ERROR    | __main__:<module>:5 - boom\\n", "record": {"exception": '
            'null, "extra": {}, "level": {"icon": "x", "name": "ERROR", "no": 40}, "message": "boom", "time": '
            '{"repr": "2026-12-06 23:32:59.123456+00:00", "timestamp": 1796599979.123456}}}',
            "error",
            "23:32:59",
            "boom",
        ),
        # OpenTelemetry log record (OTLP JSON), severityText missing: severityNumber 13-16 is warn
        (
            '{"timeUnixNano":"1796599979000000000","severityNumber":13,"body":{"stringValue":"slow"}}',
            "warn",
            "23:32:59",
            "slow",
        ),
        # Caddy's access log (caddyserver.com/docs/logging): a 502 is an error whatever `level` says
        (
            '{"level":"info","ts":1796599979.5,"logger":"http.log.access","msg":"handled request","status":502}',
            "error",
            "23:32:59",
            "handled request",
        ),
        # bunyan (numeric level, ISO time), structlog (`event`), ECS (dotted key), zap JSON
        ('{"name":"app","level":40,"msg":"hm","time":"2026-12-06T23:32:59.000Z","v":0}', "warn", "23:32:59", "hm"),
        ('{"event":"hello","level":"warning","timestamp":"2026-12-06T23:32:59Z"}', "warn", "23:32:59", "hello"),
        ('{"@timestamp":"2026-12-06T23:32:59Z","log.level":"error","message":"m"}', "error", "23:32:59", "m"),
        ('{"level":"dpanic","ts":1796599979.1,"caller":"x.go:1","msg":"m"}', "fatal", "23:32:59", "m"),
    ],
)
def test_json_shapes(line: str, level: str, clock: str, message: str) -> None:
    [record] = records(line)
    assert (record.level, record.time_of_day, record.message) == (level, clock, message)


def test_postgres_csvlog_rows_span_lines() -> None:
    # csvlog's columns (PostgreSQL 13-17 docs, "Using CSV-Format Log Output"): severity is the 12th.
    text = (
        '2026-12-06 23:32:59.123 UTC,"postgres","db",123,"[local]",6750a1b2.7b,3,"SELECT",2026-12-06 23:32:50 UTC,'
        '3/4,0,ERROR,42P01,"relation ""x"" does not exist",,"Perhaps you meant ""y"".",,,,"select *\n'
        'from x;",15,,"psql","client backend",,0\n'
        '2026-12-06 23:33:00.000 UTC,,,99,,6750a1b2.63,1,,2026-12-06 23:30:00 UTC,,0,LOG,00000,"checkpoint starting",'
        ',,,,,,,,"","checkpointer",,0'
    )
    assert detect_format(text.split("\n")).name == "postgres-csv"
    found = records(text)
    assert shape(found) == [("error", "23:32:59", 2), ("info", "23:33:00", 1)]
    assert found[0].message == 'relation "x" does not exist  HINT: Perhaps you meant "y".'
    # A quoted line that looks like a head stays in its row when the format is named.
    tricky = text.replace("from x;", "2026-12-06 23:00:00 is in the statement")
    assert shape(records(tricky, "postgres-csv")) == [("error", "23:32:59", 2), ("info", "23:33:00", 1)]


def test_auto_reads_mixed_output_line_by_line() -> None:
    """docker compose output (lnav's sample shape) and a command's mixed stdout and stderr: no one format."""
    text = (
        "web-1    | 2026-12-06 23:32:59,123 ERROR request failed\n"
        'web-1    |   File "x.py", line 1\n'
        "redis-1  | 1:M 06 Dec 2026 23:32:59.200 # WARNING overcommit_memory is set to 0\n"
        '{"level":"info","time":"2026-12-06T23:33:00Z","msg":"json too"}\n'
        "time=2026-12-06T23:33:01Z level=warn msg=logfmt\n"
        '10.0.0.1 - - [06/Dec/2026:23:33:02 +0000] "GET /error HTTP/1.1" 200 5'
    )
    assert detect_format(text.split("\n")).name == "auto"
    assert shape(records(text)) == [
        ("error", "23:32:59", 2),
        ("warn", "23:32:59", 1),
        ("info", "23:33:00", 1),
        ("warn", "23:33:01", 1),
        ("info", "23:33:02", 1),
    ]


def test_detection_never_folds_another_formats_heads() -> None:
    """A JSON file with a few syslog lines among its first lines is not `json` (which would fold them into the
    JSON records before them): `auto` reads each line as what it is."""
    lines = [f'{{"level":"info","time":"2026-12-06T23:32:{i:02d}Z","msg":"m{i}"}}' for i in range(40)]
    lines[10:10] = ["Dec  6 23:32:10 host app[1]: ERROR stray", "Dec  6 23:32:11 host app[1]: ERROR stray"]
    assert detect_format(lines).name == "auto"
    assert sum(r.level == "error" for r in records("\n".join(lines))) == 2
    assert detect_format([line for line in lines if line.startswith("{")]).name == "json"
    assert detect_format([]).name == "auto"


def test_format_names_and_config_literal_agree() -> None:
    import typing

    from tessa_tui.config.model import LogSource

    literal = typing.get_args(typing.get_args(typing.get_type_hints(LogSource, include_extras=True)["format"])[0])
    assert set(literal) == {*FORMATS, "auto"}
    assert format_named("auto") is None
    assert all(isinstance(format_named(name), LogFormat) for name in FORMATS)


def test_a_parser_detects_on_its_first_batch_and_holds_only_the_open_record() -> None:
    parser = LogParser(source="app")
    assert parser.feed(['{"level":"error","msg":"first"}']) == []
    assert parser.format is not None and parser.format.name == "json"
    held = parser.held()
    assert held is not None and held.level == "error" and held.message == "first"
    [done] = parser.feed(['{"level":"info","msg":"second"}'])
    assert done.message == "first"
    assert [r.message for r in parser.flush()] == ["second"] and parser.flush() == []


def test_a_runaway_record_stops_growing() -> None:
    from tessa_tui.logs.parse import MAX_RECORD

    parser = LogParser("stamped", "app")
    parser.feed(["2026-12-06 23:32:59 ERROR start"] + ["    frame " + "x" * 1000] * 3000)
    held = parser.held()
    assert held is not None and MAX_RECORD - 1100 < len(held.full) <= MAX_RECORD


def test_the_ingest_path_scans_and_never_parses_or_decodes_a_whole_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cause of the ingest throughput, counted: digest finds level and time with the formats' scans; it calls
    no format's full parse, no message extraction, no generic JSON decoder (the JSON scan skims into a struct of
    the level and time keys only), and sanitises a clean batch in one pass, not line by line."""
    import msgspec

    from benchmarks.log_ingest import realistic_lines
    from tessa_tui.base import sanitize as sanitize_module
    from tessa_tui.logs.formats import json_lines
    from tessa_tui.logs.formats import records as records_module
    from tessa_tui.logs.formats.mixed import MIXED

    calls: dict[str, int] = {"parse": 0, "message": 0, "decode": 0, "sanitize": 0}

    def counting(name: str, real: object) -> object:
        def count(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return real(*args, **kwargs)  # type: ignore[operator]

        return count

    monkeypatch.setattr(LogFormat, "parse", counting("parse", LogFormat.parse))
    for kind in {type(fmt) for fmt in (*FORMATS.values(), MIXED)}:
        monkeypatch.setattr(kind, "message", counting("message", kind.message))
    monkeypatch.setattr(json_lines, "_DECODE", msgspec.json.Decoder())
    monkeypatch.setattr(json_lines, "decoded", counting("decode", json_lines.decoded))
    monkeypatch.setattr(json_lines, "_lenient", counting("decode", json_lines._lenient))
    monkeypatch.setattr(records_module, "sanitize", counting("sanitize", sanitize_module.sanitize))
    lines = realistic_lines(20_000)
    parser = LogParser(source="app")
    batches = [digest(parser, lines[start : start + 2000], "following", None) for start in range(0, 20_000, 2000)]
    rows = [row for batch in batches for row in batch.rows]
    assert len(rows) > 19_000 and sum(batch.levels["error"] for batch in batches) > 1000
    assert calls == {"parse": 0, "message": 0, "decode": 0, "sanitize": 0}
    assert summary_of(rows[0]) == "request completed"  # a drawn row's message, derived then


SHARED = SHARED_DATA / "logs"
# lnav's test inputs (PROVENANCE.md): the format each is detected as, and per record its level and line count.
LNAV: dict[str, tuple[str, Shape | None, set[str]]] = {
    "lnav_logfile_syslog.0": ("syslog", None, {"unknown"}),
    "lnav_logfile_access_log.0": (
        "access",
        [("info", "22:59:26", 1), ("warn", "22:59:29", 1), ("info", "22:59:29", 1)],
        set(),
    ),
    "lnav_logfile_bad_access_log.0": (
        "access",
        [("info", "22:59:26", 1), ("warn", "22:59:29", 1), ("info", "22:59:29", 1)],
        set(),
    ),
    "lnav_logfile_multiline.0": ("stamped", [("debug", "22:59:27", 2), ("error", "22:59:30", 1)], set()),
    "lnav_logfile_zap_console.0": (
        "stamped",
        [("info", "22:09:20", 1), ("error", "22:09:20", 7), ("info", "22:09:21", 1)],
        set(),
    ),
    "lnav_logfile_leveltest.0": ("stamped", None, {"trace", "debug", "info", "warn", "fatal", "unknown"}),
    "lnav_logfile_logfmt.0": ("logfmt", None, {"error", "warn", "info"}),
    "lnav_logfile_journald.json": ("json", None, {"fatal", "info"}),
    "lnav_logfile_ecs_log.json": ("json", None, {"debug", "info", "warn", "error", "fatal"}),
    "lnav_logfile_rust_tracing.0": ("json", None, {"info", "trace", "warn", "error"}),
    "lnav_logfile_bunyan.0": ("json", None, {"debug", "info"}),
    "lnav_logfile_otel_collector.jsonl": ("json", None, {"warn"}),
    "lnav_logfile_postgres.0": ("postgres", None, {"info", "error"}),
    "lnav_logfile_haproxy.0": ("syslog", None, {"unknown"}),
    "lnav_logfile_docker_compose.0": ("auto", None, {"info", "warn"}),
    "lnav_logfile_caddy_log.0": ("auto", None, {"info", "warn"}),
    "lnav_logfile_json.json": ("json", None, {"trace", "debug", "info", "warn", "error"}),
}


@pytest.mark.parametrize("name", LNAV)
def test_lnav_samples(name: str) -> None:
    path = SHARED / name
    if not path.exists():
        pytest.skip("shared sample data not present")
    fmt, expected, levels = LNAV[name]
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    assert detect_format(lines).name == fmt
    found = records("\n".join(lines))
    if expected is not None:
        assert shape(found) == expected
    assert levels <= {r.level for r in found}
    if fmt not in {"auto", "stamped"}:
        assert all(r.when is not None for r in found), [r.full for r in found if r.when is None][:3]


def test_lnav_postgres_sample_keeps_statements_with_their_messages() -> None:
    path = SHARED / "lnav_logfile_postgres.0"
    if not path.exists():
        pytest.skip("shared sample data not present")
    found = records(path.read_text(encoding="utf-8"))
    errors = [r for r in found if r.level == "error"]
    assert errors and all("STATEMENT:" in r.full or "DETAIL:" in r.full or "HINT:" in r.full for r in errors)
    assert not any(r.full.startswith(("\t", " ")) for r in found)
