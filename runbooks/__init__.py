"""The shipped runbook pack: one YAML file per runbook, packaged into the wheel beside this module."""

from __future__ import annotations

from pathlib import Path


def pack_dir() -> Path:
    """The directory holding the shipped runbook YAML files."""
    return Path(__file__).resolve().parent
