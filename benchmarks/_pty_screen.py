"""A program in a pseudo-terminal and what its screen shows, with its process tree's CPU and memory from /proc.

The terminal emulator knows what Textual and ncurses (lnav) write with TERM=xterm-256color: cursor moves,
erases, scroll regions, inserted and deleted lines and characters, repeats and the deferred wrap at the last
column. Colours and attributes are dropped: only the text matters to the benchmarks.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

COLUMNS, ROWS = 140, 40
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

_TOKEN = re.compile(
    r"\x1b\[([0-9;?<=>]*)[ -/]*([@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[P^_X][^\x1b]*\x1b\\"  # DCS, PM, APC, SOS
    r"|\x1b[()*+][0-9A-Za-z]|\x1b[=>78DEMNOc]|\x1b[ #%][0-9A-Za-z@]"
    r"|[\x00-\x1a\x1c-\x1f]|[^\x00-\x1f]+"
)


class Terminal:
    """Just enough of an xterm to know which text is where on the screen."""

    def __init__(self, columns: int = COLUMNS, rows: int = ROWS) -> None:
        self.columns, self.rows_count = columns, rows
        self.rows = [[" "] * columns for _ in range(rows)]
        self.row = self.col = 0
        self.top, self.bottom = 0, rows - 1  # the scroll region
        self.saved = (0, 0)
        self.last = " "  # the last character written, for REP
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._tail = ""

    def feed(self, data: bytes) -> None:
        text = self._tail + self._decoder.decode(data)
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:  # an escape sequence cut by the read: wait for the rest
                break
            position = match.end()
            piece = match.group(0)
            if piece[0] == "\x1b":
                if match.group(2):
                    self._csi(match.group(1), match.group(2))
                else:
                    self._escape(piece)
            elif piece[0] < " ":
                self._control(piece)
            else:
                self._write(piece)
        self._tail = text[position:]
        if len(self._tail) > 4096:  # not an escape sequence after all
            self._tail = ""

    def text(self) -> str:
        return "\n".join("".join(row) for row in self.rows)

    def _blank(self) -> list[str]:
        return [" "] * self.columns

    def _write(self, piece: str) -> None:
        while piece:
            if self.col >= self.columns:  # deferred wrap: the next character goes to the next line
                self.col = 0
                self._linefeed()
            part = piece[: self.columns - self.col]
            self.rows[self.row][self.col : self.col + len(part)] = part
            self.col += len(part)
            piece = piece[len(part) :]
            self.last = part[-1]

    def _linefeed(self) -> None:
        if self.row == self.bottom:
            self._scroll_up(1)
        else:
            self.row = min(self.row + 1, self.rows_count - 1)

    def _scroll_up(self, count: int) -> None:
        count = min(count, self.bottom - self.top + 1)
        del self.rows[self.top : self.top + count]
        for _ in range(count):
            self.rows.insert(self.bottom - count + 1, self._blank())

    def _scroll_down(self, count: int) -> None:
        count = min(count, self.bottom - self.top + 1)
        del self.rows[self.bottom - count + 1 : self.bottom + 1]
        for _ in range(count):
            self.rows.insert(self.top, self._blank())

    def _control(self, piece: str) -> None:
        if piece == "\r":
            self.col = 0
        elif piece in "\n\x0b\x0c":
            self.col = min(self.col, self.columns - 1)
            self._linefeed()
        elif piece == "\b":
            self.col = max(0, min(self.col, self.columns) - 1)
        elif piece == "\t":
            self.col = min(self.columns - 1, (self.col // 8 + 1) * 8)

    def _escape(self, piece: str) -> None:
        final = piece[-1]
        if len(piece) != 2:
            return  # charset designations and the like
        if final == "7":
            self.saved = (self.row, self.col)
        elif final == "8":
            self.row, self.col = self.saved
        elif final == "D":
            self._linefeed()
        elif final == "E":
            self.col = 0
            self._linefeed()
        elif final == "M":
            if self.row == self.top:
                self._scroll_down(1)
            else:
                self.row = max(0, self.row - 1)
        elif final == "c":
            self.rows = [self._blank() for _ in range(self.rows_count)]
            self.row = self.col = self.top = 0
            self.bottom = self.rows_count - 1

    def _csi(self, params: str, final: str) -> None:
        private = params[:1] in {"?", "<", "=", ">"}
        numbers = [int(p) if p.isdigit() else 0 for p in params.lstrip("?<=>").split(";")]
        first = numbers[0] or 1
        if private and final not in "JK":
            return  # modes (alternate screen, cursor, mouse): nothing that moves text
        if final in "Hf":
            self.row = min(max(first, 1), self.rows_count) - 1
            self.col = min(max((numbers[1] if len(numbers) > 1 else 0) or 1, 1), self.columns) - 1
        elif final == "J":
            if numbers[0] == 0:
                self.rows[self.row][self.col :] = [" "] * max(0, self.columns - self.col)
                self.rows[self.row + 1 :] = [self._blank() for _ in range(self.rows_count - self.row - 1)]
            elif numbers[0] == 1:
                self.rows[: self.row] = [self._blank() for _ in range(self.row)]
                self.rows[self.row][: self.col + 1] = [" "] * min(self.columns, self.col + 1)
            else:
                self.rows = [self._blank() for _ in range(self.rows_count)]
        elif final == "K":
            col = min(self.col, self.columns)
            start, end = {0: (col, self.columns), 1: (0, min(col + 1, self.columns))}.get(numbers[0], (0, self.columns))
            self.rows[self.row][start:end] = [" "] * (end - start)
        elif final == "A":
            self.row = max(self.top if self.row >= self.top else 0, self.row - first)
        elif final in "Be":
            self.row = min(self.bottom if self.row <= self.bottom else self.rows_count - 1, self.row + first)
        elif final in "Ca":
            self.col = min(self.columns - 1, self.col + first)
        elif final == "D":
            self.col = max(0, min(self.col, self.columns - 1) - first)
        elif final == "E":
            self.row, self.col = min(self.rows_count - 1, self.row + first), 0
        elif final == "F":
            self.row, self.col = max(0, self.row - first), 0
        elif final in "G`":
            self.col = min(first, self.columns) - 1
        elif final == "d":
            self.row = min(first, self.rows_count) - 1
        elif final == "r":
            top = first - 1
            bottom = (numbers[1] if len(numbers) > 1 and numbers[1] else self.rows_count) - 1
            if 0 <= top < bottom < self.rows_count:
                self.top, self.bottom = top, bottom
                self.row = self.col = 0
        elif final == "S":
            self._scroll_up(first)
        elif final == "T":
            self._scroll_down(first)
        elif final in "LM" and self.top <= self.row <= self.bottom:
            top = self.top
            self.top = self.row  # insert / delete lines scroll the region below the cursor
            (self._scroll_down if final == "L" else self._scroll_up)(first)
            self.top = top
            self.col = 0
        elif final == "P":
            line = self.rows[self.row]
            col = min(self.col, self.columns - 1)
            del line[col : col + first]
            line.extend([" "] * (self.columns - len(line)))
        elif final == "@":
            line = self.rows[self.row]
            col = min(self.col, self.columns - 1)
            line[col:col] = [" "] * first
            del line[self.columns :]
        elif final == "X":
            col = min(self.col, self.columns)
            end = min(self.columns, col + first)
            self.rows[self.row][col:end] = [" "] * (end - col)
        elif final == "b":
            self._write(self.last * first)
        elif final == "s":
            self.saved = (self.row, self.col)
        elif final == "u":
            self.row, self.col = self.saved


def tree_pids(root: int) -> list[int]:
    """The processes of `root`'s session (pty.fork made it a session leader): it and everything it started."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == root:  # the session id
            pids.append(int(entry))
    return pids


