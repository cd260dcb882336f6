"""Textual's command palette without one race that crashed the console.

Typing a search and Enter in one burst (a person's fast typing, a paste, tmux) can close the palette while its
search worker is still gathering commands; the worker then touches the palette's removed list (`NoMatches`),
and a worker's error ends the app. A search that finishes after its palette has gone has nothing to show.
"""

from __future__ import annotations

from textual.command import Command, CommandList, CommandPalette


class SteadyCommandPalette(CommandPalette):
    """The palette, whose late search results are dropped once it is no longer on screen."""

    def _still_shown(self) -> bool:
        return self.is_attached and bool(self.query(CommandList))

    def _refresh_command_list(self, command_list: CommandList, commands: list[Command], clear_current: bool) -> None:
        if self._still_shown():
            super()._refresh_command_list(command_list, commands, clear_current)

    def _watch__list_visible(self) -> None:
        if self._still_shown():
            super()._watch__list_visible()
