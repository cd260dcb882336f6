"""The crash log: where a bug's traceback goes, secrets masked, so that the user sees one line and no more.

Tracebacks are formatted without local variables (a frame's locals may hold a token or a response body),
passed through `redact_text`, and cut to a size that a hostile exception message cannot blow up.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from tessa_tui import __version__
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.user_dirs import state_dir

CRASH_LOG = "crash.log"
MAX_ENTRY_CHARS = 20_000  # one entry; an exception message can carry a whole response body
_LOCK = threading.Lock()  # entries from worker threads must not interleave


def crash_log_path() -> Path:
    """Where crash entries are appended (the user state directory)."""
    return state_dir() / CRASH_LOG


def format_crash(exc: BaseException, context: str, secrets: Iterable[str] = ()) -> str:
    """One crash entry: a header naming `context`, then the traceback without locals, secrets masked."""
    trace = "".join(traceback.format_exception(exc, limit=40))
    if len(trace) > MAX_ENTRY_CHARS:
        trace = trace[: MAX_ENTRY_CHARS // 2] + "\n[... cut ...]\n" + trace[-MAX_ENTRY_CHARS // 2 :]
    hidden = tuple(secrets)
    header = f"--- {datetime.now(UTC).isoformat()} tessa-tui {__version__}: {redact_text(context, hidden)}"
    # Control bytes from outside text (a server's message) would be terminal escapes for whoever cats the log.
    return sanitize(f"{header}\n{redact_text(trace, hidden)}\n", keep_newlines=True)


def write_crash(exc: BaseException, context: str, secrets: Iterable[str] = ()) -> Path | str:
    """Append `exc` to the crash log; return the file, or a few words saying it could not be written."""
    text = format_crash(exc, context, secrets)
    try:
        path = crash_log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK, path.open("a", encoding="utf-8", errors="replace") as log:
            log.write(text)
        return path
    except OSError:
        return "(crash log could not be written)"
