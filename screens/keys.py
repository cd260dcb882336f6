"""Bindings built from the engine's key table, so every key has a stable, remappable id."""

from __future__ import annotations

from textual.binding import Binding

from tessa_tui.config.keymap import KEY_BY_ID


def bind(binding_id: str, action: str, *, show: bool = True, priority: bool = False) -> Binding:
    """A Binding for the key table's `binding_id`, with its default key and description."""
    spec = KEY_BY_ID[binding_id]
    return Binding(
        spec.key,
        action,
        spec.label or spec.description,
        show=show,
        priority=priority,
        tooltip=spec.description,
        id=binding_id,
    )
