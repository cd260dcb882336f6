"""The post-mortem's Markdown under hostile text: whatever titles, notes, names and outputs say, the document
parsed as CommonMark (with GitHub's tables) has the template's headings, lists, emphasis and code blocks, and
nothing else: no HTML, link, image, table, quote or rule that user text made."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import timedelta
from itertools import cycle, islice, pairwise
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from runbooks import pack_dir
from tessa_tui.base.errors import UserError
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.incident import NOTE_SECTIONS, ROLES, fold
from tessa_tui.incidents.journal import Event, Journal, PendingEvent
from tessa_tui.incidents.postmortem import postmortem, to_markdown
from tessa_tui.runbook.load import load_pack
from tests.conftest import EXPENSIVE_EXAMPLES
from tests.incident_fixtures import START, ManualClock

SEVERITIES = TessaConfig().severities
PACK = load_pack([pack_dir()])
MARKDOWN = MarkdownIt("commonmark").enable("table")

# The pieces that rewrite Markdown when pasted as they are, and the characters that hide text.
PIECES = st.sampled_from(
    [
        "#",
        "## Root Cause",
        "\n## Root Cause\n",
        "\n# Owned\n",
        "### x ###",
        "```",
        "````",
        "~~~",
        "`",
        "``x``",
        "<script>alert(1)</script>",
        "<div>",
        "</div>",
        "<!-- c -->",
        "<img src=x onerror=alert(1)>",
        "![x](y)",
        "[x](javascript:alert(1))",
        "<https://evil.example>",
        "<a@b.example>",
        "[x]: /u",
        "[x]",
        "[x][]",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "a|b\n-|-",
        "\n:-:",
        "\n|-|",
        "*",
        "**",
        "_",
        "__",
        "***",
        "*a*",
        "_a_",
        "\n---\n",
        "\n===\n",
        "\n***\n",
        "1. ",
        "\n1) ",
        "\n- ",
        "\n+ ",
        "\n* ",
        "\n> ",
        "\n    code",
        "\t",
        "\n",
        "\n\n",
        "\\",
        "\\\n",
        "  \n",
        "&amp;",
        "&#60;",
        "&lt;",
        "~~s~~",
        "\u200b",
        "\u2028",
        "\u2029",
        "\U000e0041",
        "\x1b[2J",
        "\r",
        "\r\n",
        "\u202e",
        "\xad",
        "\ud800",
        "\x85",
        "é",
        "😀",
        "https://x.example",
    ]
)
HOSTILE = st.one_of(
    st.lists(
        st.one_of(PIECES, st.text(max_size=6), st.text("#`*_[]()<>!|~-+=:.\\ \n\t&;1x", max_size=8)), max_size=6
    ).map("".join),
    st.text(),
)


# What the template makes, computed from the report (not from the Markdown).


def plain(value: object) -> str:
    return sanitize(str(value)).strip()


def lines_of(value: object) -> str:
    return "\n".join(row.strip() for row in sanitize(str(value), keep_newlines=True).split("\n") if row.strip())


def template_headings(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    def stamp(iso: str) -> str:
        return iso[11:16]

    headings = [("h1", f"Post-mortem: {plain(report['incident'])} {plain(report['title'])}".strip())]
    headings += [("h2", h) for h in ("Incident Summary", "Timeline", "Durations", "Root Cause")]
    headings += [("h3", plain(q["question"])) for q in report["root_cause"]]  # the seed's three questions
    headings += [("h2", "Resolution"), ("h2", "Actions Taken"), ("h2", "Actions Failed or Skipped")]
    headings += [("h2", "Notes")] if report["notes"] else []
    if report["diagnostic_outputs"]:
        headings.append(("h2", "Diagnostic Outputs"))
        headings += [("h3", f"{stamp(o['at'])} {plain(o['title'])}".strip()) for o in report["diagnostic_outputs"]]
    headings += [("h2", "Who Did What"), ("h2", "Checklist")]
    headings += [("h3", plain(runbook["title"])) for runbook in report["checklist"]]
    return [*headings, ("h2", "Action Items")]


def template_list_items(report: Mapping[str, Any]) -> int:
    summary = report["summary"]
    steps = sum(len(p["steps"]) + 1 for r in report["checklist"] for p in r["phases"])
    return (
        5
        + bool(summary["roles"])
        + len(report["timeline"])
        + max(1, len(report["durations"]))
        + len(report["sla"])
        + sum(len(q["answers"]) or 1 for q in report["root_cause"])
        + (len(report["resolution"]) or 1)
        + (len(report["actions_taken"]) or 1)
        + (len(report["actions_failed_or_skipped"]) or 1)
        + len(report["notes"])
        + len(report["who_did_what"])
        + steps
        + len(report["action_items"])
    )


def inline_text(token: Token) -> str:
    """What a reader sees: text, line breaks as newlines, anything else as `<type>` (the structure checks fail)."""
    breaks = {"hardbreak": "\n", "softbreak": "\n"}
    return "".join(c.content if c.type == "text" else breaks.get(c.type, f"<{c.type}>") for c in token.children or [])


def assert_structure_is_the_templates(report: Mapping[str, Any]) -> None:
    markdown = to_markdown(report)
    tokens = MARKDOWN.parse(markdown)
    headings = [(t.tag, inline_text(tokens[i + 1])) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == template_headings(report), markdown
    blocks = {t.type for t in tokens}
    allowed = {
        "heading_open",
        "heading_close",
        "paragraph_open",
        "paragraph_close",
        "inline",
        "fence",
        "bullet_list_open",
        "bullet_list_close",
        "list_item_open",
        "list_item_close",
    }
    assert blocks <= allowed, (blocks - allowed, markdown)
    inlines = [child for t in tokens if t.type == "inline" for child in t.children or []]
    kinds = {child.type for child in inlines}
    assert kinds <= {"text", "hardbreak", "softbreak", "strong_open", "strong_close"}, (kinds, markdown)
    strong = sum(child.type == "strong_open" for child in inlines)
    assert strong == 5 + bool(report["summary"]["roles"]), markdown  # **Date/Time** ... **Roles**
    assert sum(t.type == "list_item_open" for t in tokens) == template_list_items(report), markdown
    fences = [t.content for t in tokens if t.type == "fence"]
    expected = [sanitize(str(o["excerpt"]), keep_newlines=True) + "\n" for o in report["diagnostic_outputs"]]
    assert fences == expected, markdown
    # Notes read as written: each root-cause question's items hold its notes' text, line by line, nothing lost.
    answers = [[lines_of(text) for text in q["answers"]] or ["not recorded"] for q in report["root_cause"]]
    assert root_cause_items(tokens, len(report["root_cause"])) == answers, markdown
    assert sanitize(markdown, keep_newlines=True) == markdown, "a hidden character reached the Markdown"


def root_cause_items(tokens: list[Token], questions: int) -> list[list[str]]:
    """The text of each item under each of the Root Cause section's question headings ("" for an empty one)."""
    section, items = "", list[list[str]]()
    for before, token in pairwise(tokens):
        if before.type == "heading_open":
            if section == "Root Cause" or (section == "question" and before.tag == "h3"):
                section = "question" if before.tag == "h3" and len(items) < questions else inline_text(token)
                if section == "question":
                    items.append([])
            else:
                section = inline_text(token)
        elif section == "question" and token.type == "list_item_open":
            items[-1].append("")
        elif section == "question" and token.type == "inline":
            items[-1][-1] += inline_text(token)
    return items


