#!/usr/bin/env python3
"""One entry point for developers: set up the virtualenv, then open the console or run the checks.

python3 dev.py demo      # the demo console on its embedded platform
python3 dev.py console   # open the console on examples/tessa.yaml
python3 dev.py test      # ruff, mypy, import contracts, pytest: what CI runs
python3 dev.py bench     # the benchmarks in benchmarks/ (bench --quick: each one short, all in under 5 minutes)
python3 dev.py lock      # re-resolve the dependencies and rewrite requirements.lock
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".tessa-installed"
# Every resolved version, installed as pip constraints: a new Rich or Textual release cannot change the
# snapshots under the tests until someone runs `python3 dev.py lock` and commits the result.
LOCK = ROOT / "requirements.lock"
PIP_QUIET = ["--disable-pip-version-check", "-q"]


def _install_fingerprint() -> str:
    """Hash of what decides the installed packages: a changed pyproject or lock reinstalls."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    if LOCK.exists():
        digest.update(LOCK.read_bytes())
    return digest.hexdigest()


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
    pip = [str(BIN / "python"), "-m", "pip", *PIP_QUIET]
    constraints = ["-c", str(LOCK)] if LOCK.exists() else []
    subprocess.run([*pip, "install", *constraints, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(fingerprint)


def write_lock() -> int:
    """Resolve the project's dependencies afresh in a scratch venv and write them to requirements.lock."""
    with tempfile.TemporaryDirectory(prefix="tessa-lock-") as scratch:
        venv.EnvBuilder(with_pip=True).create(scratch)
        python = str(Path(scratch) / ("Scripts" if os.name == "nt" else "bin") / "python")
        subprocess.run([python, "-m", "pip", *PIP_QUIET, "install", f"{ROOT}[dev]"], check=True)
        frozen = subprocess.run(
            [python, "-m", "pip", "--disable-pip-version-check", "freeze", "--exclude", "tessa-tui"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    header = (
        "# Every dependency's resolved version, used by dev.py as pip constraints (-c).\n"
        f"# Written by `python3 dev.py lock` on Python {sys.version_info.major}.{sys.version_info.minor}; "
        "run it again to take new releases, then run the tests and commit.\n"
    )
    LOCK.write_text(header + frozen, encoding="utf-8")
    print(f"wrote {LOCK.name}: {len(frozen.splitlines())} packages")
    return 0


def _parallel(pytest_args: list[str]) -> list[str]:
    """One pytest worker per core (pytest-xdist), unless the arguments choose (`-n0`: one process, for --pdb)."""
    chosen = any(a.startswith(("-n", "--numprocesses")) for a in pytest_args)
    return [] if chosen else ["-n", "auto"]


def run_checks(pytest_args: list[str]) -> int:
    """Lint, type-check and test; stop at the first gate that fails."""
    gates = [
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "ruff"), "format", "--check", "."],
        [str(BIN / "mypy")],
        [str(BIN / "lint-imports"), "--no-cache"],
        [str(BIN / "python"), "-m", "pytest", *_parallel(pytest_args), *pytest_args],
    ]
    for gate in gates:
        print("$ " + " ".join(Path(gate[0]).name if i == 0 else a for i, a in enumerate(gate)), flush=True)
        code = subprocess.run(gate, cwd=ROOT).returncode
        if code != 0:
            return code
    return 0


def main(argv: list[str]) -> int:
    verb, rest = (argv[0], argv[1:]) if argv else ("", [])
    if verb not in {"demo", "console", "test", "bench", "lock"}:
        print(__doc__)
        return 2
    if verb == "lock":
        return write_lock()
    ensure_venv()
    if verb == "test":
        return run_checks(rest)
    if verb == "bench":
        scripts = sorted((ROOT / "benchmarks").glob("[!_]*.py"))
        helpers = {"bare_app", "fanout_server"}  # run by the benchmarks, not benchmarks themselves
        # Every benchmark takes --quick; the soak (minutes by its nature) is left out of a quick run: run it alone.
        skipped = {"soak"} if "--quick" in rest else set()
        benchmarks = [p for p in scripts if p.stem not in helpers | skipped]
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