def tree_cpu_seconds(root: int) -> float:
    """User + system seconds of `root`'s session, children already waited for included."""
    total = 0
    for pid in tree_pids(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / CLOCK_TICKS


def tree_rss_mb(root: int, field: str = "VmRSS") -> float:
    """VmRSS (or another /proc/PID/status field in kB, e.g. VmHWM, the peak) of `root`'s session, MiB."""
    total = 0
    for pid in tree_pids(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class PtyProgram:
    """`argv` in a COLUMNS x ROWS pseudo-terminal of its own session, its output read and emulated."""

    def __init__(self, argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> None:
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # pragma: no cover (the child)
            os.chdir(cwd)
            os.environ.update({"TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS), **(env or {})})
            try:
                os.execvp(argv[0], list(argv))
            finally:
                os._exit(127)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.pid, self.fd = pid, fd
        self.screen = Terminal()
        self.alive = True

    def pump(self, seconds: float) -> bool:
        """Read (and emulate) output for up to `seconds`; True if something was read."""
        if not self.alive:
            time.sleep(max(0.0, seconds))
            return False
        ready, _, _ = select.select([self.fd], [], [], max(0.0, seconds))
        if not ready:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            data = b""
        if not data:
            self.alive = False
            return False
        self.screen.feed(data)
        return True

    def wait_for(self, holds: Callable[[str], bool], timeout: float) -> float | None:
        """Seconds until the screen satisfies `holds` (None: not within `timeout`)."""
        start = time.monotonic()
        while not holds(self.screen.text()):
            left = timeout - (time.monotonic() - start)
            if left <= 0 or not self.alive:
                return None
            self.pump(min(left, 0.05))
        return time.monotonic() - start

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.pump(left)

    def press(self, key: bytes) -> None:
        os.write(self.fd, key)

    def rss_mb(self, field: str = "VmRSS") -> float:
        return tree_rss_mb(self.pid, field)

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.pid)

    def position(self, path: Path) -> int:
        """How far the program has read `path` (its file offset; 0 if it has not opened it)."""
        # The furthest of its descriptors on the file: the console's whole-file index reads with pread, which
        # leaves its descriptor at 0, beside the follower's that moves.
        furthest = 0
        for fd in os.listdir(f"/proc/{self.pid}/fd"):
            try:
                if os.readlink(f"/proc/{self.pid}/fd/{fd}") == str(path):
                    for line in Path(f"/proc/{self.pid}/fdinfo/{fd}").read_text().splitlines():
                        if line.startswith("pos:"):
                            furthest = max(furthest, int(line.split()[1]))
            except OSError:
                continue
        return furthest

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL to whatever of the session is left after 10 s."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        try:
            while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    break
                self.pump(0.05)  # keep reading: a full pty would block its exit
        except ChildProcessError:
            pass
        for pid in [self.pid, *tree_pids(self.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        os.close(self.fd)
