"""The message to show for a record read in a flood, derived when it is drawn."""

from __future__ import annotations

import re

from tessa_tui.base import secret_registry
from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.formats.mixed import MIXED
from tessa_tui.logs.formats.record import FULL, SUMMARY, Row


def summary_of(row: Row) -> str:
    """The message of a row: its summary, or the one its (sanitised, masked) text gives, read in whichever
    format its head line is; the whole text when it has none. Masked again: decoding JSON undoes escapes."""
    if row[SUMMARY]:
        return row[SUMMARY]
    full = row[FULL]
    message = MIXED.message(full)
    if not message and full.startswith("{") and "\\" in full:
        # A JSON record with control characters in a string: sanitising wrote them as `\e`, `\x07`, which JSON
        # does not read. Written back as JSON escapes, its message decodes (and is sanitised again below).
        message = MIXED.message(_SANITIZED.sub(_as_json_escape, full))
    return secret_registry.mask(sanitize(message)) if message else full


# An escape sanitize wrote (not one a backslash before it escapes): `\e`, `\xNN`, `\0`, `\r` as JSON has none of
# them; `\n` and `\uNNNN` JSON reads as they are.
_SANITIZED = re.compile(r"(?<!\\)((?:\\\\)*)\\(e|x[0-9a-f]{2}|0|r)")
_NAMED = {"e": "\\u001b", "0": "\\u0000", "r": "\\r"}


def _as_json_escape(match: re.Match[str]) -> str:
    code = match.group(2)
    return match.group(1) + (_NAMED.get(code) or f"\\u00{code[1:]}")
