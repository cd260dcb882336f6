"""The shipped runbook pack: loads, matches its schema, and carries every step of the seed runbook verbatim."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from runbooks import pack_dir
from tessa_tui.runbook.load import RunbookPack, load_pack, runbook_json_schema
from tessa_tui.runbook.model import Runbook, Step
from tessa_tui.runbook.placeholders import BUILTIN, STANDARD

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_17aaed69e73ffbe3.txt"
SCHEMA_FILE = pack_dir() / "runbook.schema.json"
KINDS = {"procedure", "issue", "rollback", "maintenance", "security", "review"}

# Every `###` heading of the seed: the runbooks carrying its steps ...
SECTIONS: dict[str, tuple[str, ...]] = {
    "Daily Health Check (5 minutes)": ("daily-health-check",),
    "Weekly Health Review (30 minutes)": ("weekly-health-review",),
    'Issue: "Service Unavailable" Error': ("service-unavailable",),
    'Issue: "Login Failures Spike"': ("login-failures-spike",),
    'Issue: "AI Chat Not Responding"': ("ai-chat-not-responding",),
    'Issue: "Database Slow Queries"': ("database-slow-queries",),
    'Issue: "Sync Failures"': ("sync-failures",),
    "SEV1: Service Down": ("sev1-service-down", "sev2-major-feature-down"),
    "SEV2: Major Feature Down": ("sev2-major-feature-down",),
    "Frontend Rollback": ("rollback-frontend",),
    "Edge Function Rollback": ("rollback-edge-function",),
    "Database Migration Rollback": ("rollback-database-migration",),
    "Create Database Backup": ("db-backup",),
    "Restore Database from Backup": ("db-restore",),
    "Vacuum Database": ("db-vacuum",),
    "Check Database Size": ("db-size",),
    "High CPU Usage": ("perf-high-cpu",),
    "High Memory Usage": ("perf-high-memory",),
    "High Latency": ("perf-high-latency",),
    "Suspected Account Compromise": ("security-account-compromise",),
    "Suspected Data Breach": ("security-data-breach",),
    "DDoS Attack": ("security-ddos",),
}
# ... or why it has none (contacts and URLs live in the config; the template in the post-mortem export).
NOT_RUNBOOKS = {
    "On-Call Rotation": "config: contacts",
    "Third-Party Support": "config: contacts",
    "Communication Channels": "config: contacts",
    "Service URLs": "config: links",
    "Common Commands": "config: links",
    "Incident Severity Levels": "config: severities",
    "Post-Mortem Template": "the post-mortem export",
}
PHASE_LABELS = {"Diagnosis", "Resolution"}  # sub-blocks whose items must sit in the phase of that name


@dataclass
class SeedSection:
    """What one `###` section of the seed says, as parsed from its markdown."""

    heading: str
    items: list[tuple[str | None, str]] = field(default_factory=list)  # (sub-block label, item text)
    comments: list[tuple[str | None, str]] = field(default_factory=list)  # code-block comments naming a step
    symptoms: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)  # from ```sql blocks
    warnings: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)  # **Time to Resolution**: 5-15 minutes, ...


_BOLD = re.compile(r"^\*\*(?P<label>.+?)\*\*:?\s*(?P<rest>.*)$")
_NUMBERED = re.compile(r"^\d+\.\s+(?:\[ \]\s*)?(?P<text>.+)$")
_COMMENT = re.compile(r"^\s*(?:#|--)\s*(?P<text>.+)$")
_MINUTES = re.compile(r"(?:(?P<low>\d+)-)?(?P<high>\d+) minutes")


def parse_seed(text: str) -> dict[str, SeedSection]:
    sections: dict[str, SeedSection] = {}
    section: SeedSection | None = None
    label: str | None = None
    fence: str | None = None  # language of the open code block
    code: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            if fence is None:
                fence, code = line.removeprefix("```"), []
            else:
                if section is not None and fence == "sql":
                    body = "\n".join(c for c in code if not c.strip().startswith("--"))
                    section.statements += [s.strip() for s in body.split(";") if s.strip()]
                fence = None
            continue
        if fence is None and line.startswith("#"):
            heading = line.lstrip("#").strip()
            section = sections.setdefault(heading, SeedSection(heading)) if line.startswith("### ") else None
            label = None
            continue
        if section is None or not line:
            continue
        if fence is not None:
            code.append(raw)
            if comment := _COMMENT.match(raw):
                said = comment.group("text").strip()
                if "CRITICAL" in said:  # a warning, and the step it asks for
                    section.warnings.append(said)
                    section.comments.append((label, re.sub(r"^.*CRITICAL\W*", "", said)))
                elif not said.startswith("TBD") and not said.endswith(":"):
                    section.comments.append((label, said))
            elif numbered := _NUMBERED.match(line):
                section.items.append((label, numbered.group("text")))
            continue
        if bold := _BOLD.match(line):
            name, rest = bold.group("label"), bold.group("rest")
            if "CRITICAL" in name:
                section.warnings.append(name + (f": {rest}" if rest else ""))
            elif rest:
                section.facts[name] = rest
            else:
                label = name
        elif numbered := _NUMBERED.match(line):
            section.items.append((label, numbered.group("text")))
        elif line.startswith("- ") and label == "Symptoms":
            section.symptoms.append(line[2:])
    return sections


def norm(text: str) -> str:
    """Compare texts without checkbox, markdown links, emoji, quotes, case or spacing differences."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("[ ]", "").replace("⚠️", "").replace("⚠", "")
    text = re.sub(r"[\"'`*]", "", text)
    return " ".join(text.lower().split())


