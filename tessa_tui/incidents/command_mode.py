"""The console's `:` command line, parsed: `:sev1 <title>`, `:ack`, `:runbook <query>`, `:note <text>`,
`:resolve [summary]`, `:update <text>`, `:iam <name>`, `:handoff <name>`, `:contacts`, `:war`, `:deploys`,
`:metrics`, `:goto <time>`, `:help`. A unique prefix of a verb is enough (`:run 503`); `:h` is `:help`. Names
after `:iam` and `:handoff` complete from the contacts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tessa_tui.base.errors import UserError

VERBS = {
    "ack": "acknowledge the open incident",
    "runbook": "find a runbook by title or symptom: attach it to the open incident (or read it)",
    "note": "add a note to the open incident's timeline",
    "resolve": "resolve the open incident (a summary may follow)",
    "update": "record a stakeholder update posted by hand: restarts the update clock",
    "iam": "who is typing on this terminal from now on (a shared war-room screen)",
    "handoff": "hand the incident-commander role of the open incident to someone",
    "contacts": "on-call, escalation, vendors, channels and the quick reference",
    "war": "war-room mode for the shared screen",
    "deploys": "the Deployments view: the latest deployments, those of the last 2 hours marked",
    "metrics": "the Metrics view: CPU, memory, connections, error rate, p95 as tiles",
    "goto": "the logs at a time: 14:05, 2026-12-06 14:05 or 10m (before the newest record)",
    "help": "every key and command",
}
NEEDS_TEXT = {"runbook", "note", "iam", "handoff", "update", "goto"}
NAMED = ("iam", "handoff")
"""Verbs followed by a person's name: completed from the contacts."""
ALIASES = {"h": "help"}


@dataclass(frozen=True)
class Command:
    verb: str
    """`declare` or one of VERBS."""
    text: str = ""
    severity: str = ""


def usage(severities: Iterable[str]) -> str:
    levels = "/".join(level.lower() for level in severities)
    return f":{levels} [title] · " + " · ".join(f":{verb}" + (" …" if verb in NEEDS_TEXT else "") for verb in VERBS)


def parse_command(line: str, severities: Iterable[str]) -> Command:
    """One command line (with or without its leading `:`); UserError saying what is possible otherwise."""
    levels = {level.lower(): level for level in severities}
    head, _, rest = line.strip().removeprefix(":").strip().partition(" ")
    word, text = head.lower(), rest.strip()
    if not word:
        raise UserError(f"type a command: {usage(levels.values())}")
    if word in levels:
        return Command("declare", text, levels[word])
    matches = [ALIASES[word]] if word in ALIASES else [verb for verb in VERBS if verb.startswith(word)]
    if len(matches) != 1:
        what = f"{word!r} could be {', '.join(matches)}" if matches else f"no command {word!r}"
        raise UserError(f"{what}: {usage(levels.values())}")
    verb = matches[0]
    if verb in NEEDS_TEXT and not text:
        raise UserError(f":{verb} needs text after it (:{verb} …)")
    return Command(verb, text)


def complete(line: str, names: Iterable[str]) -> str | None:
    """What `line` completes to, for the `:` line's suggestion (it must start with `line` as typed): a name
    from `names` after `:iam` / `:handoff` (any case: `:iam al` → `:iam alice`, the rest as configured), or
    the verb a unique prefix stands for (`:han` → `:handoff `). None when nothing fits."""
    head, space, rest = line.removeprefix(":").partition(" ")
    colon = ":" if line.startswith(":") else ""
    if not space:
        if not head:
            return None
        verbs = [v for v in VERBS if v.startswith(head.lower())]
        if len(verbs) == 1 and verbs[0] != head.lower():
            return f"{colon}{head}{verbs[0][len(head) :]}" + (" " if verbs[0] in NEEDS_TEXT else "")
        return None
    verbs = [v for v in VERBS if v.startswith(head.lower())]
    if len(verbs) != 1 or verbs[0] not in NAMED or not rest.strip():
        return None
    typed = rest.lstrip()
    for name in names:
        if name.casefold().startswith(typed.casefold()) and len(name) > len(typed):
            return line + name[len(typed) :]
    return None
