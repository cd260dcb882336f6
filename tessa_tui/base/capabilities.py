"""What this process may do to the world, decided once from `--readonly` and passed down.

A read-only console (`tessa-tui --readonly`, every `tessa-tui serve` tab without `--write`) and any CLI command
given `--readonly` run no step action, post to no integration and write nothing to the journal. Code that is
about to do one of those asks `require()`, the one place that says no; nothing else decides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tessa_tui.base.errors import UserError

Need = Literal["act", "post", "journal"]
"""act: run a step's action (a command, a request, a query, a check); post: call PagerDuty / Slack / Statuspage;
journal: append to the incident journal."""

WHAT = {"act": "runs no step action", "post": "posts to no integration", "journal": "writes nothing"}


class ReadOnlyError(UserError):
    """Refused because this process is read-only: one line, exit 2 on the command line."""


@dataclass(frozen=True)
class Capabilities:
    """Which kinds of change this process may make."""

    act: bool
    post: bool
    journal: bool

    @classmethod
    def from_flag(cls, readonly: bool) -> Capabilities:
        """The capabilities of a process started with (or without) `--readonly`."""
        return READ_ONLY if readonly else READ_WRITE

    @property
    def readonly(self) -> bool:
        return not (self.act or self.post or self.journal)

    def allows(self, need: Need) -> bool:
        return bool(getattr(self, need))

    def require(self, need: Need, doing: str) -> None:
        """Refuse `doing` (a few words: `runbook run`, `step check-db`) unless this process may `need`."""
        if not self.allows(need):
            raise ReadOnlyError(f"read-only: {doing} refused (read-only mode {WHAT[need]})")


READ_ONLY = Capabilities(act=False, post=False, journal=False)
READ_WRITE = Capabilities(act=True, post=True, journal=True)
MEASURE = Capabilities(act=True, post=False, journal=True)
"""A health review: it runs its measuring steps and saves itself, but tells no one outside."""
