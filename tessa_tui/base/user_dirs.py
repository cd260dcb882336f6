"""The platform's usual per-user directories for tessa-tui's config, data and state."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "tessa-tui"


def config_dir() -> Path:
    """Where a user's tessa.yaml lives (XDG_CONFIG_HOME, ~/Library/Application Support, AppData)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Where durable data lives: the incident journal, size history."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Where disposable state lives: the demo platform, our own log file."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def home_path(text: str) -> Path:
    """`text` as a path with `~` and `~user` expanded as a shell does: an unknown user (`~0`) stays as written, to
    be refused as a missing file, where pathlib's expanduser raises RuntimeError."""
    return Path(os.path.expanduser(text))