# Incidents folded from hostile events: the whole path the export takes, without I/O (the full profile).


@st.composite
def hostile_events(draw: st.DrawFn) -> list[Event]:
    pack = PACK
    severity = draw(st.sampled_from(sorted(SEVERITIES)))
    runbooks = draw(st.lists(st.sampled_from(sorted(pack.runbooks)), max_size=2, unique=True))
    # A pool of hostile texts that every field picks from: cheap to draw, so the full profile fits its time.
    pool = draw(st.lists(HOSTILE, min_size=1, max_size=8))
    text = st.sampled_from(pool)
    declared = {
        "severity": severity,
        "title": draw(text),
        "runbooks": runbooks,
        "services": draw(st.lists(text, max_size=3)),
    }
    events = [("declared", declared)]
    steps = [(r, s.id) for r in runbooks for phase in pack.runbooks[r].phases for s in phase.steps] or [("x", "1")]
    step = st.sampled_from(steps)
    kinds = st.one_of(
        st.builds(lambda sec, text: ("note", {"section": sec, "text": text}), st.sampled_from(NOTE_SECTIONS), text),
        st.builds(lambda role, who: ("role_assigned", {"role": role, "person": who}), st.sampled_from(ROLES), text),
        st.builds(lambda rs, text: ("step_ticked", {"runbook": rs[0], "step": rs[1], "text": text}), step, text),
        st.builds(
            lambda rs, title, out, ok: (
                "action_output",
                {
                    "runbook": rs[0],
                    "step": rs[1],
                    "text": title,
                    "title": title,
                    "excerpt": out,
                    "status": title,
                    "ok": ok,
                    "ticks": ok,
                },
            ),
            step,
            text,
            text,
            st.booleans(),
        ),
        st.builds(lambda title, out: ("log_pinned", {"title": title, "excerpt": out}), text, text),
        st.builds(
            lambda why, q: (
                "db_action",
                {"action": "cancel", "pid": 42, "result": why, "reason": why, "query": q, "target": "db"},
            ),
            text,
            text,
        ),
        st.builds(lambda title: ("retitled", {"title": title}), text),
        st.builds(lambda text: ("resolved", {"summary": text}), text),
        st.just(("acknowledged", {})),
    )
    events += draw(st.lists(kinds, max_size=8))
    actors = draw(st.lists(st.one_of(st.just("alice"), text), min_size=len(events), max_size=len(events)))
    return [
        Event(seq, f"e{seq}", "INC-1", START + timedelta(minutes=seq), actor, kind, data)
        for seq, ((kind, data), actor) in enumerate(zip(events, actors, strict=True), start=1)
    ]


