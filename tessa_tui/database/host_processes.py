"""Per-backend CPU, memory and I/O from this machine's process table, when the server runs on this machine.

As pg_activity does, with psutil. Whether the server is here is proved, not guessed from the host name: our own
backend's pid must be a postgres process here that started when the server says our session started (a
server in a container or on another host fails this, and is said "remote: not available"). Rates need two
samples: the first sample of a backend shows its memory, and CPU and I/O from the next poll on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

REMOTE = "remote: not available (per-backend CPU, memory and I/O need the server on this machine)"
LOCAL = "CPU, memory and I/O per backend from this machine"
NO_IO = "I/O needs the server's user or root"
START_SLACK_S = 2.0


class BackendProcesses:
    """Samples the server's backends by pid; `here` is decided once per connection by `probe`."""

    def __init__(self) -> None:
        self.here = False
        self.note = REMOTE
        self._last: dict[int, tuple[float, float, int | None, int | None, float]] = {}
        self._io_denied = False

    def probe(self, backend_pid: Any, backend_start_epoch: Any) -> bool:
        """Whether our session's backend is a process on this machine (psutil imported here, off the event loop)."""
        self.here = False
        self.note = REMOTE
        self._last.clear()
        if not isinstance(backend_pid, int) or not isinstance(backend_start_epoch, float):
            return False
        try:
            import psutil

            process = psutil.Process(backend_pid)
            named = "postgres" in process.name() or "postgres" in " ".join(process.cmdline()[:1])
            started = abs(process.create_time() - backend_start_epoch) <= START_SLACK_S
        except Exception:  # no such process here, or not ours to read: the server is elsewhere for us
            return False
        self.here = named and started
        self.note = LOCAL if self.here else REMOTE
        return self.here

    def sample(self, pids: Iterable[int]) -> dict[int, tuple[float | None, int | None, float | None, float | None]]:
        """(cpu %, resident bytes, read bytes/s, write bytes/s) per pid; None where not known (yet)."""
        if not self.here:
            return {}
        import psutil

        found: dict[int, tuple[float | None, int | None, float | None, float | None]] = {}
        seen: dict[int, tuple[float, float, int | None, int | None, float]] = {}
        for pid in pids:
            read_now = self._read(psutil, pid)
            if read_now is None:  # gone between the poll and now, or not readable: nothing known of it
                continue
            cpu, rss, started, read, written = read_now
            now = time.monotonic()
            seen[pid] = (now, cpu, read, written, started)
            before = self._last.get(pid)
            if before is None or before[4] != started or now <= before[0]:  # a new process under an old pid
                found[pid] = (None, rss, None, None)
                continue
            elapsed = now - before[0]
            cpu_pct = round(100.0 * max(0.0, cpu - before[1]) / elapsed, 1)
            read_rate = None if read is None or before[2] is None else max(0, read - before[2]) / elapsed
            write_rate = None if written is None or before[3] is None else max(0, written - before[3]) / elapsed
            found[pid] = (cpu_pct, rss, read_rate, write_rate)
        self._last = seen
        if self._io_denied:
            self.note = f"{LOCAL} ({NO_IO})"
        return found

    def _read(self, psutil: Any, pid: int) -> tuple[float, int, float, int | None, int | None] | None:
        """(CPU seconds, resident bytes, start time, bytes read, bytes written) of one process, or None."""
        try:
            process = psutil.Process(pid)
            with process.oneshot():
                times = process.cpu_times()
                cpu = float(times.user + times.system)
                rss = int(process.memory_info().rss)
                started = float(process.create_time())
                read, written = self._io(process)
        except (psutil.Error, OSError):
            return None
        return cpu, rss, started, read, written

    def _io(self, process: Any) -> tuple[int | None, int | None]:
        if self._io_denied:
            return None, None
        try:
            counters = process.io_counters()
        except Exception:  # another user's /proc/PID/io is closed to us; no io_counters on macOS
            self._io_denied = True
            return None, None
        return int(counters.read_bytes), int(counters.write_bytes)
