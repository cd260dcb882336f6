"""The post-mortem: the seed's template filled from an incident's journal, as JSON and as Markdown."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from tessa_tui.base.durations import format_duration
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.model import Severity
from tessa_tui.incidents.incident import MILESTONE_LABELS, MILESTONES, ROOT_CAUSE_QUESTIONS, Incident, describe_event
from tessa_tui.incidents.journal import Event
from tessa_tui.incidents.sla import incident_clocks
from tessa_tui.incidents.state_flips import StateFlip, affected_services, flips_of, outage_start
from tessa_tui.runbook.load import RunbookPack

# The seed's standing action items; recorded ones (`action_item` notes) come first.
STANDING_ACTIONS = (
    "Prevent recurrence (e.g., add monitoring)",
    "Update runbook",
    "Improve detection",
)
DURATIONS = (
    ("time_to_detect", "began", "detected", "Time to detect"),
    ("time_to_acknowledge", "detected", "acknowledged", "Time to acknowledge"),
    ("time_to_root_cause", "acknowledged", "root_cause", "Time to root cause"),
    ("time_to_resolution", "began", "resolution_applied", "Time to resolution"),
    ("time_to_verify", "resolution_applied", "verified_resolved", "Time to verify"),
    ("duration", "began", "verified_resolved", "Total duration"),
)


def postmortem(
    incident: Incident, pack: RunbookPack, severities: Mapping[str, Severity], now: datetime
) -> dict[str, Any]:
    """Everything the template asks for, as plain JSON-ready data (times in UTC ISO 8601), every text in it
    sanitised: the JSON export is read by people too, and must not hide text in invisible characters.

    Each milestone says where its time comes from: set by a person, given at the declaration (a PagerDuty
    incident's opening), the monitors' evidence before the declaration (`Frontend went down at 14:01
    (check)`), the verification (green checks or a person), or only the declaration itself."""
    flips = flips_of(incident.monitor)
    milestones, sources = _milestones(incident, flips)
    notes = {section: [n for n in incident.notes if n.section == section] for section in _sections(incident)}
    durations = {}
    for key, start, end, label in DURATIONS:
        if start in milestones and end in milestones:
            delta = milestones[end] - milestones[start]
            durations[key] = {"label": label, "seconds": int(delta.total_seconds()), "text": _span(delta)}
    detected = milestones.get("detected", incident.declared_at)
    if detected < incident.declared_at:
        delta = incident.declared_at - detected
        durations["time_to_declare"] = {
            "label": "Time to declare",
            "seconds": int(delta.total_seconds()),
            "text": _span(delta),
        }
    began = milestones.get("began", incident.declared_at)
    verified = "verified_resolved" in milestones
    total = (milestones.get("verified_resolved") or milestones.get("resolution_applied") or now) - began
    ongoing = " (ongoing)" if incident.is_open else "" if verified else " (resolved, not verified)"
    report: dict[str, Any] = {
        "incident": incident.id,
        "title": incident.title,
        "status": incident.status,
        "summary": {
            "date_time": began.isoformat(),
            "duration": _span(total) + ongoing,
            "severity": incident.severity,
            "severity_history": [{"at": at.isoformat(), "severity": s} for at, s in incident.severity_history],
            "services_affected": incident.services,
            "user_impact": [n.text for n in notes.get("impact", [])],
            "roles": dict(incident.roles),
            "declared_by": incident.declared_by,
        },
        "timeline": [
            {
                "milestone": m,
                "label": MILESTONE_LABELS[m],
                "at": milestones[m].isoformat() if m in milestones else None,
                "source": sources.get(m, ""),
                **({"how": [n.text for n in notes.get("detection", [])]} if m == "detected" else {}),
            }
            for m in MILESTONES
        ],
        "durations": durations,
        "sla": [
            {"clock": c.label, "deadline": c.deadline.isoformat(), "result": c.text(now), "level": c.level(now)}
            # The clocks as the post-mortem's timeline has it: from the evidence of when it began and was seen.
            for c in incident_clocks(dataclasses.replace(incident, milestones=milestones), pack, severities)
        ],
        "root_cause": [
            {"section": section, "question": question, "answers": [n.text for n in notes.get(section, [])]}
            for section, question in ROOT_CAUSE_QUESTIONS
        ],
        "resolution": [n.text for n in notes.get("resolution", [])] + ([incident.summary] if incident.summary else []),
        "actions_taken": _actions_taken(incident),
        "actions_failed_or_skipped": _actions_failed(incident, pack),
        "notes": [{"at": n.at.isoformat(), "actor": n.actor, "text": n.text} for n in notes.get("note", [])],
        "diagnostic_outputs": [_output(e) for e in incident.events if e.kind in {"action_output", "log_pinned"}],
        "who_did_what": _who_did_what(incident, flips, milestones),
        "checklist": _checklist(incident, pack),
        "action_items": [
            {"text": n.text, "owner": n.owner or None, "due": n.due or None, "recorded": True}
            for n in notes.get("action_item", [])
        ]
        + [{"text": text, "owner": None, "due": None, "recorded": False} for text in STANDING_ACTIONS],
        "events": [_entry(e) for e in incident.events],
    }
    cleaned: dict[str, Any] = _clean(report)
    return cleaned


def to_markdown(report: Mapping[str, Any]) -> str:
    """The seed's post-mortem template, filled. A pure function of the report: every value in it is outside
    text and is escaped (`_md`, `_lines`) or fenced (`_fence`), so none can add a heading, HTML, a link, an image,
    emphasis, a table or a list item, or end a code block; the structure is the template's alone."""
    summary = report["summary"]
    lines = [f"# Post-mortem: {_md(report['incident'])} {_md(report['title'])}", ""]
    history = " → ".join(_md(h["severity"]) for h in summary["severity_history"])
    lines += [
        "## Incident Summary",
        "",
        f"- **Date/Time**: {_stamp(summary['date_time'], date=True)}",
        f"- **Duration**: {_md(summary['duration'])}",
        f"- **Severity**: {_md(summary['severity'])}" + (f" (history: {history})" if "→" in history else ""),
        f"- **Services Affected**: {', '.join(map(_md, summary['services_affected'])) or 'not recorded'}",
        f"- **User Impact**: {_lines('; '.join(summary['user_impact']), 2) or 'not recorded'}",
    ]
    if summary["roles"]:
        lines.append("- **Roles**: " + ", ".join(f"{_md(role)} {_md(who)}" for role, who in summary["roles"].items()))
    lines += ["", "## Timeline", ""]
    for item in report["timeline"]:
        when = _stamp(item["at"]) if item["at"] else "--:--"
        said = [text for text in [item.get("source", ""), *item.get("how", [])] if str(text).strip()]
        how = f" ({_lines('; '.join(said), 2)})" if said else ""
        lines.append(f"- {when} - {_md(item['label'])}{how}")
    lines += ["", "## Durations", ""]
    lines += [f"- {_md(d['label'])}: {_md(d['text'])}" for d in report["durations"].values()] or [
        "- not enough milestones"
    ]
    # SLA results as the clocks word them (`met, 11:00 to spare`, `missed: 2 of 4 steps done ...`): sla.Clock.text.
    lines += [f"- {_md(c['clock'])}: {_md(c['result'])}" for c in report["sla"]]
    lines += ["", "## Root Cause", ""]
    for question in report["root_cause"]:
        lines += [f"### {_md(question['question'])}", ""]
        lines += [f"- {_lines(text, 2)}" for text in question["answers"]] or ["- not recorded"]
        lines.append("")
    lines += ["## Resolution", ""]
    lines += [f"- {_lines(text, 2)}" for text in report["resolution"]] or [
        "- Resolution: not written yet. What fixed it?"
    ]
    lines += ["", "## Actions Taken", ""]
    lines += [
        f"- {_stamp(a['at'])} {_md(a['actor'])}: {_lines(a['text'], 2)} ({_md(a['runbook'])})"
        for a in report["actions_taken"]
    ] or ["- none recorded"]
    lines += ["", "## Actions Failed or Skipped", ""]
    lines += [
        (f"- {_stamp(a['at'])} {_md(a['actor'])}: " if a["at"] else "- ")
        + f"{_md(a['outcome'])}: {_lines(a['text'], 2)} ({_md(a['runbook'])})"
        for a in report["actions_failed_or_skipped"]
    ] or ["- none"]
    if report["notes"]:
        lines += ["", "## Notes", ""]
        lines += [f"- {_stamp(n['at'])} {_md(n['actor'])}: {_lines(n['text'], 2)}" for n in report["notes"]]
    if report["diagnostic_outputs"]:
        lines += ["", "## Diagnostic Outputs", ""]
        for output in report["diagnostic_outputs"]:
            lines += [f"### {_stamp(output['at'])} {_md(output['title'])}", "", *_fence(output["excerpt"]), ""]
    lines += ["", "## Who Did What", ""]
    lines += [f"- {_stamp(e['at'])} {_md(e['actor'])}: {_lines(e['what'], 2)}" for e in report["who_did_what"]]
    lines += ["", "## Checklist", ""]
    for runbook in report["checklist"]:
        lines.append(f"### {_md(runbook['title'])}")
        for phase in runbook["phases"]:
            lines.append(f"- {_lines(phase['name'], 2)}")
            for step in phase["steps"]:
                done = f" ({_stamp(step['at'])} {_md(step['actor'])})" if step["done"] else ""
                lines.append(f"  - [{'x' if step['done'] else ' '}] {_lines(step['text'], 8)}{done}")
        lines.append("")
    lines += ["## Action Items", ""]
    for item in report["action_items"]:
        owner = _md(item["owner"]) if item["owner"] else ("owner not set" if item["recorded"] else "Owner")
        due = f"due {_md(item['due'])}" if item["due"] else "due date not set"
        lines.append(f"- [ ] [{owner}] - {_lines(item['text'], 2)} ({due})")
    return "\n".join(lines).rstrip() + "\n"


# Markdown escaping. Anywhere in a line: the characters that open emphasis, code, links, images, HTML,
# entities, tables, strikethrough and heading closers. At a line's start also those that begin a block there:
# list markers (`-`, `+`, `1.`, `1)`), setext underlines (`=`, `-`) and table delimiter rows (`:-:`).
# Letters, digits, spaces and other punctuation are left alone, so ordinary text reads as it was written.
_INLINE_META = re.compile(r"([\\`*_\[\]<>&!#|~])")
_LIST_OR_UNDERLINE = frozenset("-+=:")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")


def _md(value: object) -> str:
    """One line of outside text as inert Markdown: sanitised (a newline shows as `\\n`), trimmed, escaped."""
    return _escape_line(sanitize(str(value)).strip())


def _lines(value: object, indent: int) -> str:
    """Outside text that may span lines, kept inside the list item it starts: each line escaped, trimmed
    (indentation would make code or nested blocks) and joined by hard line breaks at the item's indent."""
    rows = [_escape_line(line.strip()) for line in sanitize(str(value), keep_newlines=True).split("\n")]
    return ("\\\n" + " " * indent).join(row for row in rows if row)


def _escape_line(line: str) -> str:
    escaped = _INLINE_META.sub(r"\\\1", line)
    if escaped[:1] in _LIST_OR_UNDERLINE:
        return "\\" + escaped
    return _ORDERED.sub(r"\1\\\2", escaped)


def _fence(value: object) -> list[str]:
    """Output shown verbatim in a code block whose fence is longer than any backtick run inside it."""
    text = sanitize(str(value), keep_newlines=True)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *text.split("\n"), fence]


