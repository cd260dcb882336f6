"""Typed messages from engine workers to the UI: the only way data reaches widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from tessa_tui.checks.result import CheckResult

if TYPE_CHECKING:  # only the type: the integrations load after the first frame
    from tessa_tui.integrations.pagerduty import PdIncident


class CheckReported(Message):
    """A service check finished one run."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__()
        self.result = result


class PagerDutyReported(Message):
    """One poll of PagerDuty's open incidents: the list, or the one-line reason it could not be had."""

    def __init__(self, incidents: list[PdIncident], error: str | None = None) -> None:
        super().__init__()
        self.incidents = incidents
        self.error = error
