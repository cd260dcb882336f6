"""Opening the Textual console: the one place the engine reaches into the UI, lazily."""

from __future__ import annotations

from tessa_tui.config_load import LoadedConfig


def open_console(loaded: LoadedConfig, *, readonly: bool = False) -> int:
    """Run the console on `loaded` until the user quits; return its exit code."""
    # Imported here so headless commands never pay for (or depend on) the UI.
    from screens.app import TessaApp

    app = TessaApp(loaded, readonly=readonly)
    app.run()
    return app.return_code or 0
