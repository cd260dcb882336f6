"""The configuration a command runs with: the one given, or the lookup order's."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tessa_tui.base.user_dirs import config_dir
from tessa_tui.config.load import CONFIG_ENV, CONFIG_NAME, LoadedConfig, load_config, locate_config


def load(args: argparse.Namespace, path: str | None = None) -> LoadedConfig:
    """`path`, else `--config`, else $TESSA_CONFIG, ./tessa.yaml and the user config dir."""
    return load_config(locate_config(path or args.config))


def load_optional(args: argparse.Namespace) -> LoadedConfig | None:
    """The config when one is given or found; None when there is none at all (the defaults then apply)."""
    if not args.config and not os.environ.get(CONFIG_ENV):
        candidates = [Path.cwd() / CONFIG_NAME, config_dir() / CONFIG_NAME]
        if not any(c.is_file() for c in candidates):
            return None
    return load(args)
