"""`tessa-tui serve`: the console in a browser (textual-serve), for the war room's TV. Every browser tab gets
its own console process on the same config and journal, read-only unless `--write` is given."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from typing import Any

from tessa_tui.config_load import LoadedConfig
from tessa_tui.console import serve_console
from tessa_tui.errors import UserError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def add_serve_parser(commands: Any, run: Callable[[argparse.Namespace], int]) -> None:
    serve = commands.add_parser("serve", help="share the console in a browser on this host (read-only by default)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--write", action="store_true", help="let the browser change things (not spectator mode)")
    serve.add_argument("--public", action="store_true", help="allow a --host other than loopback")
    serve.set_defaults(run=run)


def serve_command(loaded: LoadedConfig, *, write: bool) -> str:
    """The command each browser session runs: this interpreter, this config, spectator unless `write`."""
    argv = [sys.executable, "-m", "tessa_tui", "--config", str(loaded.path)]
    return shlex.join(argv if write else [*argv, "--readonly"])


def run_serve(loaded: LoadedConfig, args: argparse.Namespace) -> int:
    if args.host not in LOOPBACK and not args.public:
        raise UserError(f"--host {args.host}: the console would be reachable from other machines; add --public")
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port}: choose 1-65535")
    mode = "read-write" if args.write else "read-only"
    print(f"tessa-tui: serving the console ({mode}) on http://{args.host}:{args.port}/ · ctrl+c stops", flush=True)
    title = f"tessa-tui · {loaded.config.platform}"
    serve_console(serve_command(loaded, write=args.write), host=args.host, port=args.port, title=title)
    return 0
