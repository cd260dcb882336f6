"""`tessa-tui config validate [PATH]` and `tessa-tui config schema`."""

from __future__ import annotations

import argparse
import json

from tessa_tui.cli.loading import load
from tessa_tui.config.load import config_json_schema


def run_validate(args: argparse.Namespace) -> int:
    """One line: the file and what it configures; a bad file is the loader's one-line error, exit 2."""
    loaded = load(args, args.path)
    cfg = loaded.config
    summary = (
        f"{len(cfg.services or [])} services, {len(cfg.logs or [])} log sources, "
        f"database {'configured' if cfg.database else 'not configured'}"
    )
    print(f"{loaded.path}: ok ({summary})")
    return 0


def run_schema(_args: argparse.Namespace) -> int:
    """The JSON Schema of tessa.yaml."""
    print(json.dumps(config_json_schema(), indent=2))
    return 0
