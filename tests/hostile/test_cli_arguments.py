"""Every CLI value a user can type: one line and exit 0, 1 or 2; never a traceback, never exit 70.

Hypothesis fills each argument of the headless commands with hostile text (leading `-`, control and format
characters, huge numbers, paths to things that are not files) and runs `tessa_tui.cli.main.main` in-process.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tessa_tui.cli.main import main

HOSTILE_WORDS = st.sampled_from(
    [
        "-",
        "--",
        "-x",
        "--output=/tmp/x",
        "--help",
        "99999999999d",
        "1e400",
        "inf",
        "nan",
        "-1",
        "0",
        "99999",
        "SEV9",
        "INC-999999999999999999999",
        "INC-1",
        "\x00",
        "\u202e",
        "\u200b",
        "\U000e0041",
        "\x1b]0;pwned\x07",
        "/dev/zero",
        "/dev/null",
        "/",
        ".",
        "{production_url}",
        "2026-13-45T99:99",
        "-5m",
        "1h30x",
    ]
)
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)  # argv cannot hold NUL
VALUE = st.one_of(HOSTILE_WORDS, TEXT, st.integers().map(str), st.floats().map(str))

# Commands that are cheap and local; each `{}` is filled with a generated value. Commands that open the
# console, serve or run a runbook's real actions are left out: they are tested where they run.
TEMPLATES: list[list[str]] = [
    ["config", "validate", "{}"],
    ["runbook", "show", "{}"],
    ["runbook", "list", "{}"],
    ["runbook", "validate", "{}"],
    ["runbook", "run", "no-such-{}", "--step", "{}"],
    ["incident", "show", "{}"],
    ["incident", "export", "{}", "--format", "{}"],
    ["incident", "declare", "{}", "{}"],
    ["incident", "declare", "SEV3", "{}", "--detected-at", "{}"],
    ["incident", "note", "{}", "{}"],
    ["incident", "tick", "INC-1", "{}"],
    ["incident", "milestone", "INC-1", "{}", "--at", "{}"],
    ["incident", "severity", "INC-1", "{}"],
    ["logs", "{}"],
    ["logs", "app", "--level", "{}"],
    ["serve", "--max-sessions", "0", "--port", "{}"],  # never serves: one refusal, whatever the port
    ["check", "--only", "{}"],
    ["db", "report", "{}"],
    ["--config", "{}", "config", "validate"],
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A config whose every source is local and quick to fail, and private user directories."""
    root = tmp_path_factory.mktemp("cli-hostile")
    log = root / "app.log"
    log.write_text('{"level": "info", "msg": "hello"}\n{"time": Infinity, "msg": "x"}\n')
    config = root / "tessa.yaml"
    config.write_text(
        f"platform: hostile\njournal:\n  path: {root / 'journal.sqlite3'}\nlogs:\n  - name: app\n    path: {log}\n"
    )
    saved = dict(os.environ)
    os.environ.update(
        TESSA_CONFIG=str(config),
        XDG_DATA_HOME=str(root / "data"),
        XDG_STATE_HOME=str(root / "state"),
        XDG_CONFIG_HOME=str(root / "config"),
    )
    try:
        yield root
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # --help / --version exit through argparse
            code = int(exc.code or 0)
    return code, err.getvalue()


@pytest.mark.slow
@given(template=st.sampled_from(TEMPLATES), values=st.lists(VALUE, min_size=3, max_size=3))
@example(template=["config", "validate", "{}"], values=["~0", "-", "-"])  # a home no user has: pathlib raised
@example(template=["--config", "{}", "config", "validate"], values=["~nobody-here/t.yaml", "-", "-"])
def test_any_value_is_one_line_and_a_user_exit_code(workspace: Path, template: list[str], values: list[str]) -> None:
    fill = iter(values)
    argv = [part.replace("{}", next(fill)) if "{}" in part else part for part in template]
    code, err = _run(argv)
    assert code in (0, 1, 2), f"{argv!r} exited {code}: {err}"
    assert "Traceback" not in err and "internal error" not in err, f"{argv!r}: {err}"
    if code == 2 and "usage:" not in err:  # a refusal is one line (help text on a bare group is not a refusal)
        assert len(err.strip().splitlines()) == 1, f"{argv!r}: {err}"
