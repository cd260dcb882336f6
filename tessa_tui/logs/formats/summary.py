"""The message to show for a record read in a flood, derived when it is drawn."""

from __future__ import annotations

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
    return secret_registry.mask(sanitize(message)) if message else full