def minutes(text: str) -> tuple[timedelta, timedelta]:
    found = _MINUTES.search(text)
    assert found, f"no minutes in {text!r}"
    high = int(found.group("high"))
    low = int(found.group("low") or high)
    return timedelta(minutes=low), timedelta(minutes=high)


@pytest.fixture(scope="module")
def loaded() -> RunbookPack:
    return load_pack([pack_dir()])


@pytest.fixture(scope="module")
def seed() -> dict[str, SeedSection]:
    if not SEED.is_file():
        pytest.skip(f"seed runbook not present at {SEED}")
    return parse_seed(SEED.read_text(encoding="utf-8"))


def find_step(runbook: Runbook, text: str) -> tuple[str, Step] | None:
    wanted = norm(text)
    return next(((p.name, s) for p, s in runbook.steps() if norm(s.text) == wanted), None)


# -- the pack as a whole -------------------------------------------------------------------------------------------


def test_the_whole_pack_loads(loaded: RunbookPack) -> None:
    assert len(loaded.runbooks) == 24
    assert {r.kind for r in loaded.runbooks.values()} == KINDS
    files = sorted(p.stem for p in pack_dir().glob("*.yaml"))
    assert files == sorted(loaded.runbooks)


def test_schema_file_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json.dumps(runbook_json_schema(), indent=2) + "\n", (
        "runbooks/runbook.schema.json is stale; regenerate it with "
        "`tessa-tui runbook schema > runbooks/runbook.schema.json`"
    )


def test_every_severity_has_its_procedure(loaded: RunbookPack) -> None:
    procedures = {r.severity: r.id for r in loaded.runbooks.values() if r.kind == "procedure"}
    assert procedures == {
        "SEV1": "sev1-service-down",
        "SEV2": "sev2-major-feature-down",
        "SEV3": "sev3-degraded-performance",
        "SEV4": "sev4-minor-issue",
    }


def test_sev2_is_sev1_with_extended_timelines(loaded: RunbookPack) -> None:
    sev1, sev2 = loaded.get("sev1-service-down"), loaded.get("sev2-major-feature-down")
    assert [(p.name, s.id, s.text) for p, s in sev2.steps()] == [(p.name, s.id, s.text) for p, s in sev1.steps()]
    boxes1 = [p.within for p in sev1.phases]
    boxes2 = [p.within for p in sev2.phases]
    assert boxes2 == [timedelta(minutes=10), timedelta(minutes=30), timedelta(minutes=60), None]
    assert all(b1 is None or (b2 is not None and b2 > b1) for b1, b2 in zip(boxes1, boxes2, strict=True))


