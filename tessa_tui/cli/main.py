"""The `tessa-tui` command line: opens the console, or runs a pane's headless twin.

The tree of commands is in `parser.py`; this module runs it with the guarantees every command shares: bad
input is one line and exit 2, a bug is one line, exit 70 and a crash-log entry, and every printed line passes
through the secret registry's mask."""

from __future__ import annotations

import contextlib
import io
import os
import sys

from tessa_tui.base.errors import UserError

TYPE_CHECKING = False  # not typing's: importing typing is what `tessa-tui --help` must not pay for
if TYPE_CHECKING:  # `tessa-tui --help` is a fresh interpreter each time: typing and pathlib stay off its path
    import argparse
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path
    from typing import Any, TextIO

_REGISTRY = "tessa_tui.base.secret_registry"

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: our bug, not the user's input


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; bad input is one line on stderr with exit 2, never a traceback. Everything it prints
    passes through the secret registry's mask (see `_MaskedStream`)."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _MaskedStream(sys.stdout), _MaskedStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        for masked in (sys.stdout, sys.stderr):
            if isinstance(masked, _MaskedStream):
                with contextlib.suppress(OSError, ValueError):
                    masked.flush()
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None) -> int:
    from tessa_tui.cli.parser import build_parser  # the tree imports no feature: --help stays cheap

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        with _acting_as(getattr(args, "actor", None)):
            return run(args)
    except UserError as exc:
        # The message quotes what the user typed: shown, never obeyed (no escape reaches the terminal).
        from tessa_tui.base.redact import redact_text
        from tessa_tui.base.sanitize import sanitize

        print(f"tessa-tui: error: {sanitize(redact_text(str(exc)))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK  # `tessa-tui ... | head` closed the pipe: not an error
    except Exception as exc:  # the last line of defence: the user sees one line, the log keeps the rest
        # Only the type: a message can quote a secret (an invalid port quotes the netloc, password and all).
        where = _log_crash(exc)
        print(f"tessa-tui: internal error: {type(exc).__name__}; details in {where}", file=sys.stderr)
        return EXIT_INTERNAL


@contextlib.contextmanager
def _acting_as(name: str | None) -> Iterator[None]:
    """`--as NAME` for the whole run: checked first (a bad name is exit 2 whatever the subcommand), then
    $TESSA_ACTOR for the run's length, which `--as` outranks anyway; so every subcommand that records
    (incident, runbook run, check --review, the console) and every `tessa-tui` a step runs records NAME."""
    if name is None:
        yield
        return
    from tessa_tui.incidents.actors import ACTOR_ENV, check_actor

    name = check_actor(name, "--as")
    before = os.environ.get(ACTOR_ENV)
    os.environ[ACTOR_ENV] = name
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ACTOR_ENV, None)
        else:
            os.environ[ACTOR_ENV] = before


def _log_crash(exc: BaseException) -> Path | str:
    """Append the traceback (no locals, secrets masked) to the crash log; return where it went."""
    from tessa_tui.base.crash_log import write_crash

    return write_crash(exc, "tessa-tui command line")


class _MaskedStream(io.TextIOBase):
    """stdout / stderr with every registered secret masked. Whole lines are masked (a secret split over
    writes, as print and json.dump make them, is still one line): writes are collected up to CHUNK characters
    (at each newline on a terminal) and masked in one pass, so `tessa-tui logs | ...` pays one regex search
    per chunk, not per line."""

    CHUNK = 8192
    LONGEST_LINE = 1 << 20  # a line longer than this is masked in pieces rather than held without end

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._parts: list[str] = []
        self._size = 0
        try:
            self._tty = stream.isatty()
        except (AttributeError, ValueError, OSError):
            self._tty = False

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.CHUNK or (self._tty and "\n" in text):
            self._drain(everything=self._size >= self.LONGEST_LINE)
        return len(text)

    def _drain(self, *, everything: bool) -> None:
        data = "".join(self._parts)
        end = len(data) if everything else data.rfind("\n") + 1
        self._parts = [data[end:]] if end < len(data) else []
        self._size = len(data) - end
        if end:
            # A secret is registered only through the registry: not imported yet, nothing to mask (and a
            # command that knows no secret, like --help, does not pay for importing it).
            registry = sys.modules.get(_REGISTRY)
            self._stream.write(registry.mask(data[:end]) if registry is not None else data[:end])

    def flush(self) -> None:
        self._drain(everything=True)
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
