"""Who is doing things: the name every event records, chosen by `--as`, $TESSA_ACTOR, `journal.actor` or the OS
user, and checked to be one line of visible text."""

from __future__ import annotations

import getpass
import os
import unicodedata

from tessa_tui.base.errors import UserError
from tessa_tui.base.sanitize import sanitize

ACTOR_ENV = "TESSA_ACTOR"
MAX_ACTOR = 64
_NOT_IN_A_NAME = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # control, format, lone surrogates, line / paragraph separators


def check_actor(name: str, field: str, *, source: str | None = None) -> str:
    """A person's name as the journal records it: one line of visible text, at most MAX_ACTOR characters;
    UserError naming `field` (`--as`, `$TESSA_ACTOR`, `journal.actor`, `:iam`) otherwise."""
    text = name.strip()
    if not text:
        raise UserError("a name is needed", source=source, field=field)
    bad = next((c for c in text if unicodedata.category(c) in _NOT_IN_A_NAME), None)
    if bad is not None:
        shown = sanitize(text)[:MAX_ACTOR]
        raise UserError(
            f"'{shown}': U+{ord(bad):04X} is a control or format character, not part of a name",
            source=source,
            field=field,
        )
    if len(text) > MAX_ACTOR:
        raise UserError(f"{len(text)} characters; a name has at most {MAX_ACTOR}", source=source, field=field)
    return text


def default_actor(configured: str | None, chosen: str | None = None, *, source: str | None = None) -> str:
    """Who is recorded as doing things, in order: `chosen` (`--as NAME`), $TESSA_ACTOR, the configured
    `journal.actor` (`source`: its file), then the OS user. A name given but unusable is a UserError."""
    if chosen is not None:
        return check_actor(chosen, "--as")
    from_env = os.environ.get(ACTOR_ENV)
    if from_env:
        return check_actor(from_env, f"${ACTOR_ENV}")
    if configured:
        return check_actor(configured, "journal.actor", source=source)
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USER") or "unknown"