def test_lighter_procedures_are_time_boxed_by_their_response_target(loaded: RunbookPack) -> None:
    for runbook_id, target in (("sev3-degraded-performance", 2), ("sev4-minor-issue", 24)):
        boxes = [p.within for p in loaded.get(runbook_id).phases if p.within is not None]
        assert boxes, runbook_id
        assert boxes[0] <= timedelta(hours=target), runbook_id


# -- every seed section, step by step ------------------------------------------------------------------------------


def test_every_seed_heading_is_mapped(seed: dict[str, SeedSection]) -> None:
    unmapped = set(seed) - set(SECTIONS) - set(NOT_RUNBOOKS)
    assert not unmapped, f"seed sections with no runbook: {sorted(unmapped)}"
    assert set(SECTIONS) <= set(seed), f"mapped headings missing in the seed: {sorted(set(SECTIONS) - set(seed))}"


@pytest.mark.parametrize("heading", list(SECTIONS))
def test_seed_section_is_in_its_runbooks(heading: str, seed: dict[str, SeedSection], loaded: RunbookPack) -> None:
    section = seed[heading]
    for runbook_id in SECTIONS[heading]:
        runbook = loaded.get(runbook_id)
        where = f"{heading!r} -> {runbook_id}"
        for label, text in section.items + section.comments:
            found = find_step(runbook, text)
            assert found, f"{where}: no step {text!r}"
            if label in PHASE_LABELS:
                assert found[0] == label, f"{where}: step {text!r} is in phase {found[0]!r}, not {label!r}"
            elif label and (boxed := re.match(r"^(?P<name>.+?) \((?P<when>.+)\)$", label)):
                assert norm(found[0]) == norm(boxed.group("name")), f"{where}: {text!r} in phase {found[0]!r}"
        symptoms = {norm(s) for s in runbook.symptoms}
        for symptom in section.symptoms:
            assert norm(symptom) in symptoms, f"{where}: symptom {symptom!r} missing"
        # Run by the console (sql), or handed over to copy where the console's read-only transaction cannot run it.
        statements = {
            norm(text.rstrip().rstrip(";"))
            for _, s in runbook.steps()
            if s.action
            for text in (s.action.sql, s.action.copy)
            if text
        }
        for statement in section.statements:
            assert norm(statement) in statements, f"{where}: no step runs or copies {statement!r}"
        warnings = {norm(w) for w in runbook.warnings}
        for warning in section.warnings:
            assert norm(warning) in warnings, f"{where}: warning {warning!r} missing"
        if "Time to Resolution" in section.facts:
            low, high = minutes(section.facts["Time to Resolution"])
            assert runbook.time_to_resolution is not None, where
            assert (runbook.time_to_resolution.min, runbook.time_to_resolution.max) == (low, high), where
        if "Time to Rollback" in section.facts:
            assert runbook.duration == minutes(section.facts["Time to Rollback"])[1], where
        if "Frequency" in section.facts:
            assert section.facts["Frequency"].lower().startswith(runbook.frequency), where
            assert runbook.frequency, where
        if "minutes)" in heading and runbook.kind == "review":
            assert runbook.duration == minutes(heading)[1], where


def test_sev1_time_boxes_come_from_the_seed(seed: dict[str, SeedSection], loaded: RunbookPack) -> None:
    labels = dict.fromkeys(label for label, _ in seed["SEV1: Service Down"].items)
    boxes = [minutes(label)[1] if label and _MINUTES.search(label) else None for label in labels]
    assert [p.within for p in loaded.get("sev1-service-down").phases] == boxes


