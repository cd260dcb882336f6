"""`tessa-tui demo`: the embedded Tessa platform on loopback, and the console opened on it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tessa_tui.capabilities import Capabilities
from tessa_tui.console import open_console
from tessa_tui.demo.drills import ALL_CLEAR, DRILL_NAMES
from tessa_tui.errors import UserError
from tessa_tui.process_death import die_with_parent
from tessa_tui.user_dirs import state_dir

if TYPE_CHECKING:
    from tessa_tui.demo.platform import PlatformInfo

READY_TIMEOUT_S = 180  # a first run initialises and seeds a PostgreSQL cluster
STOP_TIMEOUT_S = 20


def add_demo_parser(commands: Any) -> None:
    """Register `tessa-tui demo` and its flags."""
    demo = commands.add_parser("demo", help="start the embedded demo platform and open the console on it")
    demo.add_argument("--state-dir", metavar="DIR", help="where the demo keeps its database, logs and config")
    demo.add_argument("--serve-only", action="store_true", help="run the platform without the console")
    demo.add_argument("--print-config", action="store_true", help="print the running demo's tessa.yaml")
    demo.add_argument("--drill", metavar="NAME", choices=[*DRILL_NAMES, ALL_CLEAR],
                      help=f"start a drill on the running demo: {', '.join(DRILL_NAMES)}, or {ALL_CLEAR}")  # fmt: skip
    demo.add_argument("--with-drill", metavar="NAME", action="append", default=[], choices=DRILL_NAMES,
                      help=argparse.SUPPRESS)  # fmt: skip
    demo.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    demo.set_defaults(run=run_demo)


def _state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir).expanduser().resolve() if args.state_dir else state_dir() / "demo"


def run_demo(args: argparse.Namespace) -> int:
    """Dispatch the demo's modes."""
    folder = _state_dir(args)
    if args.serve_only:
        return _serve_only(folder, args.parent_pid, tuple(args.with_drill))
    if args.print_config:
        return _print_config(folder)
    if args.drill:  # a drill breaks the platform on purpose: a change, so not read-only
        Capabilities.from_flag(args.readonly).require("act", f"demo --drill {args.drill}")
        return _drill(folder, args.drill)
    return _demo_console(folder, readonly=args.readonly)


def _running_info(folder: Path) -> PlatformInfo:
    from tessa_tui.demo.platform import read_info

    info = read_info(folder)
    if info is None or not _alive(info.pid):
        raise UserError(f"no demo is running in {folder} (start one with `tessa-tui demo`)")
    return info


def _print_config(folder: Path) -> int:
    info = _running_info(folder)
    print(Path(info.config).read_text(encoding="utf-8"), end="")
    return 0


def _drill(folder: Path, name: str) -> int:
    from tessa_tui.demo.control import send_drill

    info = _running_info(folder)
    active = send_drill(f"{info.base_url}/_demo", name)
    print(f"drills running: {', '.join(active) if active else 'none (all clear)'}")
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _serve_only(folder: Path, parent_pid: int | None, drills: tuple[str, ...]) -> int:
    """Run the platform in the foreground until SIGINT / SIGTERM (or the parent console dies)."""
    from tessa_tui.demo.platform import read_info, serve

    existing = read_info(folder)
    if existing is not None and existing.pid != os.getpid() and _alive(existing.pid):
        raise UserError(f"a demo is already running in {folder} (pid {existing.pid})")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        watcher = loop.create_task(_watch_parent(parent_pid, stop)) if parent_pid is not None else None

        def ready(info: PlatformInfo) -> None:
            print(info.config, flush=True)  # the one line scripts read
            print(f"demo platform at {info.base_url}; stop with Ctrl+C", file=sys.stderr, flush=True)

        await serve(folder, stop, on_ready=ready, drills=drills)
        if watcher is not None:
            watcher.cancel()

    asyncio.run(main())
    return 0


async def _watch_parent(parent_pid: int, stop: asyncio.Event) -> None:
    """Stop when the console that started us is gone, however it went (quit, crash, SIGKILL)."""
    while os.getppid() == parent_pid and _alive(parent_pid):
        await asyncio.sleep(0.5)
    stop.set()


def _demo_console(folder: Path, *, readonly: bool) -> int:
    """Start the platform in a child process, open the console on it, stop the platform on the way out."""
    from tessa_tui.config_load import load_config

    child = _start_platform(folder)
    try:
        return open_console(load_config(Path(_wait_ready(child))), readonly=readonly)
    finally:
        _stop_platform(child)


def _start_platform(folder: Path) -> subprocess.Popen[bytes]:
    print(f"starting the demo platform in {folder} ...", file=sys.stderr, flush=True)
    command = [sys.executable, "-m", "tessa_tui", "demo", "--serve-only", "--state-dir", str(folder),
               "--parent-pid", str(os.getpid())]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "platform.log"
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=log.open("a", encoding="utf-8"),
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl+C in the console's terminal is the console's, not the platform's
        preexec_fn=die_with_parent(signal.SIGTERM),
    )


def _wait_ready(child: subprocess.Popen[bytes]) -> str:
    """The config path the platform prints when it is up; a clear error if it dies or takes too long."""
    assert child.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT_S
    buffer = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([child.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(child.stdout.fileno(), 4096)
            buffer += chunk
            if b"\n" in buffer:
                return buffer.split(b"\n", 1)[0].decode().strip()
            if chunk:
                continue
        if child.poll() is not None:
            raise UserError(f"the demo platform exited (code {child.returncode}); see platform.log in its state dir")
    raise UserError(f"the demo platform was not ready within {READY_TIMEOUT_S}s; see platform.log")


def _stop_platform(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=5)
