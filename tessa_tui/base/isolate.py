"""The fault boundary every polled source runs behind: one source's bug is that source's error state.

A check, a status page, a database section or the PagerDuty poll that raises something nobody foresaw
must not take its siblings (or the command) down with it. `isolated` turns the exception into the
source's own error value with a one-line reason and writes the details to the crash log; cancellation
still passes through, so stopping a poller stops it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from tessa_tui.base.crash_log import write_crash
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize

T = TypeVar("T")


def internal_reason(exc: BaseException, context: str, secrets: Iterable[str] = ()) -> str:
    """Log `exc` for `context` in the crash log and return the one line a person sees instead."""
    hidden = tuple(secrets)
    where = write_crash(exc, context, hidden)
    message = _first_line(exc)
    message = redact_text(sanitize(message), hidden)[:120]
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return f"internal error ({detail}); details in {where}"


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # an exception whose own __str__ fails still gets its one line
        return ""
    return text.strip().splitlines()[0] if text.strip() else ""


async def isolated(
    work: Awaitable[T],
    *,
    context: str,
    on_fault: Callable[[str], T],
    secrets: Iterable[str] = (),
) -> T:
    """Await `work`; an Exception becomes `on_fault(reason)` (logged), never a sibling's cancellation.

    BaseExceptions that are not Exceptions (cancellation, KeyboardInterrupt, SystemExit) pass through.
    """
    try:
        return await work
    except Exception as exc:
        return on_fault(internal_reason(exc, context, secrets))
