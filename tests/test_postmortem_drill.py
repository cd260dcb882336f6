"""A scripted drill with an injected clock, checked line by line in the exported Markdown: the post-mortem says
when the service went down and how that was seen (the monitor's flip, before anyone declared), which time
boxes were missed and by how much work, which actions failed, that the resolution was verified by green checks,
and who did what when."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import Journal
from tessa_tui.incidents.postmortem import postmortem, to_markdown
from tessa_tui.incidents.sla import SlaTimer, incident_clocks
from tessa_tui.incidents.state_flips import MONITOR
from tests.conftest import REPO
from tests.incident_fixtures import ManualClock
from tests.loopback import LoopbackServers

Book = Callable[..., IncidentBook]


def observe(book: IncidentBook, service: str, state: str, source: str = "check") -> list[str]:
    """What a poller does with one result: record what the book plans for it, in order; the kinds recorded."""
    kinds = []
    for pending in book.observe_check(service, state, f"HTTP {200 if state == 'up' else 503}", source):
        kinds.append(book.record(pending).kind)
    return kinds


def section(markdown: str, heading: str) -> list[str]:
    """The list items of one `## heading` section."""
    body = markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if line.startswith("- ")]


def drill(make_book: Book, clock: ManualClock) -> tuple[IncidentBook, str]:
    alice, bob = make_book("alice"), make_book("bob")
    clock.advance(minutes=-10)  # 13:50: the monitor's first look, all well
    assert observe(alice, "Frontend", "up") == ["service_state"]
    clock.advance(minutes=5)
    assert observe(alice, "Frontend", "up") == []  # the same state: nothing written on every poll
    clock.advance(minutes=5)  # 14:00: the frontend goes down
    assert observe(alice, "Frontend", "down") == ["service_state"]
    clock.advance(minutes=1)
    assert observe(alice, "Frontend", "down") == []
    clock.advance(minutes=1)  # 14:02: declared two minutes after the flip
    incident_id = alice.record(alice.declare("SEV1", "Frontend down", services=["Frontend"])).incident
    clock.advance(minutes=1)
    bob.sync()
    bob.record(bob.acknowledge(incident_id))
    failed = {"kind": "pagerduty", "status": "HTTP 500", "ok": False, "why": "PagerDuty answered 500"}
    bob.record(bob.action_output(incident_id, "ack-pagerduty", failed))
    clock.advance(minutes=1)  # 14:04: two of the four immediate actions, the other two never
    alice.sync()
    alice.record(alice.tick(incident_id, "recent-deployments"))
    alice.record(alice.tick(incident_id, "status-investigating"))
    alice.record(alice.note(incident_id, "a deploy broke the build", section="root_cause"))
    alice.record(
        alice.note(incident_id, "add a synthetic check", section="action_item", owner="bob", due=(clock.now.date()))
    )
    clock.advance(minutes=16)  # 14:20: resolved; the service is still down
    alice.record(alice.resolve(incident_id, "rolled back"))
    assert observe(alice, "Frontend", "down") == []
    for minute, recorded in (
        (21, ["service_state", "verify_check"]),
        (22, ["verify_check"]),
        (23, ["verify_check", "verified"]),
    ):
        clock.now = clock.now.replace(minute=minute)
        assert observe(alice, "Frontend", "up") == recorded
    clock.advance(minutes=1)
    assert observe(alice, "Frontend", "up") == []  # verified: no more counting
    return alice, incident_id


def test_drill_post_mortem_tells_the_truth_line_by_line(make_book: Book, clock: ManualClock) -> None:
    book, incident_id = drill(make_book, clock)
    report = postmortem(book.get(incident_id), book.pack, book.severities, clock.now)
    markdown = to_markdown(report)
    assert section(markdown, "Timeline") == [
        "- 14:00 - Incident began (Frontend went down at 14:00 (check))",
        "- 14:00 - Detected (Frontend went down at 14:00 (check))",
        "- 14:03 - On-call acknowledged (by bob)",
        "- --:-- - Root cause identified (not recorded)",
        "- 14:20 - Resolution applied (resolved by alice)",
        "- 14:23 - Verified resolved (Frontend green 3 checks in a row (check))",
    ]
    durations = section(markdown, "Durations")
    assert "- Time to detect: 0s" in durations and "- Time to declare: 2m" in durations
    assert "- Total duration: 23m" in durations
    assert "- Response (SEV1): met, 12:00 to spare" in durations  # from detection at 14:00 to the ack at 14:03
    assert "- Immediate actions: missed: 2 of 4 steps done when the box ended" in durations
    assert "- Investigation: missed: 0 of 4 steps done when the box ended" in durations
    assert "- Next stakeholder update: not met: no update posted" in durations
    assert section(markdown, "Root Cause")[0] == "- a deploy broke the build"
    assert "### Why did it happen?\n\n- not recorded\n" in markdown
    taken = section(markdown, "Actions Taken")
    assert taken == [
        "- 14:04 alice: Check recent deployments (last 2 hours) (sev1-service-down)",
        '- 14:04 alice: Update status page: "Investigating" (sev1-service-down)',
    ]
    failed = section(markdown, "Actions Failed or Skipped")
    assert failed[0] == "- 14:03 bob: failed (HTTP 500): Acknowledge alert in PagerDuty (sev1-service-down)"
    assert "- skipped (not done by the resolution): Post in \\#incidents Slack channel (sev1-service-down)" in failed
    who = section(markdown, "Who Did What")
    assert who[:6] == [
        "- 14:00 monitor (check): Frontend went down at 14:00 (check)",
        "- 14:02 alice: declared SEV1: Frontend down",
        "- 14:03 bob: acknowledged",
        "- 14:03 bob: ran Acknowledge alert in PagerDuty: HTTP 500 ✖ not as expected",
        "- 14:04 alice: ✔ Check recent deployments (last 2 hours)",
        '- 14:04 alice: ✔ Update status page: "Investigating"',
    ]
    assert "- 14:20 alice: resolved: rolled back" in who
    assert "- 14:21 monitor (check): Frontend came back up at 14:21 (check)" in who
    assert who[-1] == "- 14:23 alice: verified resolved: Frontend green 3 checks in a row"
    items = section(markdown, "Action Items")
    assert items[0] == "- [ ] [bob] - add a synthetic check (due 2026-01-21)"
    assert "- [ ] [Owner] - Update runbook (due date not set)" in items


def test_resolved_but_not_verified_says_so(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV2", "chat slow", services=["Chat"])).incident
    clock.advance(minutes=5)
    book.record(book.resolve(incident_id, "restarted"))
    clock.advance(minutes=1)
    observe(book, "Chat", "up")
    observe(book, "Chat", "down")  # the run of greens broken: counting starts again
    observe(book, "Chat", "up")
    observe(book, "Chat", "up")
    markdown = to_markdown(postmortem(book.get(incident_id), book.pack, book.severities, clock.now))
    assert "- --:-- - Verified resolved (not verified)" in markdown
    assert "- **Duration**: 5m (resolved, not verified)" in markdown
    observe(book, "Chat", "up")
    assert "verified_resolved" in book.get(incident_id).milestones


def test_a_stakeholder_update_by_hand_restarts_the_clock_and_meets_it(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "down")).incident
    clock.advance(minutes=20)
    book.record(book.tick(incident_id, "post-incidents-channel"))  # ticking the step tells nobody anything

    def update_clock() -> SlaTimer:
        return next(c for c in incident_clocks(book.get(incident_id), book.pack, book.severities) if c.kind == "update")

    assert update_clock().start == book.get(incident_id).declared_at
    book.record(book.stakeholder_update(incident_id, "rolling back; next update in 30 minutes"))
    assert update_clock().start == clock.now
    clock.advance(minutes=10)
    book.record(book.resolve(incident_id, "rolled back"))
    markdown = to_markdown(postmortem(book.get(incident_id), book.pack, book.severities, clock.now))
    assert "- Next stakeholder update: met, 20:00 to spare" in markdown
    assert "stakeholder update: rolling back; next update in 30 minutes" in markdown


def test_read_only_books_record_no_flips(make_book: Book, tmp_path: Path, clock: ManualClock) -> None:
    writer = make_book()
    observe(writer, "Frontend", "up")
    journal = Journal(tmp_path / "journal.sqlite3", actor="spectator", clock=clock, readonly=True)
    reader = IncidentBook(journal, writer.pack, writer.severities, clock)
    reader.sync()
    assert reader.observe_check("Frontend", "down", "503", "console") == []
    assert [f.state for f in reader.flips()] == ["up"]


def test_cli_update_verify_and_action_item_owner(tmp_path: Path) -> None:
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

    assert run("declare", "SEV2", "chat down").returncode == 0
    updated = run("update", "1", "investigating")
    assert updated.returncode == 0 and "update clock restarts" in updated.stdout, updated.stderr
    noted = run("note", "1", "alert on p95", "--section", "action-item", "--owner", "carol", "--due", "2026-02-01")
    assert noted.returncode == 0, noted.stderr
    wrong = run("note", "1", "x", "--owner", "carol")
    assert wrong.returncode == 2 and "--section action_item" in wrong.stderr
    bad_due = run("note", "1", "x", "--section", "action_item", "--due", "soon")
    assert bad_due.returncode == 2 and "--due" in bad_due.stderr
    early = run("verify", "1")
    assert early.returncode == 2 and "not resolved" in early.stderr
    assert run("resolve", "1", "--summary", "restarted").returncode == 0
    verified = run("verify", "1", "--note", "chat answers")
    assert verified.returncode == 0 and "verified resolved" in verified.stdout, verified.stderr
    markdown = run("export", "1").stdout
    assert "- [ ] [carol] - alert on p95 (due 2026-02-01)" in markdown
    assert "(confirmed by bot)" in markdown and "stakeholder update: investigating" in markdown
    assert run("verify", "1").returncode == 2  # once


def test_monitor_events_are_no_incident(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    observe(book, "Frontend", "down")
    assert book.incidents == {} and book.unreadable() == []
    assert book.journal.events_of(MONITOR)[0].data["state"] == "down"


@pytest.mark.slow
def test_check_records_flips_and_verifies_a_resolved_incident(
    write_config: Callable[[str], Path], servers: LoopbackServers, tmp_path: Path
) -> None:
    """`tessa-tui check` in a loop, as cron would run it: only changes are written, read-only writes nothing, and
    three green runs after the resolution verify the incident."""
    journal = tmp_path / "journal.sqlite3"
    config = write_config(f"""
        journal: {{path: "{journal}", actor: cron}}
        services:
          - {{name: Frontend, url: "{servers.http}/flip"}}
        """)
    env = {**os.environ, "TESSA_CONFIG": str(config)}

    def tessa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tessa_tui", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
        )

    def states() -> list[str]:
        reader = Journal(journal, actor="test", readonly=True)
        try:
            return [e.data["state"] for e in reader.events_of(MONITOR)]
        finally:
            reader.close()

    servers.recorder.flip_status = 200
    try:
        assert tessa("check").returncode == 0 and tessa("check").returncode == 0
        assert states() == ["up"]
        servers.recorder.flip_status = 503
        assert tessa("check", "--readonly").returncode == 1
        assert states() == ["up"]  # a spectator's check writes nothing
        down = tessa("check")
        assert down.returncode == 1 and down.stderr == "", down.stderr
        assert states() == ["up", "down"]
        assert tessa("incident", "declare", "SEV2", "front page errors", "--service", "Frontend").returncode == 0
        assert tessa("incident", "resolve", "1", "--summary", "restarted").returncode == 0
        servers.recorder.flip_status = 200
        for _ in range(3):
            assert tessa("check").returncode == 0
    finally:
        servers.recorder.flip_status = 200
    assert states() == ["up", "down", "up"]
    shown = tessa("incident", "show", "1").stdout
    assert "verified resolved: Frontend green 3 checks in a row" in shown
    markdown = tessa("incident", "export", "1").stdout
    assert "Detected (Frontend went down at " in markdown and "(check))" in markdown


def test_each_beginning_says_where_it_comes_from(make_book: Book, clock: ManualClock) -> None:
    """PagerDuty's opening time when declared from it; a time a person set wins over the monitors' evidence."""
    book = make_book()
    opened = clock.now
    clock.advance(minutes=3)
    paged = book.record(
        book.declare("SEV2", "from PagerDuty", detected_at=opened, began_at=opened, pagerduty_incident="PABC123")
    ).incident
    observe(book, "Chat", "down")
    clock.advance(minutes=2)
    seen = book.record(book.declare("SEV2", "chat down", services=["Chat"])).incident
    book.record(book.milestone(seen, "began", opened))
    timeline = {}
    for incident_id in (paged, seen):
        report = postmortem(book.get(incident_id), book.pack, book.severities, clock.now)
        timeline[incident_id] = section(to_markdown(report), "Timeline")[:2]
    assert timeline[paged] == [
        "- 14:00 - Incident began (PagerDuty incident PABC123 opened)",
        "- 14:00 - Detected (PagerDuty incident PABC123 opened)",
    ]
    assert timeline[seen] == [
        "- 14:00 - Incident began (set by alice at 14:05)",
        "- 14:03 - Detected (Chat went down at 14:03 (check))",
    ]
