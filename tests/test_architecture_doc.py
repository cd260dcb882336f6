"""ARCHITECTURE.md stays true: every module of the engine and the UI is in its package's table, and every module
a table names exists."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO

DOC = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")


def _documented(part: str) -> dict[str, set[str]]:
    """Package folder (relative to the root, "" for the root) -> module file names its table names."""
    section = DOC.split(part, 1)[1].split("\n## ", 1)[0]
    tables: dict[str, set[str]] = {}
    for chunk in re.split(r"^### ", section, flags=re.M)[1:]:
        heading, _, body = chunk.partition("\n")
        folder = m.group(1).rstrip("/") if (m := re.match(r"`([\w/]+)/`", heading)) else ""
        names = tables.setdefault(folder, set())
        for row in re.findall(r"^\| ([^|]+) \|", body, flags=re.M):
            names.update(re.findall(r"`([\w.]+\.(?:py|tcss))`", row))
    return tables


def _on_disk(root: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in root.rglob("*"):
        if path.suffix in {".py", ".tcss"} and path.name != "__init__.py" and "__pycache__" not in path.parts:
            folder = path.parent.relative_to(root).as_posix()
            found.setdefault("" if folder == "." else folder, set()).add(path.name)
    return found


def test_every_engine_module_is_in_its_package_table() -> None:
    on_disk = _on_disk(REPO / "tessa_tui")
    on_disk.pop("", None)  # __main__.py only
    assert _documented("## Engine packages") == on_disk


def test_every_ui_module_is_in_its_package_table() -> None:
    assert _documented("## UI packages") == _on_disk(REPO / "screens")
