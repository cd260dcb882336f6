"""Paths that are not regular files, as the config, a runbook or a log source: the real CLI in a subprocess
(with a timeout: a blocking open of a FIFO or a read of /dev/zero would hang it) says what the path is, in one
line, exit 2. And input that used to be an internal error (exit 70) is a one-line exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tessa_tui.logs.follow import FileFollower

KINDS = ["fifo", "dev-zero", "symlink-to-dev-zero", "dev-null", "directory", "socket"]
SAYS = {
    "fifo": "is a FIFO, not a regular file",
    "dev-zero": "is a character device, not a regular file",
    "symlink-to-dev-zero": "is a character device, not a regular file",
    "dev-null": "is a character device, not a regular file",
    "directory": "is a directory, not a regular file",
    "socket": "is a socket, not a regular file",
}


@pytest.fixture
def hostile(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A path of the kind named by the test's parameter (names end in .yaml so runbook validate takes them)."""
    kind: str = request.param
    path = tmp_path / f"{kind}.yaml"
    server = None
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "symlink-to-dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "dev-null":
        path = Path("/dev/null")
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.listen()
    yield path
    if server is not None:
        server.close()


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI, with its own user dirs; the timeout is a hang guard, not a speed assertion."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(cwd / "c"), "XDG_STATE_HOME": str(cwd / "s")}
    env.pop("TESSA_CONFIG", None)
    command = [sys.executable, "-m", "tessa_tui", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def assert_one_line_exit_2(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("tessa-tui: error: "), done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


@pytest.mark.parametrize("hostile", KINDS, indirect=True)
def test_config_validate(hostile: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    kind = request.node.callspec.params["hostile"]
    assert_one_line_exit_2(cli("config", "validate", str(hostile), cwd=tmp_path), f"{hostile}: {SAYS[kind]}")


@pytest.mark.parametrize("hostile", KINDS, indirect=True)
def test_console_config(hostile: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The console itself refuses the path before any screen is drawn."""
    kind = request.node.callspec.params["hostile"]
    assert_one_line_exit_2(cli("--config", str(hostile), "check", cwd=tmp_path), SAYS[kind])


@pytest.mark.parametrize("hostile", [k for k in KINDS if k != "directory"], indirect=True)
def test_runbook_validate(hostile: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    kind = request.node.callspec.params["hostile"]
    assert_one_line_exit_2(cli("runbook", "validate", str(hostile), cwd=tmp_path), f"{hostile}: {SAYS[kind]}")


@pytest.mark.parametrize("hostile", KINDS, indirect=True)
def test_runbook_folder_holding_one(hostile: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A runbook directory whose x.yaml entry is a FIFO, a device, a socket or a directory."""
    kind = request.node.callspec.params["hostile"]
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "x.yaml").symlink_to(hostile)
    assert_one_line_exit_2(cli("runbook", "validate", str(folder), cwd=tmp_path), SAYS[kind])


@pytest.mark.parametrize("follow", [False, True])
@pytest.mark.parametrize("hostile", KINDS, indirect=True)
def test_logs_command(hostile: Path, tmp_path: Path, request: pytest.FixtureRequest, follow: bool) -> None:
    kind = request.node.callspec.params["hostile"]
    config = tmp_path / "tessa.yaml"
    config.write_text(f"logs:\n  - name: bad\n    path: '{hostile}'\n", encoding="utf-8")
    done = cli("--config", str(config), "logs", "bad", *(["--follow"] if follow else []), cwd=tmp_path)
    assert_one_line_exit_2(done, f"log source 'bad': cannot follow: {hostile} {SAYS[kind]}")


@pytest.mark.parametrize("hostile", KINDS, indirect=True)
def test_follower_never_blocks_and_says_why(hostile: Path, request: pytest.FixtureRequest) -> None:
    """The logs pane's follower (in its ingest thread): a status with the reason, every poll, never a wait."""
    kind = request.node.callspec.params["hostile"]
    follower = FileFollower(hostile)
    for _ in range(3):
        assert follower.poll() == []
        assert follower.status == f"cannot follow: {hostile} {SAYS[kind]}"
        assert follower.error == follower.status
    follower.close()


def test_follower_recovers_when_the_fifo_becomes_a_file(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    os.mkfifo(path)
    follower = FileFollower(path, start_at_end=False)
    assert follower.poll() == [] and follower.error is not None
    path.unlink()
    path.write_text("one\n", encoding="utf-8")
    assert follower.poll() == ["one"]
    assert follower.error is None and follower.status == "following"
    follower.close()


def test_follower_rotated_into_a_fifo_says_so(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("", encoding="utf-8")
    follower = FileFollower(path)
    follower.poll()
    with path.open("a", encoding="utf-8") as log:
        log.write("before\n")
    path.rename(tmp_path / "app.log.1")
    os.mkfifo(path)
    assert follower.poll() == ["before"]  # the old file is finished first
    assert follower.status == f"cannot follow: {path} is a FIFO, not a regular file"
    follower.close()


# -- input that used to be exit 70 ---------------------------------------------------------------------------------

EXIT_70 = {
    "interval-overflow": (
        "services:\n  - name: a\n    url: http://127.0.0.1:1/\n    interval: 99999999999d\n",
        ":4: services[0].interval: a duration is at most 3650d",
    ),
    "dsn-port": ("database:\n  dsn: postgresql://u@h:99999/db\n", ":2: database.dsn: port 99999 is out of range"),
    "dsn-query-port": ("database:\n  dsn: postgresql://u@h/db?port=70000\n", "port 70000 is out of range"),
    "url-port": ("services:\n  - name: a\n    url: http://127.0.0.1:99999/\n", "services[0].url"),
    "huge-int": ("platform: " + "9" * 5000 + "\n", ":1: platform: a number with too many digits"),
    "recursive-alias": ("runbooks:\n  paths: &a [*a]\n", "nesting deeper than 50 levels"),
    "nul-path": ('logs:\n  - name: a\n    path: "a\\0b"\n', "logs[0].path: contains a NUL character"),
    "statement-timeout": (
        "database:\n  dsn: postgresql://u@h/db\n  statement-timeout: 25d\n",
        "database.statement-timeout: is at most 24d20h31m23s (PostgreSQL's limit)",
    ),
}


@pytest.mark.parametrize("case", sorted(EXIT_70))
def test_input_that_was_an_internal_error_is_exit_2(case: str, tmp_path: Path) -> None:
    text, says = EXIT_70[case]
    config = tmp_path / "tessa.yaml"
    config.write_text(text, encoding="utf-8")
    assert_one_line_exit_2(cli("config", "validate", str(config), cwd=tmp_path), says)


def test_logs_on_a_directory_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    config = tmp_path / "tessa.yaml"
    config.write_text(f"logs:\n  - name: d\n    path: {tmp_path / 'logs'}\n", encoding="utf-8")
    done = cli("--config", str(config), "logs", "d", cwd=tmp_path)
    assert_one_line_exit_2(done, "is a directory, not a regular file")
