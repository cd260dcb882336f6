"""Bad runbook files: one `file:line: field: message` error each, never a traceback or a half-loaded pack."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.runbook.load import load_pack, load_runbook

HEAD = "id: rb\ntitle: Broken\nkind: issue\n"
ONE_PHASE = "phases:\n  - name: Diagnosis\n    steps:\n      - id: look\n        text: Look\n"


@dataclass(frozen=True)
class BadRunbook:
    """A broken runbook `rb.yaml` and the exact error it must give (`{file}` is its path)."""

    id: str
    text: str
    error: str


CASES = [
    BadRunbook(
        "unknown-key",
        HEAD + "sumary: typo\n" + ONE_PHASE,
        "{file}:4: sumary: unknown key 'sumary'; did you mean 'summary'?",
    ),
    BadRunbook(
        "unknown-step-key",
        HEAD + ONE_PHASE + "        destrutive: true\n",
        "{file}:9: phases[0].steps[0].destrutive: unknown key 'destrutive'; did you mean 'destructive'?",
    ),
    # A missing key has no line of its own: the error points at the mapping that should hold it.
    BadRunbook("missing-phases", HEAD, "{file}:1: phases: this key is required"),
    BadRunbook(
        "duplicate-step-id",
        HEAD + ONE_PHASE + "      - id: look\n        text: Look again\n",
        "{file}:4: phases: step id 'look' is used twice in this runbook",
    ),
    BadRunbook(
        "two-actions",
        HEAD + ONE_PHASE + "        action:\n          sql: SELECT 1\n          run: [ls]\n",
        "{file}:9: phases[0].steps[0].action: an action has exactly one of http, sql, run, check, copy, probe, "
        "pagerduty, slack, statuspage, deployments, rollback, metrics (found 2)",
    ),
    BadRunbook(
        "empty-run",
        HEAD + ONE_PHASE + "        action:\n          run: []\n",
        "{file}:10: phases[0].steps[0].action.run: needs at least the program name",
    ),
    BadRunbook(
        "bad-within",
        HEAD + "phases:\n  - name: Now\n    within: 5 minutes\n    steps:\n      - id: look\n        text: Look\n",
        "{file}:6: phases[0].within: '5 minutes' is not a duration; use a number with ms, s, m, h or d, "
        "e.g. 30s, 15m, 1h30m",
    ),
    BadRunbook(
        "decreasing-time-boxes",
        HEAD
        + textwrap.dedent(
            """\
            phases:
              - name: Later
                within: 15m
                steps:
                  - {id: a, text: A}
              - name: Sooner
                within: 5m
                steps:
                  - {id: b, text: B}
            """
        ),
        "{file}:4: phases: time boxes must not decrease from one phase to the next",
    ),
    BadRunbook(
        "resolution-min-after-max",
        HEAD + "time-to-resolution: {min: 30m, max: 15m}\n" + ONE_PHASE,
        "{file}:4: time-to-resolution: min is after max",
    ),
    BadRunbook(
        "invalid-kind",
        "id: rb\ntitle: Broken\nkind: runbook\n" + ONE_PHASE,
        "{file}:3: kind: invalid enum value 'runbook'; "
        "choose one of: procedure, issue, rollback, maintenance, security, review",
    ),
    BadRunbook(
        "bad-step-id",
        HEAD + "phases:\n  - name: P\n    steps:\n      - id: Check_It\n        text: A\n",
        "{file}:7: phases[0].steps[0].id: expected str matching regex '^[a-z0-9][a-z0-9-]*$'",
    ),
    BadRunbook(
        "non-mapping",
        "- id: rb\n- title: Broken\n",
        "{file}:1: a runbook file is a mapping with id, title, kind and phases",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_runbook_names_file_line_and_field(case: BadRunbook, tmp_path: Path) -> None:
    path = tmp_path / "rb.yaml"
    path.write_text(case.text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_runbook(path)
    assert str(caught.value) == case.error.format(file=path)


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other-name.yaml"
    path.write_text(HEAD + ONE_PHASE, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_runbook(path)
    assert str(caught.value) == f"{path}:1: id: id 'rb' does not match the file name; name the file rb.yaml"


def test_link_to_a_runbook_outside_the_pack(tmp_path: Path) -> None:
    (tmp_path / "first.yaml").write_text(
        textwrap.dedent(
            """\
            id: first
            title: First
            kind: issue
            phases:
              - name: Resolution
                steps:
                  - id: go-second
                    text: Go to the second runbook
                    link: second
                  - id: go-nowhere
                    text: Go to a runbook that does not exist
                    link: nowhere
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "second.yaml").write_text("id: second\ntitle: Second\nkind: issue\n" + ONE_PHASE, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_pack([tmp_path])
    assert str(caught.value) == (
        f"{tmp_path / 'first.yaml'}:12: step go-nowhere: link: links to 'nowhere', which is not a runbook in the pack"
    )


def test_a_pack_whose_links_resolve_loads(tmp_path: Path) -> None:
    (tmp_path / "first.yaml").write_text(
        "id: first\ntitle: First\nkind: issue\nphases:\n  - name: P\n    steps:\n"
        "      - {id: go, text: Go, link: second}\n",
        encoding="utf-8",
    )
    (tmp_path / "second.yaml").write_text("id: second\ntitle: Second\nkind: issue\n" + ONE_PHASE, encoding="utf-8")
    assert sorted(load_pack([tmp_path]).runbooks) == ["first", "second"]


def test_a_missing_runbook_directory_is_a_user_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(UserError) as caught:
        load_pack([missing])
    assert str(caught.value) == f"{missing}: runbook directory does not exist"
