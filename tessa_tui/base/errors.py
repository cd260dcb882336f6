"""Errors caused by what a user gave us: shown as one line, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input (file, argument, value) described as `file:line: field: what is wrong`."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = self.source if self.line is None else f"{self.source}:{self.line}"
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.message])
