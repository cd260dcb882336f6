"""`tessa-tui demo`: the embedded Tessa platform on loopback, and the console opened on it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import select
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.errors import UserError
from tessa_tui.base.process_death import die_with_parent
from tessa_tui.base.user_dirs import home_path, state_dir
from tessa_tui.cli.console import open_console
from tessa_tui.cli.demo_views import environment, print_env, print_slack

if TYPE_CHECKING:
    from tessa_tui.demo.platform import PlatformInfo

READY_TIMEOUT_S = 180  # a first run initialises and seeds a PostgreSQL cluster
STOP_TIMEOUT_S = 20


MAX_DEMOS = 9
"""Demos at once without --state-dir: the first uses `<state>/demo` (kept between runs, so its seeded
PostgreSQL cluster is reused), the next ones `<state>/demo-2` ... while the earlier ones run."""


def _refuse_combinations(args: argparse.Namespace) -> None:
    """Flags that cannot combine are refused in one line, never ignored."""
    config = getattr(args, "config", None)
    modes = [
        flag
        for flag, on in (
            ("--serve-only", args.serve_only),
            ("--print-config", args.print_config),
            ("--drill", args.drill is not None),
            ("--slack", getattr(args, "slack", False)),
            ("--env", getattr(args, "env", False)),
            ("--join", getattr(args, "join", False)),
        )
        if on
    ]
    if len(modes) > 1:
        raise UserError(f"{modes[0]} and {modes[1]} do not go together: choose one")
    for flag, given in (
        ("--with-drill", args.with_drill),
        ("--parent-pid", args.parent_pid is not None),
        ("--lock-fd", args.lock_fd is not None),
    ):
        if given and not args.serve_only:
            raise UserError(f"{flag} goes with --serve-only only")
    if config and not args.drill:
        what = f"demo {modes[0]}" if modes else "demo"
        raise UserError(f"--config does not go with `{what}`: the demo writes its own config (--state-dir names one)")
    if config and args.state_dir:
        raise UserError("--config and --state-dir do not go together with --drill: name the demo once")
    if args.serve_only and getattr(args, "readonly", False):
        raise UserError("--readonly does not go with --serve-only: the platform writes its database and logs")


def run_demo(args: argparse.Namespace) -> int:
    """Dispatch the demo's modes."""
    _refuse_combinations(args)
    if args.serve_only:
        return _serve_only(_state_dir(args), args.parent_pid, tuple(args.with_drill), args.lock_fd)
    if args.print_config:
        return _print_config(_running_dir(args))
    if args.slack:
        return print_slack(_running_info(_running_dir(args)).base_url)
    if args.env:
        from tessa_tui.demo.platform import read_info

        folder = _running_dir(args)
        info = read_info(folder)
        return print_env(folder, Path(info.config) if info is not None else None)
    if args.drill:  # a drill breaks the platform on purpose: a change, so not read-only
        Capabilities.from_flag(args.readonly).require("act", f"demo --drill {args.drill}")
        return _drill(args)
    if args.join:
        return _join(args)
    return _demo_console(args, readonly=args.readonly)


def _join(args: argparse.Namespace) -> int:
    """Another responder's console on the running demo, as from another machine: the demo's config with a
    local journal of its own (`<state>/responders/NAME/`), sharing the demo's shared journal."""
    from tessa_tui.config.load import load_config
    from tessa_tui.incidents.actors import default_actor

    folder = _running_dir(args)
    info = _running_info(folder)
    who = default_actor(None, getattr(args, "actor", None))
    home = folder / "responders" / "".join(c if c.isalnum() else "-" for c in who)[:40]
    home.mkdir(parents=True, exist_ok=True)
    text = Path(info.config).read_text(encoding="utf-8")
    own = text.replace(f"path: {folder}/journal.sqlite3", f"path: {home}/journal.sqlite3", 1)
    if own == text:
        raise UserError(f"the demo in {folder} has no shared journal (started by an older tessa-tui?): restart it")
    config = home / "tessa.yaml"
    config.write_text(own, encoding="utf-8")
    os.environ.update(environment(folder))
    return open_console(load_config(config), readonly=args.readonly, actor=who)


def _state_dir(args: argparse.Namespace) -> Path:
    return home_path(args.state_dir).resolve() if args.state_dir else state_dir() / "demo"


def demo_slots() -> list[Path]:
    """Where demos started without --state-dir live, in the order they are taken."""
    base = state_dir()
    return [base / "demo", *(base / f"demo-{n}" for n in range(2, MAX_DEMOS + 1))]


def _running_dir(args: argparse.Namespace) -> Path:
    """The state dir of the demo a command means: --state-dir, else the one demo running."""
    from tessa_tui.demo.platform import in_use

    if args.state_dir:
        return _state_dir(args)
    running = [slot for slot in demo_slots() if in_use(slot)]
    if not running:
        raise UserError("no demo is running (start one with `tessa-tui demo`, or name its --state-dir)")
    if len(running) > 1:
        names = ", ".join(str(slot) for slot in running)
        raise UserError(f"{len(running)} demos are running ({names}): name one with --state-dir DIR")
    return running[0]


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


