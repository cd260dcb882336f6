"""Regular expressions that run in linear time (RE2, as Prometheus and Go use), for patterns that meet outside
text: a pattern such as `(a+)+$` against a long log line or label value takes exponential time in Python's
backtracking `re`, on the thread that asked. RE2 refuses what it cannot run in linear time (backreferences,
lookarounds) when the pattern is compiled."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class LinearPattern(Protocol):
        """The part of a compiled RE2 pattern tessa-tui uses (the same names as `re.Pattern`'s)."""

        def search(self, text: str) -> object | None: ...

        def fullmatch(self, text: str) -> object | None: ...


def compile_linear(text: str, *, ignore_case: bool = False) -> LinearPattern:
    """`text` compiled by RE2; ValueError saying why it is not one RE2 can run. RE2's own error logging is off: it
    would write to the terminal under the console."""
    import re2  # only when a pattern is used: not on any start-up path

    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    try:
        pattern: LinearPattern = re2.compile(text, options)
    except (re2.error, ValueError, TypeError) as exc:
        said = exc.args[0] if exc.args else exc
        raise ValueError(said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)) from None
    return pattern