@given(hostile_events())
def test_folded_hostile_incident_keeps_the_templates_structure(events: list[Event]) -> None:
    incident = fold(events)
    assert not getattr(incident, "unreadable", []), "the strategy should write events the fold accepts"
    assert_structure_is_the_templates(postmortem(incident, PACK, SEVERITIES, START + timedelta(hours=2)))


# Any report, even one no incident makes (hostile runbook titles, step texts, clock words): to_markdown alone.


def hostile_leaves(value: Any, texts: Iterator[str], key: str = "") -> Any:
    """Every text of a report replaced by hostile text, but the timestamps the template formats itself."""
    if isinstance(value, dict):  # the raw events are JSON only, not rendered: left as they are
        return {k: v if k == "events" else hostile_leaves(v, texts, k) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile_leaves(v, texts, key) for v in value]
    if isinstance(value, str) and key not in {"at", "date_time", "deadline", "milestone", "level"}:
        return next(texts)
    return value


def full_report() -> dict[str, Any]:
    """A report with every part filled: notes of each section, roles, outputs, ticks, a database action."""
    declared = {"severity": "SEV1", "title": "t", "runbooks": ["service-unavailable"], "services": ["web"]}
    events = [Event(1, "e1", "INC-1", START, "alice", "declared", declared)]
    more: list[tuple[str, dict[str, Any]]] = [("note", {"section": s, "text": s}) for s in NOTE_SECTIONS]
    more += [
        ("role_assigned", {"role": "commander", "person": "bob"}),
        ("acknowledged", {}),
        ("log_pinned", {"title": "log", "excerpt": "x"}),
        ("db_action", {"action": "cancel", "pid": 1, "result": "ok", "reason": "r", "query": "q"}),
        ("step_ticked", {"runbook": "service-unavailable", "step": "1", "text": "s"}),
        ("resolved", {"summary": "done"}),
    ]
    events += [
        Event(i, f"e{i}", "INC-1", START + timedelta(minutes=i), "bob", k, d) for i, (k, d) in enumerate(more, start=2)
    ]
    return postmortem(fold(events), PACK, SEVERITIES, START + timedelta(hours=1))


