"""Read what a running app shows as plain text, line by line, like a person reading the screen."""

from __future__ import annotations

from typing import Any

from textual.app import App


def screen_text(app: App[Any]) -> str:
    """The current screen's characters (no styles); modal screens include what shows behind them."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)
