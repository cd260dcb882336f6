"""Children that die with their parent: a demo platform or a database must not outlive the console."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def signal_on_parent_death(sig: int, parent: int) -> None:
    """In a forked child: ask Linux for `sig` when `parent` dies (no-op elsewhere).

    Call it after any setuid: the kernel clears the request when credentials change.
    """
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig))
    # The parent may have died between fork and prctl: then nobody would ever signal us.
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A subprocess `preexec_fn` that makes the child receive `sig` when this process dies."""
    parent = os.getpid()
    return lambda: signal_on_parent_death(sig, parent)