def _actions_taken(incident: Incident) -> list[dict[str, Any]]:
    """Steps ticked and still ticked, in the order they were done, with the text they had then."""
    texts = {
        (e.data["runbook"], e.data["step"]): e.data.get("text", "") for e in incident.events if e.kind == "step_ticked"
    }
    ticks = sorted(incident.ticks.items(), key=lambda item: item[1].at)
    taken: list[dict[str, Any]] = [
        {"at": t.at, "actor": t.actor, "runbook": rb, "step": step, "text": texts.get((rb, step)) or step}
        for (rb, step), t in ticks
    ]
    taken += [
        {
            "at": e.at,
            "actor": e.actor,
            "runbook": "database",
            "step": e.data["action"],
            "text": f"{e.data['action']} backend {e.data['pid']} ({e.data['result']}): {e.data['reason']}",
        }
        for e in incident.events
        if e.kind == "db_action" and e.data.get("result") == "sent"
    ]
    return [{**item, "at": item["at"].isoformat()} for item in sorted(taken, key=lambda item: item["at"])]


def _actions_failed(incident: Incident, pack: RunbookPack) -> list[dict[str, Any]]:
    """What was tried and did not work (an action whose expectations failed, a database action not done),
    in time order; then, once resolved, the steps never done. None of them is listed as taken."""
    failed: list[dict[str, Any]] = []
    for e in incident.events:
        data = e.data
        if e.kind == "action_output" and data.get("ok") is False:
            status = f"failed ({data.get('status')})" if data.get("status") else "failed"
            failed.append(
                {
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "outcome": status,
                    "text": str(data.get("text") or data.get("step")),
                    "runbook": str(data.get("runbook")),
                }
            )
        elif e.kind == "db_action" and data.get("result") != "sent":
            failed.append(
                {
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "outcome": f"not done ({data.get('result')})",
                    "text": f"{data.get('action')} backend {data.get('pid')}: {data.get('reason')}",
                    "runbook": "database",
                }
            )
    if not incident.is_open:
        for runbook_id in incident.runbook_ids:
            runbook = pack.runbooks.get(runbook_id)
            for _, step in runbook.steps() if runbook else ():
                if incident.ticked(runbook_id, step.id) is None:
                    failed.append(
                        {
                            "at": None,
                            "actor": "",
                            "outcome": "skipped (not done by the resolution)",
                            "text": step.text,
                            "runbook": runbook_id,
                        }
                    )
    return failed


