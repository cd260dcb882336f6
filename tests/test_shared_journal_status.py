"""`journal status` does not let events be forgotten in another local copy: a DSN spelled another way (the host's
name for its address) is another copy by name, and what waited in the old one is named with what it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessa_tui.cli.main import main
from tessa_tui.config.load import load_config
from tessa_tui.incidents.book import open_book


def test_events_left_in_a_copy_for_another_spelling_of_the_dsn_are_named(
    tmp_path: Path, pg_dsn: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tmp_path / "before.yaml"
    before.write_text("journal:\n  actor: alice\n  shared:\n    dsn: postgresql://tessa@db.invalid:5/x\n", "utf-8")
    book = open_book(load_config(before))
    book.record(book.declare("SEV3", "written while the old DSN was down"))
    book.journal.close()
    monkeypatch.setenv("TESSA_JOURNAL_DSN", pg_dsn)
    after = tmp_path / "after.yaml"
    after.write_text("journal:\n  actor: alice\n  shared:\n    dsn: ${TESSA_JOURNAL_DSN}\n", "utf-8")
    assert main(["--config", str(before), "journal", "status"]) == 1
    capsys.readouterr()
    main(["--config", str(after), "journal", "status"])
    out = capsys.readouterr().out
    [warning] = [line for line in out.splitlines() if "never shared" in line]
    assert "holds 1 event never shared, made for the shared journal db.invalid:5/x tessa" in warning
