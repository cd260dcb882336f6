"""Log formats on what the real programs write: Python's logging module in its common formats (tracebacks,
chained ones), a PostgreSQL cluster of the test's own logging to stderr (Debian's and pgBadger's prefixes),
csvlog and jsonlog, and journald where `journalctl` has a journal."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import io
import logging
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tessa_tui.logs.formats.detect import detect_format
from tessa_tui.logs.parse import LogRecord, parse_lines


def read(text: str) -> tuple[str, list[LogRecord]]:
    lines = text.splitlines()
    return detect_format(lines).name, parse_lines(lines, "auto", "real")


# --- Python's logging -------------------------------------------------------------------------------------------

PYTHON_FORMATS = {
    "%(asctime)s - %(name)s - %(levelname)s - %(message)s": "stamped",
    "%(levelname)s:%(name)s:%(message)s": "uvicorn",  # basicConfig's default: `LEVEL:` first, no time
    "[%(asctime)s] %(levelname)s in %(module)s: %(message)s": "stamped",  # Flask's default
    "%(asctime)s %(levelname)s %(name)s: %(message)s": "stamped",
    "%(asctime)s:%(levelname)s:%(message)s": "stamped",
}


def write_python_log(fmt: str) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(fmt))
    logger = logging.getLogger(f"tessa.test.{abs(hash(fmt))}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    logger.info("service started")
    try:
        empty: dict[str, int] = {}
        try:
            empty["k"]
        except KeyError as exc:
            raise RuntimeError("lookup failed") from exc
    except RuntimeError:
        logger.exception("request failed\nfor user 42")  # a message of two lines, then the chained traceback
    try:
        try:
            1 / 0  # noqa: B018 - the exception is the point
        except ZeroDivisionError:
            raise ValueError("during handling") from None
    except ValueError:
        logger.critical("gave up", exc_info=True)
    logger.warning("slow: %d ms", 1500)
    logger.debug("done")
    return out.getvalue()


@pytest.mark.parametrize("fmt", PYTHON_FORMATS)
def test_python_logging_formats_with_chained_tracebacks(fmt: str) -> None:
    detected, records = read(write_python_log(fmt))
    assert detected == PYTHON_FORMATS[fmt]
    assert [r.level for r in records] == ["info", "error", "fatal", "warn", "debug"]
    failed = records[1].full
    assert "The above exception was the direct cause of the following exception:" in failed
    assert "KeyError: 'k'" in failed and failed.endswith("RuntimeError: lookup failed")
    assert "for user 42" in failed and "request failed" in records[1].line
    assert records[2].full.endswith("ValueError: during handling")
    if "asctime" in fmt:
        assert all(r.time_of_day and r.when for r in records)


# --- PostgreSQL -------------------------------------------------------------------------------------------------

DEBIAN = "%m [%p] %q%u@%d "  # Debian's postgresql.conf
PGBADGER = "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "  # pgBadger's documentation
STATEMENTS = (
    "SELECT * FROM no_such_table",
    "SELECT 1,\n       2\n  FROM no_such_table_either\n WHERE true",  # a multi-line statement
    "DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', HINT = 'the hint'; END $$",
)


@pytest.fixture(scope="module")
def pg_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A cluster of this module's own writing stderr (Debian's prefix, then pgBadger's), csvlog and jsonlog
    through its logging collector, each after the statements above ran; the files' texts by name."""
    from tessa_tui.demo.pg_server import PostgresServer

    try:
        server = PostgresServer(tmp_path_factory.mktemp("pglog") / "data", fast=True)
    except Exception as exc:
        pytest.skip(f"no PostgreSQL: {exc}")
    server.init()
    texts: dict[str, str] = {}
    try:
        for name, prefix in (("debian", DEBIAN), ("pgbadger", PGBADGER)):
            conf = server.data_dir / "postgresql.conf"
            conf.write_text(
                conf.read_text()
                + "\nlogging_collector = on\nlog_destination = 'stderr,csvlog,jsonlog'\nlog_directory = 'log'\n"
                + f"log_filename = '{name}.log'\nlog_line_prefix = '{prefix}'\nlog_min_error_statement = error\n"
            )
            server.start()
            asyncio.run(_provoke(server.dsn))
            server.stop()
            for suffix in ("log", "csv", "json"):
                texts[f"{name}.{suffix}"] = (server.data_dir / "log" / f"{name}.{suffix}").read_text(errors="replace")
        yield texts
    finally:
        server.kill()


async def _provoke(dsn: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=10, server_settings={"application_name": "tessa test"})
    try:
        for statement in STATEMENTS:
            with contextlib.suppress(asyncpg.PostgresError):
                await conn.execute(statement)
    finally:
        await conn.close()


def errors_of(records: list[LogRecord]) -> list[LogRecord]:
    return [r for r in records if r.level == "error"]


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["debian", "pgbadger"])
def test_postgres_stderr_keeps_detail_hint_and_statement_with_the_error(pg_logs: dict[str, str], prefix: str) -> None:
    detected, records = read(pg_logs[f"{prefix}.log"])
    assert detected == "postgres"
    errors = errors_of(records)
    assert len(errors) == 3, [r.full for r in records]
    assert all(r.when is not None and r.time_of_day for r in records)
    missing, multi, raised = errors
    assert "no_such_table" in missing.message and "STATEMENT:  SELECT * FROM no_such_table" in missing.full
    assert "       2\n" in multi.full and multi.full.rstrip().endswith("WHERE true")  # the statement's lines
    assert raised.message == "boom"
    assert "DETAIL:  the detail" in raised.full and "HINT:  the hint" in raised.full
    assert not any(r.full.startswith(("\t", " ")) or "STATEMENT:" in r.line for r in records)


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["debian", "pgbadger"])
def test_postgres_csvlog_rows_are_records(pg_logs: dict[str, str], prefix: str) -> None:
    detected, records = read(pg_logs[f"{prefix}.csv"])
    assert detected == "postgres-csv"
    missing, multi, raised = errors_of(records)
    assert "no_such_table" in missing.message
    assert "FROM no_such_table_either" in multi.full and multi.full.count("\n") >= 3  # one row over four lines
    assert raised.message == "boom  DETAIL: the detail  HINT: the hint"
    assert all(r.when is not None for r in records)


@pytest.mark.pg
@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["debian", "pgbadger"])
def test_postgres_jsonlog_severity_and_message(pg_logs: dict[str, str], prefix: str) -> None:
    detected, records = read(pg_logs[f"{prefix}.json"])
    assert detected == "json"
    assert [r.message for r in errors_of(records)][2] == "boom"
    assert len(errors_of(records)) == 3 and all(r.when is not None for r in records)


# --- journald, uvicorn ------------------------------------------------------------------------------------------


def test_journald_json_where_there_is_a_journal() -> None:
    if shutil.which("journalctl") is None:
        pytest.skip("no journalctl")
    run = subprocess.run(
        ["journalctl", "-o", "json", "-n", "200", "--no-pager"], capture_output=True, text=True, timeout=30
    )
    if run.returncode != 0 or not run.stdout.strip():
        pytest.skip("journalctl has no journal here")
    detected, records = read(run.stdout)
    assert detected == "json"
    assert all(r.when is not None for r in records) and all(r.level != "unknown" for r in records)


def test_uvicorn_when_installed(tmp_path: Path) -> None:
    if importlib.util.find_spec("uvicorn") is None:
        pytest.skip("uvicorn is not installed in this venv (its format is tested on a sample after its source)")
    pytest.fail("uvicorn is installed: run it and read its log here")  # pragma: no cover - a reminder
