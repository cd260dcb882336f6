"""Typed messages from engine workers to the UI: the only way data reaches widgets."""

from __future__ import annotations

from textual.message import Message

from tessa_tui.check_result import CheckResult


class CheckReported(Message):
    """A service check finished one run."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__()
        self.result = result
