"""Where the journal is, apart from the book: the console names the folder before the book (and the incident
engine with it) loads, on the journal's thread after the first frame."""

from __future__ import annotations

from pathlib import Path

from tessa_tui.base.user_dirs import data_dir
from tessa_tui.config.load import LoadedConfig


def journal_file(loaded: LoadedConfig | None) -> Path:
    """The journal's path: `journal.path` (relative to the config file's folder), else the user data dir's."""
    if loaded is None:
        return data_dir() / "journal.sqlite3"
    path = loaded.config.journal.journal_path(data_dir())
    return path if path.is_absolute() else loaded.path.parent / path
