"""The console's `:` command line, parsed: `:sev1 <title>`, `:ack`, `:runbook <query>`, `:note <text>`,
`:resolve [summary]`, `:contacts`, `:war`, `:help`. A unique prefix of a verb is enough (`:run 503`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tessa_tui.errors import UserError

VERBS = {
    "ack": "acknowledge the open incident",
    "runbook": "find a runbook by title or symptom: attach it to the open incident (or read it)",
    "note": "add a note to the open incident's timeline",
    "resolve": "resolve the open incident (a summary may follow)",
    "contacts": "on-call, escalation, vendors, channels and the quick reference",
    "war": "war-room mode for the shared screen",
    "help": "every key and command",
}
NEEDS_TEXT = {"runbook", "note"}


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
    matches = [verb for verb in VERBS if verb.startswith(word)]
    if len(matches) != 1:
        what = f"{word!r} could be {', '.join(matches)}" if matches else f"no command {word!r}"
        raise UserError(f"{what}: {usage(levels.values())}")
    verb = matches[0]
    if verb in NEEDS_TEXT and not text:
        raise UserError(f":{verb} needs text after it (:{verb} …)")
    return Command(verb, text)
