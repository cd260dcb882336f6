"""The footer of keys every screen shows: Textual's, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its keys (some 25 ms, a widget per key) after every `refresh_bindings`, one
rebuild per call even when several come in one frame (at start-up five did, before the first frame was whole),
and again when nothing it shows has changed. This one rebuilds at most once a frame, only on a change, and says
when its keys are first on screen: the frame that completes the console's first picture.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer

from screens.messages import FirstFrameDrawn


class KeysFooter(Footer):
    """Footer(); posts FirstFrameDrawn (bubbling to its screen) once its keys have been drawn the first time."""

    def __init__(self) -> None:
        super().__init__()
        self._rebuild_pending = False
        self._shown: tuple[Any, ...] | None = None
        """What the keys were built from last time: the screen's active bindings and the footer's options."""

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._rebuild_pending:
            return
        if self.is_attached and screen is self.screen:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:
            return
        palette = self.app.COMMAND_PALETTE_BINDING  # shown at the right, though its binding says show=False
        keys = tuple(
            (key, active.binding, active.enabled, active.tooltip)  # what Footer.compose reads, but the node
            for key, active in self.screen.active_bindings.items()
            if active.binding.show or key == palette
        )
        shown = (self.compact, self.show_command_palette, keys)
        if shown == self._shown:
            return
        first = self._shown is None
        self._shown = shown
        await self.recompose()
        if first:
            self.call_after_refresh(self.post_message, FirstFrameDrawn())
