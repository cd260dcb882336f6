"""`tessa-tui serve`: the console in a browser (textual-serve), for the war room's TV. Every browser tab gets
its own console process on the same config and journal, read-only unless `--write` is given."""

from __future__ import annotations

import argparse
import secrets
import shlex
import sys

from tessa_tui.base.errors import UserError
from tessa_tui.cli.console import serve_console
from tessa_tui.config.load import LoadedConfig

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ALL_INTERFACES = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104 -- names them, to print a usable URL


def serve_command(loaded: LoadedConfig, *, write: bool) -> str:
    """The command each browser session runs: this interpreter, this config, spectator unless `write`."""
    argv = [sys.executable, "-m", "tessa_tui", "--config", str(loaded.path)]
    return shlex.join(argv if write else [*argv, "--readonly"])


def browser_url(host: str, port: int, token: str) -> str:
    """The URL to open for a server on `host`: all-interfaces addresses become loopback, IPv6 is bracketed."""
    host = ALL_INTERFACES.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/?token={token}"


def run_serve(loaded: LoadedConfig, args: argparse.Namespace) -> int:
    host = args.host.removeprefix("[").removesuffix("]")
    if args.write and getattr(args, "readonly", False):
        raise UserError("--write and --readonly do not go together: choose one")
    if host not in LOOPBACK and not args.public:
        raise UserError(f"--host {args.host}: the console would be reachable from other machines; add --public")
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port}: choose 1-65535")
    if not 0 < args.max_sessions <= 1000:
        raise UserError(f"--max-sessions {args.max_sessions}: choose 1-1000")
    token = secrets.token_urlsafe(24)
    url = browser_url(host, args.port, token)

    def on_listening() -> None:
        mode = "read-write" if args.write else "read-only"
        lines = [f"serving the console ({mode}) on {url} · at most {args.max_sessions} sessions · ctrl+c stops"]
        if host in ALL_INTERFACES:
            lines.append("listening on all interfaces: from another machine use this host's address in that URL")
        if args.public:
            lines.append("--public: anyone who can reach this host on the network and has the URL can watch")
        if args.write:
            lines.append("--write: the browser can change things and run runbook steps, destructive ones included")
        print("\n".join(f"tessa-tui: {line}" for line in lines), flush=True)

    title = f"tessa-tui · {loaded.config.platform}"
    command = serve_command(loaded, write=args.write)
    serve_console(
        command,
        host=host,
        port=args.port,
        title=title,
        token=token,
        max_sessions=args.max_sessions,
        on_listening=on_listening,
    )
    return 0
