"""The console's remappable key bindings: ids, default keys and what each does.

The UI declares its bindings from this table, so a `keymap:` entry in the config can be
validated (with did-you-mean) without the engine importing the UI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeySpec:
    """One bindable action: its stable id, default key(s) and help text."""

    id: str
    key: str
    description: str
    label: str = ""
    """Short form for the footer; the description when empty."""


KEYS: tuple[KeySpec, ...] = (
    KeySpec("quit", "q", "Quit"),
    KeySpec("help", "question_mark", "Help: every key", "Help"),
    KeySpec("command_palette", "ctrl+p", "Command palette", "Palette"),
    KeySpec("focus_services", "1", "Focus the services pane", "Services"),
    KeySpec("focus_incident", "2", "Focus the incident pane", "Incident"),
    KeySpec("focus_logs", "3", "Focus the logs pane", "Logs"),
    KeySpec("focus_database", "4", "Focus the database pane", "Database"),
    KeySpec("maximize", "z", "Maximise / restore the focused pane", "Zoom"),
    KeySpec("high_contrast", "ctrl+t", "Toggle the high-contrast theme", "Contrast"),
    KeySpec("close", "escape", "Close this screen", "Close"),
    KeySpec("details", "enter", "Details of the selected row", "Details"),
)

KEY_BY_ID: dict[str, KeySpec] = {spec.id: spec for spec in KEYS}
