"""Finding PostgreSQL server binaries: the system's, or the embedded server installed from PyPI (pgserver)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tessa_tui.base.errors import UserError


@dataclass(frozen=True)
class PgBinaries:
    """Where initdb and postgres are, and where their extension libraries live."""

    bindir: Path
    source: str  # "system" or "pgserver"

    @property
    def initdb(self) -> Path:
        return self.bindir / "initdb"

    @property
    def postgres(self) -> Path:
        return self.bindir / "postgres"

    def has_pg_stat_statements(self) -> bool:
        """Whether the server can preload pg_stat_statements (the library is installed)."""
        candidates = [self.bindir.parent / "lib" / "pg_stat_statements.so"]
        pg_config = self.bindir / "pg_config"
        if pg_config.exists():
            try:
                pkglibdir = subprocess.run(
                    [str(pg_config), "--pkglibdir"], capture_output=True, text=True, timeout=10, check=True
                ).stdout.strip()
                candidates.append(Path(pkglibdir) / "pg_stat_statements.so")
            except (OSError, subprocess.SubprocessError):
                pass
        candidates.append(self.bindir.parent / "lib" / "postgresql" / "pg_stat_statements.so")
        return any(c.exists() for c in candidates)


def _usable(bindir: Path) -> bool:
    return (bindir / "initdb").is_file() and (bindir / "postgres").is_file()


def find_binaries() -> PgBinaries:
    """$TESSA_PG_BINDIR, pg_config, PATH, the usual install dirs, then pgserver's bundled server."""
    override = os.environ.get("TESSA_PG_BINDIR")
    if override:
        if _usable(Path(override)):
            return PgBinaries(Path(override), "system")
        raise UserError(f"TESSA_PG_BINDIR={override} has no initdb and postgres")
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _major(p.parent.name), reverse=True)
    candidates += [*versions, Path("/usr/local/pgsql/bin"), Path("/opt/homebrew/bin"), Path("/usr/local/bin")]
    for bindir in candidates:
        if _usable(bindir):
            return PgBinaries(bindir, "system")
    # Located without importing pgserver: importing it has side effects (it may start servers).
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.submodule_search_locations:
        bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if _usable(bindir):
            return PgBinaries(bindir, "pgserver")
    raise UserError(
        "no PostgreSQL server found: install PostgreSQL (e.g. apt install postgresql) or `pip install pgserver`"
    )


def _major(name: str) -> int:
    return int(name) if name.isdigit() else 0