def test_issues_escalate_after_the_seed_says(seed: dict[str, SeedSection], loaded: RunbookPack) -> None:
    for heading, (runbook_id, *_) in SECTIONS.items():
        runbook = loaded.get(runbook_id)
        if runbook.kind != "issue" or runbook.time_to_resolution is None:
            continue
        said = [minutes(t)[1] for _, t in seed[heading].items if re.search(r"escalate .*within \d+ minutes", t, re.I)]
        expected = said[0] if said else runbook.time_to_resolution.max
        assert runbook.escalate_after == expected, runbook_id


def test_issues_have_symptoms_and_diagnosis_then_resolution(loaded: RunbookPack) -> None:
    for runbook in loaded.runbooks.values():
        if runbook.kind == "issue":
            assert runbook.symptoms, runbook.id
            assert [p.name for p in runbook.phases] == ["Diagnosis", "Resolution"], runbook.id
            assert runbook.severity in {"SEV1", "SEV2", "SEV3", "SEV4"}, runbook.id


def test_the_seed_parser_sees_what_it_should(seed: dict[str, SeedSection]) -> None:
    """Guards the test itself: a parser that finds nothing would pass everything above."""
    unavailable = seed['Issue: "Service Unavailable" Error']
    assert ("Resolution", "Escalate if unresolved within 15 minutes") in unavailable.items
    assert ("Diagnosis", "Check recent deployments") in unavailable.comments
    assert unavailable.symptoms == ["Users seeing 503 errors", "High error rate in monitoring"]
    assert unavailable.facts["Time to Resolution"] == "5-15 minutes"
    assert seed["Vacuum Database"].statements == ["ANALYZE", "VACUUM ANALYZE"]
    assert len(seed["Check Database Size"].statements) == 1
    assert [t for _, t in seed["Frontend Rollback"].items][-1] == 'Click "Promote to Production"'
    assert seed["Database Migration Rollback"].warnings == ["⚠️ CRITICAL: Database rollbacks are dangerous"]
    assert seed["Restore Database from Backup"].comments == [(None, "Test restore procedure in staging first")]
    assert sum(len(s.items) + len(s.comments) for h, s in seed.items() if h in SECTIONS) > 100


# -- hygiene -------------------------------------------------------------------------------------------------------


def test_actions_are_well_formed(loaded: RunbookPack) -> None:
    for runbook in loaded.runbooks.values():
        for _, step in runbook.steps():
            action = step.action
            if action is None:
                continue
            where = f"{runbook.id}/{step.id}"
            if action.sql is not None:
                statement = action.sql.strip().rstrip(";")
                assert statement and ";" not in statement, f"{where}: one SQL statement only"
                if not re.match(r"(?i)^(select|with|show|explain)\b", statement):
                    assert step.destructive, f"{where}: a statement that is not a query must be destructive"
            if action.run is not None:
                assert action.run and all(isinstance(a, str) and a for a in action.run), where
                assert " " not in action.run[0], f"{where}: an argv list, not a shell string"
            texts = [action.http.url if action.http else "", action.copy or "", *(action.run or [])]
            used = set(re.findall(r"\{([a-z_]+)\}", " ".join(texts)))
            shipped = STANDARD.keys() | BUILTIN.keys() | set(action.ask)  # no config-only names in the pack
            assert used <= shipped, f"{where}: unknown placeholders {used - shipped}"


def test_no_step_text_is_repeated_within_a_runbook(loaded: RunbookPack) -> None:
    for runbook in loaded.runbooks.values():
        texts = [norm(s.text) for _, s in runbook.steps()]
        repeated = {t for t in texts if texts.count(t) > 1}
        assert not repeated, f"{runbook.id}: {repeated}"


def test_rollbacks_and_restores_mark_what_changes_systems(loaded: RunbookPack) -> None:
    for runbook in loaded.runbooks.values():
        if runbook.kind == "rollback" or runbook.id in {"db-restore", "db-vacuum"}:
            assert any(s.destructive for _, s in runbook.steps()), runbook.id
