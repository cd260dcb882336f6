"""The engine never imports textual: that is what gives every pane a headless twin."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "tessa_tui"
UI_PACKAGES = {"textual", "textual_serve", "screens"}


def _lazy_console_import(path: Path, node: ast.stmt, name: str) -> bool:
    """`console.py` opens the console (or serves it) with a function-local import: the one designed exception."""
    return path.name == "console.py" and name in {"screens.app", "screens.serve_guard"} and node.col_offset > 0


def test_no_engine_module_imports_textual_or_screens() -> None:
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            offenders += [
                f"{path.name}:{node.lineno} {n}"
                for n in names
                if n.split(".")[0] in UI_PACKAGES and not _lazy_console_import(path, node, n)
            ]
    assert offenders == []


def test_importing_every_engine_module_loads_no_textual() -> None:
    modules = [
        ".".join(("tessa_tui", *p.relative_to(ENGINE).with_suffix("").parts))
        for p in ENGINE.rglob("*.py")
        if p.stem not in {"__main__", "__init__"}
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
    assert len(modules) >= 8