def _milestones(incident: Incident, flips: list[StateFlip]) -> tuple[dict[str, datetime], dict[str, str]]:
    """Each milestone's time and where it comes from. Began and Detected: set by a person, given at the
    declaration (from PagerDuty, or typed), else the monitors' first flip of an affected service before the
    declaration, else the declaration itself."""
    moments = dict(incident.milestones)
    sources: dict[str, str] = {}
    set_by = {str(e.data.get("milestone")): e for e in incident.events if e.kind == "milestone_set"}
    declared = incident.events[0] if incident.events and incident.events[0].kind == "declared" else None
    given = declared.data if declared else {}
    evidence = outage_start(incident, flips)
    pagerduty = incident.links.get("pagerduty_incident")
    for name, field in (("began", "began_at"), ("detected", "detected_at")):
        if name in set_by:
            sources[name] = f"set by {set_by[name].actor} at {set_by[name].at:%H:%M}"
        elif given.get(field):
            sources[name] = f"PagerDuty incident {pagerduty} opened" if pagerduty else "given at the declaration"
        elif evidence is not None and evidence.at < incident.declared_at:
            moments[name] = evidence.at
            sources[name] = evidence.describe()
        else:
            sources[name] = f"declared by {incident.declared_by}; no monitor saw it earlier"
    for name in ("acknowledged", "root_cause", "resolution_applied", "verified_resolved"):
        if name in set_by and name in moments:
            sources[name] = f"set by {set_by[name].actor} at {set_by[name].at:%H:%M}"
    acked = next((e for e in incident.events if e.kind == "acknowledged"), None)
    if acked is not None and "acknowledged" not in set_by:
        sources["acknowledged"] = f"by {acked.actor}"
    resolved = [e for e in incident.events if e.kind == "resolved"]
    if resolved and "resolution_applied" not in set_by and not incident.is_open:
        sources["resolution_applied"] = f"resolved by {resolved[-1].actor}"
    if "verified_resolved" not in moments:
        sources["verified_resolved"] = "not verified" if not incident.is_open else "not resolved"
    elif "verified_resolved" not in set_by:
        verified = [e for e in incident.events if e.kind == "verified"]
        if verified:
            how = verified[-1]
            if how.data.get("how") == "checks":
                names = ", ".join(map(str, how.data.get("services") or []))
                seen = how.data.get("source") or how.actor
                sources["verified_resolved"] = f"{names} green {how.data.get('checks')} checks in a row ({seen})"
            else:
                sources["verified_resolved"] = f"confirmed by {how.actor}"
    if "root_cause" not in moments:
        sources["root_cause"] = "not recorded"
    return moments, sources