def _drill(args: argparse.Namespace) -> int:
    from tessa_tui.demo.control import send_drill

    config = getattr(args, "config", None)
    control_url = _control_url(Path(config)) if config else f"{_running_info(_running_dir(args)).base_url}/_demo"
    active = send_drill(control_url, args.drill)
    print(f"drills running: {', '.join(active) if active else 'none (all clear)'}")
    return 0


def _control_url(config: Path) -> str:
    """The demo.control-url of the config a demo wrote; read on its own, so a variable the rest of the
    config needs (a token in the environment) does not stand between a drill and its demo."""
    from tessa_tui.base.safe_yaml import load_yaml_file

    data = load_yaml_file(config).data
    demo = data.get("demo") if isinstance(data, dict) else None
    url = demo.get("control-url") if isinstance(demo, dict) else None
    if not isinstance(url, str) or not url:
        raise UserError("demo.control-url: not in this config (--drill needs one a demo wrote)", source=str(config))
    return url


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _busy(folder: Path) -> UserError:
    from tessa_tui.demo.platform import read_info

    info = read_info(folder)
    pid = f" (pid {info.pid})" if info is not None and _alive(info.pid) else ""
    return UserError(f"a demo is already running in {folder}{pid}; choose another --state-dir")


def _serve_only(folder: Path, parent_pid: int | None, drills: tuple[str, ...], lock_fd: int | None) -> int:
    """Run the platform in the foreground until SIGINT / SIGTERM (or the parent console dies)."""
    from tessa_tui.demo.platform import claim_state_dir, serve

    # The state dir is this demo's alone for as long as it runs: claimed before anything in it is touched.
    claim: BinaryIO | None = os.fdopen(lock_fd, "ab") if lock_fd is not None else claim_state_dir(folder)
    if claim is None:
        raise _busy(folder)

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

    with claim:
        asyncio.run(main())
    return 0


async def _watch_parent(parent_pid: int, stop: asyncio.Event) -> None:
    """Stop when the console that started us is gone, however it went (quit, crash, SIGKILL)."""
    while os.getppid() == parent_pid and _alive(parent_pid):
        await asyncio.sleep(0.5)
    stop.set()


def _demo_console(args: argparse.Namespace, *, readonly: bool) -> int:
    """Claim a state dir, start the platform in a child process, open the console on it, stop the platform
    on the way out."""
    from tessa_tui.config.load import load_config

    folder, claim = _claim(args)
    with claim:
        child = _start_platform(folder, claim)
        os.environ.update(environment(folder))  # the config's ${TESSA_DEMO_...} credentials, the demo's supabase
        try:
            config = Path(_wait_ready(child, folder))
            where = "" if folder in demo_slots()[:1] else f" --state-dir {shlex.quote(str(folder))}"
            print(
                "a second responder's console on the same incident, from another terminal:\n"
                f"  python3 dev.py demo --join{where} --as bob",
                file=sys.stderr,
                flush=True,
            )
            return open_console(load_config(config), readonly=readonly)
        finally:
            _stop_platform(child)


def _claim(args: argparse.Namespace) -> tuple[Path, BinaryIO]:
    """--state-dir if it is free, else the first free default slot: another demo's dir is never touched."""
    from tessa_tui.demo.platform import claim_state_dir

    slots = [_state_dir(args)] if args.state_dir else demo_slots()
    for folder in slots:
        claim = claim_state_dir(folder)
        if claim is not None:
            return folder, claim
    if args.state_dir:
        raise _busy(slots[0])
    raise UserError(f"{len(slots)} demos are running already; stop one, or start this one with --state-dir DIR")


def _start_platform(folder: Path, claim: BinaryIO) -> subprocess.Popen[bytes]:
    print(f"starting the demo platform in {folder} ...", file=sys.stderr, flush=True)
    lock_fd = claim.fileno()  # the child shares this lock: the dir stays claimed while either runs
    command = [
        sys.executable,
        "-m",
        "tessa_tui",
        "demo",
        "--serve-only",
        "--state-dir",
        str(folder),
        "--parent-pid",
        str(os.getpid()),
        "--lock-fd",
        str(lock_fd),
    ]
    with (folder / "platform.log").open("w", encoding="utf-8") as log:  # this run's log: the dir is ours
        return subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            pass_fds=(lock_fd,),
            start_new_session=True,  # Ctrl+C in the console's terminal is the console's, not the platform's
            preexec_fn=die_with_parent(signal.SIGTERM),
        )


def _wait_ready(child: subprocess.Popen[bytes], folder: Path) -> str:
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
            raise UserError(f"the demo platform exited (code {child.returncode}); see {folder / 'platform.log'}")
    raise UserError(f"the demo platform was not ready within {READY_TIMEOUT_S}s; see {folder / 'platform.log'}")


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
