#!/usr/bin/env python3
"""One entry point for developers: set up the virtualenv, then open the console or run the checks.

python3 dev.py console   # open the console on examples/tessa.yaml
python3 dev.py test      # ruff, mypy, pytest: what CI runs
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".tessa-installed"


def _install_fingerprint() -> str:
    """Hash of what decides the installed packages: a changed pyproject reinstalls."""
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project with its dev extras, once per pyproject change."""
    if sys.version_info < (3, 11):
        sys.exit(f"tessa-tui needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    fingerprint = _install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing tessa-tui and its dev tools into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(fingerprint)


def run_checks(pytest_args: list[str]) -> int:
    """Lint, type-check and test; stop at the first gate that fails."""
    gates = [
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "ruff"), "format", "--check", "."],
        [str(BIN / "mypy")],
        [str(BIN / "python"), "-m", "pytest", *pytest_args],
    ]
    for gate in gates:
        print("$ " + " ".join(Path(gate[0]).name if i == 0 else a for i, a in enumerate(gate)), flush=True)
        code = subprocess.run(gate, cwd=ROOT).returncode
        if code != 0:
            return code
    return 0


def main(argv: list[str]) -> int:
    verb, rest = (argv[0], argv[1:]) if argv else ("", [])
    if verb not in {"demo", "console", "test", "bench"}:
        print(__doc__)
        return 2
    ensure_venv()
    if verb == "test":
        return run_checks(rest)
    if verb == "bench":
        scripts = sorted((ROOT / "benchmarks").glob("[!_]*.py"))
        helpers = {"bare_app", "fanout_server"}  # run by the benchmarks, not benchmarks themselves
        benchmarks = [p for p in scripts if p.stem not in helpers]
        for script in benchmarks:
            print(f"== {script.name}", flush=True)
            subprocess.run([str(BIN / "python"), str(script), *rest], cwd=ROOT, check=True)
        return 0
    console = str(BIN / "tessa-tui")
    if verb == "demo":
        os.execv(console, [console, "demo", *rest])
    os.execv(console, [console, "--config", str(ROOT / "examples" / "tessa.yaml"), *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
