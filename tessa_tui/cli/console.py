"""Opening the Textual console, in the terminal or in a browser: the one place the engine reaches into the UI
(Textual and textual-serve), lazily."""

from __future__ import annotations

from collections.abc import Callable

from tessa_tui.config.load import LoadedConfig


def open_console(loaded: LoadedConfig, *, readonly: bool = False, actor: str | None = None) -> int:
    """Run the console on `loaded` until the user quits; return its exit code. `actor` (`--as`): who is typing
    (else $TESSA_ACTOR, journal.actor, the OS user); `:iam` changes it while it runs."""
    # Imported here so headless commands never pay for (or depend on) the UI.
    from screens.app import TessaApp

    app = TessaApp(loaded, readonly=readonly, actor=actor)
    app.run()
    return app.return_code or 0


def serve_console(
    command: str, *, host: str, port: int, title: str, token: str, max_sessions: int, on_listening: Callable[[], None]
) -> None:
    """Serve `command` (a console) to browsers holding `token` until interrupted: each tab runs its own process,
    at most `max_sessions` at once; `on_listening` runs once the port is bound."""
    from screens.serve_guard import GuardedServer

    server = GuardedServer(command, host=host, port=port, title=title, token=token, max_sessions=max_sessions)
    server.serve(on_listening=on_listening)
