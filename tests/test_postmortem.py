"""The post-mortem: the seed's template, filled from the journal, as Markdown and JSON, and through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import new_event
from tessa_tui.incidents.postmortem import postmortem, to_markdown
from tests.conftest import REPO
from tests.incident_fixtures import ManualClock

Book = Callable[..., IncidentBook]


def worked_incident(book: IncidentBook, clock: ManualClock) -> str:
    """A SEV1 worked from start to finish: every milestone, notes of each kind, steps ticked."""
    incident_id = book.record(book.declare("SEV1", "Frontend returns 503", services=["Frontend"])).incident
    book.record(book.note(incident_id, "alert from the services pane", section="detection"))
    clock.advance(minutes=4)
    book.record(book.acknowledge(incident_id))
    book.record(book.tick(incident_id, "1"))
    book.record(book.assign(incident_id, "commander", "alice"))
    clock.advance(minutes=6)
    book.record(book.note(incident_id, "connection pool exhausted by a deploy", section="root_cause"))
    book.record(book.milestone(incident_id, "root-cause"))
    book.record(book.note(incident_id, "all users saw 503s", section="impact"))
    clock.advance(minutes=5)
    book.record(book.milestone(incident_id, "resolution-applied"))
    book.record(book.note(incident_id, "add a pool saturation alert", section="action_item"))
    clock.advance(minutes=3)
    book.record(book.resolve(incident_id, "rolled back the deploy"))
    clock.advance(minutes=2)
    book.record(book.verify(incident_id, "checked the front page"))
    return incident_id


def test_markdown_follows_the_seed_template_with_all_six_milestones(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = worked_incident(book, clock)
    report = postmortem(book.get(incident_id), book.pack, book.severities, clock.now)
    markdown = to_markdown(report)
    for heading in ("Incident Summary", "Timeline", "Root Cause", "Resolution", "Action Items", "Checklist"):
        assert f"## {heading}" in markdown
    timeline = markdown.split("## Timeline")[1].split("##")[0]
    assert [line for line in timeline.splitlines() if line.startswith("- ")] == [
        "- 14:00 - Incident began (declared by alice; no monitor saw it earlier)",
        "- 14:00 - Detected (declared by alice; no monitor saw it earlier; alert from the services pane)",
        "- 14:04 - On-call acknowledged (by alice)",
        "- 14:10 - Root cause identified (set by alice at 14:10)",
        "- 14:15 - Resolution applied (set by alice at 14:15)",
        "- 14:20 - Verified resolved (confirmed by alice)",
    ]
    assert "- **Duration**: 20m" in markdown
    assert "- Time to acknowledge: 4m" in markdown and "- Time to resolution: 15m" in markdown
    assert "- Response (SEV1): met, 11:00 to spare" in markdown
    assert "### What happened?\n\n- connection pool exhausted by a deploy\n" in markdown.split("## Root Cause")[1]
    assert "### Why did it happen?\n\n- not recorded\n" in markdown
    assert "- rolled back the deploy" in markdown.split("## Resolution")[1]
    assert "- [ ] [owner not set] - add a pool saturation alert (due date not set)" in markdown
    assert "  - [x] Acknowledge alert in PagerDuty (14:04 alice)" in markdown
    assert "**Services Affected**: Frontend" in markdown and "**User Impact**: all users saw 503s" in markdown


def test_json_carries_the_same_facts(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = worked_incident(book, clock)
    report = json.loads(json.dumps(postmortem(book.get(incident_id), book.pack, book.severities, clock.now)))
    assert [t["milestone"] for t in report["timeline"] if t["at"]] == [
        "began",
        "detected",
        "acknowledged",
        "root_cause",
        "resolution_applied",
        "verified_resolved",
    ]
    assert report["durations"]["duration"]["seconds"] == 20 * 60
    assert report["actions_taken"][0]["text"] == "Acknowledge alert in PagerDuty"
    assert report["events"][0]["kind"] == "declared"


@pytest.mark.slow
def test_incident_cli_round_trip(tmp_path: Path) -> None:
    """The headless twin: declare, ack, tick, note, milestone, resolve and export from a second terminal."""
    config = tmp_path / "tessa.yaml"
    config.write_text(f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: bot\n", encoding="utf-8")
    env = {**os.environ, "TESSA_CONFIG": str(config)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tessa_tui", "incident", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=60,
        )

    declared = run("declare", "SEV1", "Frontend returns 503", "--runbook", "service-unavailable")
    assert declared.returncode == 0, declared.stderr
    assert declared.stdout.startswith("INC-1: declared SEV1 'Frontend returns 503'")
    for args in (
        ("ack", "active"),
        ("tick", "1", "1"),
        ("note", "1", "pool", "--section", "root_cause"),
        ("milestone", "INC-1", "root-cause"),
        ("resolve", "1", "--summary", "rolled back"),
        ("verify", "1"),
    ):
        result = run(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "(saved " in result.stdout and "by bot)" in result.stdout
    refused = run("tick", "1", "1")
    assert refused.returncode == 2 and refused.stderr.startswith("tessa-tui: error: ")
    assert "already ticked" in refused.stderr and "Traceback" not in refused.stderr
    bad_time = run("milestone", "1", "began", "--at", "yesterday-ish")
    assert bad_time.returncode == 2 and "--at" in bad_time.stderr
    exported = run("export", "1", "--format", "md", "--output", str(tmp_path / "pm.md"))
    assert exported.returncode == 0, exported.stderr
    markdown = (tmp_path / "pm.md").read_text(encoding="utf-8")
    assert "--:--" not in markdown  # every milestone has a time (resolving and verifying set the last two)
    assert "Root cause identified" in markdown and "Verified resolved" in markdown
    shown = run("show", "1")
    assert "[x] Acknowledge alert in PagerDuty" in shown.stdout and "resolved" in shown.stdout
    listed = run("list")
    assert listed.stdout.startswith("INC-1    SEV1  resolved")


def test_export_of_an_open_incident_says_ongoing(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV3", "slow queries")).incident
    clock.advance(minutes=42)
    report = postmortem(book.get(incident_id), book.pack, book.severities, clock.now)
    assert report["summary"]["duration"] == "42m (ongoing)"
    assert "--:-- - Verified resolved" in to_markdown(report)


def test_pinned_log_lines_are_diagnostic_outputs(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV2", "chat timeouts")).incident
    book.record(
        book.pin_log(
            incident_id,
            source="edge",
            time_of_day="14:00:09",
            level="error",
            text='{"msg":"openai timeout","token":"sk-live-abcdefghijklmnopqrstuv"}',
        )
    )
    markdown = to_markdown(postmortem(book.get(incident_id), book.pack, book.severities, clock.now))
    outputs = markdown.split("## Diagnostic Outputs")[1]
    assert "### 14:00 log edge 14:00:09 ERROR" in outputs and "openai timeout" in outputs


def test_forged_markdown_in_user_text_stays_text(make_book: Book, clock: ManualClock) -> None:
    """A note cannot add a section, a title cannot add HTML or an image, an output cannot close its fence."""
    book = make_book()
    incident_id = book.record(book.declare("SEV2", "<img src=x onerror=alert(1)> ![x](y)")).incident
    book.record(book.note(incident_id, "pool exhausted\n## Root Cause\nit was *DNS*", section="root_cause"))
    book.record(book.note(incident_id, "see [docs](javascript:alert(1))\n1. not a list", section="note"))
    book.record(book.pin_log(incident_id, source="edge", time_of_day="14:00:09", level="error", text="a\n```\n# owned"))
    markdown = to_markdown(postmortem(book.get(incident_id), book.pack, book.severities, clock.now))
    assert markdown.startswith("# Post-mortem: INC-1 \\<img src=x onerror=alert(1)\\> \\!\\[x\\](y)\n")
    assert markdown.count("## Root Cause") == 1
    assert "- pool exhausted\\\n  \\#\\# Root Cause\\\n  it was \\*DNS\\*\n" in markdown
    assert ": see \\[docs\\](javascript:alert(1))\\\n  1\\. not a list" in markdown
    assert "\n````\na\n```\n# owned\n````\n" in markdown


def test_invisible_characters_are_shown_in_both_exports(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV3", "checkout slow")).incident
    # Written by another process (the book would sanitise it first): the export still shows the characters.
    book.journal.append(new_event(incident_id, "note", text="approve\u200b\u202eevil\u2028x\U000e0041", section="note"))
    book.sync()
    report = postmortem(book.get(incident_id), book.pack, book.severities, clock.now)
    shown = "approve\\u200b\\u202eevil\\u2028x\\U000e0041"
    assert report["notes"][0]["text"] == shown and report["events"][-1]["data"]["text"] == shown
    assert ": " + shown.replace("\\", "\\\\") + "\n" in to_markdown(report)  # a backslash is escaped there
