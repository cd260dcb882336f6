"""A secret spelled with JSON escapes (`\\u0068unter2...`, `\\/`) is masked in any log line, JSON or not: a logfmt
value, a repr, a broken JSON record. What the pane shows, the whole-file search matches and the detail view
decodes never holds the secret, whichever of its characters the writer chose to escape."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessa_tui.base import secret_registry
from tessa_tui.logs.file_index import FileIndex
from tessa_tui.logs.file_search import WholeFileSearch
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.ingest import masked_rows, unescaped
from tessa_tui.logs.parse import FULL, parse_line, row_of
from tessa_tui.logs.record_format import format_for

SECRET = "hunter2/secret"
SHAPES = [
    'time=2026-12-06T10:00:00Z level=info msg="token {}"',
    "2026-12-06 10:00:00,000 INFO [auth] login with token={} ok",
    '{{"level":"info","msg":"token {}", broken',
    "plain text {} at the end",
]


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    secret_registry.clear()
    secret_registry.register(SECRET)
    yield
    secret_registry.clear()


def spelled(secret: str, escaped: set[int]) -> str:
    """`secret` with the characters at `escaped` written as JSON escapes (`/` as `\\/`)."""
    return "".join(("\\/" if c == "/" else f"\\u{ord(c):04x}") if n in escaped else c for n, c in enumerate(secret))


@settings(max_examples=150)
@given(st.sets(st.integers(0, len(SECRET) - 1), min_size=1), st.sampled_from(SHAPES))
def test_an_escaped_secret_is_masked_in_any_line(escaped: set[int], shape: str) -> None:
    line = shape.format(spelled(SECRET, escaped))
    (row,) = masked_rows([row_of(parse_line(line))])
    assert SECRET not in row[FULL] and SECRET not in unescaped(row[FULL]), row[FULL]
    assert "token" in row[FULL] or "plain" in row[FULL]  # the rest of the line is still there


@given(st.text(alphabet=string.printable, max_size=60))
def test_a_line_without_the_secret_is_shown_as_written(text: str) -> None:
    line = "2026-12-06 10:00:00,000 INFO " + text.replace("\n", " ").replace("\r", " ")
    (parsed,) = [row_of(parse_line(line))]
    assert masked_rows([parsed]) == [parsed] or SECRET in unescaped(parsed[FULL])


def test_the_whole_file_search_is_no_oracle_for_an_escaped_secret(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        'time=2026-12-06T10:00:00Z level=info msg="token ' + spelled(SECRET, {0, 7}) + '"\n'
        "time=2026-12-06T10:00:01Z level=info msg=other\n"
    )
    index = FileIndex(log, format_for, "app")
    while index.step():
        pass
    assert all(SECRET not in unescaped(row[FULL]) for row in index.rows(0, 2))
    for typed in ("\\u0068unter", "unter2", "\\/secret", "token"):
        search = WholeFileSearch(index, LineFilter.parse(typed))
        while search.step():
            pass
        assert search.count() == (1 if typed == "token" else 0), typed
    index.close()