FULL_REPORT = full_report()


# A hundred texts a report: a pool of hostile ones dealt round from a drawn start keeps each example cheap.
@given(st.lists(HOSTILE, min_size=1, max_size=12), st.integers(0, 11))
def test_any_report_text_keeps_the_templates_structure(pool: list[str], start: int) -> None:
    assert_structure_is_the_templates(hostile_leaves(FULL_REPORT, islice(cycle(pool), start % len(pool), None)))


# Through the real IncidentBook on a real journal file: what the console and `incident export` do.


# Names the journal is given by its own process (the actor, a log source's name) cannot hold a lone surrogate:
# SQLite refuses to encode one (the folded test above covers them in every field).
STORABLE = HOSTILE.map(lambda text: text.encode("utf-8", "replace").decode("utf-8"))
COMMANDS = st.lists(
    st.tuples(
        st.sampled_from(["note", "assign", "pin", "output", "retitle", "tick", "resolve"]),
        HOSTILE,
        STORABLE,
        st.one_of(st.just("alice"), STORABLE),
    ),
    max_size=8,
)


@contextmanager
def book_on_fresh_journal() -> Iterator[IncidentBook]:
    with tempfile.TemporaryDirectory() as folder:
        clock = ManualClock()
        journal = Journal(Path(folder) / "journal.sqlite3", actor="alice", clock=clock)
        try:
            book = IncidentBook(journal, PACK, SEVERITIES, clock)
            book.sync()
            yield book
        finally:
            journal.close()


def command(book: IncidentBook, incident_id: str, name: str, text: str, other: str, number: int) -> PendingEvent:
    """One console / CLI command with outside text in every field it takes."""
    if name == "note":
        return book.note(incident_id, text, section=NOTE_SECTIONS[number % len(NOTE_SECTIONS)])
    if name == "assign":
        return book.assign(incident_id, ROLES[number % len(ROLES)], text)
    if name == "pin":
        return book.pin_log(incident_id, source=other, time_of_day="14:00:09", level=other, text=text)
    if name == "output":
        result = {"kind": "run", "status": other, "excerpt": sanitize(text, keep_newlines=True), "ok": False}
        return book.action_output(incident_id, "1", result)  # the excerpt as step_actions records it: sanitised
    if name == "retitle":
        return book.retitle(incident_id, text)
    if name == "tick":
        return book.tick(incident_id, "1")
    return book.resolve(incident_id, text)


# Each example writes a fresh journal with fsync on every commit: fewer of them than a parser gets.
@settings(max_examples=EXPENSIVE_EXAMPLES)
@given(title=HOSTILE, services=st.lists(HOSTILE, max_size=2), commands=COMMANDS)
@example(
    title="x\n## Root Cause\n<script>",
    services=["![x](y)"],
    commands=[("note", "ok\n## Root Cause\nforged", "```", "alice"), ("pin", "```\n# x", "[x](javascript:1)", "<b>")],
)
def test_exported_incident_keeps_the_templates_structure(
    title: str, services: list[str], commands: list[tuple[str, str, str, str]]
) -> None:
    with book_on_fresh_journal() as book:
        try:
            incident_id = book.record(book.declare("SEV1", title, services=services)).incident
        except UserError:  # an empty or overlong title is refused: declare with the default one
            incident_id = book.record(book.declare("SEV1", "")).incident
        for number, (name, text, other, actor) in enumerate(commands):
            book.journal.actor = actor
            with suppress(UserError):  # refused input (empty, too long, already ticked, resolved) records nothing
                book.record(command(book, incident_id, name, text, other, number))
        incident = book.get(incident_id)
        assert_structure_is_the_templates(postmortem(incident, book.pack, book.severities, book.clock()))