def _who_did_what(
    incident: Incident, flips: list[StateFlip], milestones: Mapping[str, datetime]
) -> list[dict[str, Any]]:
    """Every event of the incident (time, actor, what), with the monitors' flips of its services from the
    beginning on: the whole story in time order."""
    entries: list[tuple[datetime, str, str]] = [(e.at, e.actor, describe_event(e, incident)) for e in incident.events]
    services = set(affected_services(incident, flips))
    began = milestones.get("began", incident.declared_at)
    end = milestones.get("verified_resolved")
    for flip in flips:
        if flip.service in services and flip.at >= began and (end is None or flip.at <= end):
            entries.append((flip.at, f"monitor ({flip.source})", flip.describe()))
    entries.sort(key=lambda entry: entry[0])
    return [{"at": at.isoformat(), "actor": actor, "what": what} for at, actor, what in entries]


def _checklist(incident: Incident, pack: RunbookPack) -> list[dict[str, Any]]:
    result = []
    for runbook_id in incident.runbook_ids:
        runbook = pack.runbooks.get(runbook_id)
        if runbook is None:
            continue
        phases = []
        for phase in runbook.phases:
            steps = []
            for step in phase.steps:
                tick = incident.ticked(runbook.id, step.id)
                steps.append(
                    {
                        "id": step.id,
                        "text": step.text,
                        "done": tick is not None,
                        "at": tick.at.isoformat() if tick else None,
                        "actor": tick.actor if tick else None,
                    }
                )
            phases.append({"name": phase.name, "steps": steps})
        result.append({"runbook": runbook.id, "title": runbook.title, "phases": phases})
    return result


def _sections(incident: Incident) -> set[str]:
    return {n.section for n in incident.notes}


def _output(event: Event) -> dict[str, Any]:
    data = event.data
    return {
        "at": event.at.isoformat(),
        "actor": event.actor,
        "title": str(data.get("title", data.get("step", "output"))),
        "excerpt": str(data.get("excerpt", "")),
    }


def _entry(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "kind": event.kind,
        "data": dict(event.data),
    }


def _clean(value: Any) -> Any:
    """Every string in JSON-shaped data (keys too) sanitised, newlines kept."""
    if isinstance(value, str):
        return sanitize(value, keep_newlines=True)
    if isinstance(value, Mapping):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _span(delta: timedelta) -> str:
    return format_duration(timedelta(seconds=max(0, int(delta.total_seconds()))))


def _stamp(iso: str, *, date: bool = False) -> str:
    moment = datetime.fromisoformat(iso)
    return f"{moment:%Y-%m-%d %H:%M} UTC" if date else f"{moment:%H:%M}"
