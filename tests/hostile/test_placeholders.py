"""Placeholder values under hostile input: a value stays one argument and never becomes an option.

For any text (leading `-` and `--`, newlines, NUL, Unicode format characters, tag characters, huge values),
expanding a `run` action either refuses with a one-line UserError naming the placeholder, or yields exactly one
argv element equal to the value; a value that would begin an argument with `-` only where the runbook says
`allow-option`. A real program that writes a file when given `--output=FILE` is never given it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessa_tui.base.capabilities import READ_WRITE
from tessa_tui.base.errors import UserError
from tessa_tui.config.model import TessaConfig
from tessa_tui.run.step_actions import run_step
from tessa_tui.runbook.model import Action, Step
from tessa_tui.runbook.placeholders import Expanded, expand
from tests.conftest import EXPENSIVE_EXAMPLES

HOSTILE_CHARS = st.sampled_from(
    [
        "-",
        "--",
        "=",
        " ",
        "\n",
        "\r",
        "\t",
        "\0",
        "\x1b",
        "\u200b",
        "\u202e",
        "\u2028",
        "\u2029",
        "\ufeff",
        "\U000e0041",
        "{",
        "}",
        "{v}",
        "$(id)",
        ";",
        "'",
        '"',
        "\\",
        "/",
        "é",
        "\udcff",
        "\ud800",
    ]
)
VALUES = st.one_of(
    st.text(),
    st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=3)), max_size=12).map("".join),
    st.builds(lambda a, b: a + b, st.sampled_from(["-", "--", "--output=", "-o", "-\n", "\u200b-"]), st.text()),
    st.text(st.characters(categories=["Cf", "Cc", "Zl", "Zp", "Co"])),
    st.integers(1, 200_000).map(lambda n: "-" * (n % 3) + "x" * n),
)


def _expand(action: Action, values: dict[str, str]) -> Expanded | UserError:
    """The expansion, or the UserError refusing it (asserted on outside the except block)."""
    try:
        return expand(action, values)
    except UserError as exc:
        return exc


def _refused_as_it_should(exc: UserError, value: str) -> None:
    message = str(exc)
    assert "\n" not in message and message.startswith("{v}: the value ")
    assert value.startswith("-") or not _passable(value)


def _passable(value: str) -> bool:
    try:
        return b"\0" not in os.fsencode(value)
    except UnicodeEncodeError:
        return False


@given(VALUES)
def test_a_value_is_one_argument_or_refused(value: str) -> None:
    expanded = _expand(Action(run=["prog", "{v}", "--fixed"]), {"v": value})
    if isinstance(expanded, UserError):
        _refused_as_it_should(expanded, value)
        return
    assert expanded.argv == ["prog", value, "--fixed"]
    assert not value.startswith("-") and _passable(value)


@given(VALUES, VALUES)
def test_leading_values_decide_whether_an_argument_is_an_option(first: str, second: str) -> None:
    """`{a}{b}`: the argument's first character comes from whichever value is not empty first."""
    expanded = _expand(Action(run=["prog", "{a}{b}", "x{a}", "--name={b}"]), {"a": first, "b": second})
    if isinstance(expanded, UserError):
        assert "\n" not in str(expanded)
        joined = first + second
        assert joined.startswith("-") or not _passable(joined)
        return
    assert expanded.argv == ["prog", first + second, "x" + first, "--name=" + second]
    assert not (first + second).startswith("-")


@given(VALUES)
def test_an_allowed_option_is_still_one_argument(value: str) -> None:
    expanded = _expand(Action(run=["prog", "{v}"], allow_option=["v"]), {"v": value})
    if isinstance(expanded, UserError):
        assert not _passable(value) and "NUL" in str(expanded)
        return
    assert expanded.argv == ["prog", value]


def test_allow_option_must_name_a_placeholder_of_run() -> None:
    with pytest.raises(ValueError, match=r"`allow-option`: \{w\} is not a placeholder of `run`"):
        Action(run=["prog", "{v}"], allow_option=["w"])
    with pytest.raises(ValueError, match="allow-option"):
        Action(copy="{v}", allow_option=["v"])


# A git-like program: `--output=FILE` makes it write FILE (as `git log --output=FILE` does); it prints its argv.
GITLIKE = """
import json, sys
for arg in sys.argv[1:]:
    if arg.startswith("--output="):
        open(arg.split("=", 1)[1], "w").write("written")
print(json.dumps(sys.argv[1:]))
"""


def _gitlike_step(tmp_path: Path, allow: list[str] | None = None) -> Step:
    program = tmp_path / "gitlike.py"
    program.write_text(GITLIKE, encoding="utf-8")
    action = Action(run=[sys.executable, str(program), "log", "{ref}"], allow_option=allow or [])
    return Step(id="log", text="Show the log", action=action)


def test_a_program_is_never_given_an_option_it_was_not_meant_to_get(tmp_path: Path) -> None:
    target = tmp_path / "written-by-value"
    step = _gitlike_step(tmp_path)
    for value in (f"--output={target}", f"-{target}", "--", "-"):
        with pytest.raises(UserError, match=r"^\{ref\}: the value starts with '-'"):
            asyncio.run(run_step(step, {"ref": value}, TessaConfig(), capabilities=READ_WRITE))
    assert not target.exists()
    # The control: a runbook that means it lets the option through, and the program does write.
    allowed = _gitlike_step(tmp_path, allow=["ref"])
    result = asyncio.run(run_step(allowed, {"ref": f"--output={target}"}, TessaConfig(), capabilities=READ_WRITE))
    assert result.status == "exit 0" and target.read_text() == "written"


@settings(max_examples=EXPENSIVE_EXAMPLES)  # each example starts a real process: the expansion itself is covered above
@given(st.one_of(VALUES.filter(lambda v: len(v) < 5000), st.just("--output=OUT")))
def test_a_real_program_receives_the_value_as_one_argument(
    tmp_path_factory: pytest.TempPathFactory, value: str
) -> None:
    folder = tmp_path_factory.mktemp("gitlike")
    step = _gitlike_step(folder)
    value = value.replace("OUT", str(folder / "out"))
    try:
        result = asyncio.run(run_step(step, {"ref": value}, TessaConfig(), capabilities=READ_WRITE))
    except UserError as exc:
        _refused_as_it_should_named(exc, value)
        return
    assert result.status == "exit 0", result.status
    assert not (folder / "out").exists()
    received = json.loads(result.output)  # ASCII JSON: sanitising leaves it as the program printed it
    assert len(received) == 2 and received[0] == "log"
    if "****" not in result.output:  # a value that looks like a credential is masked in what is shown
        assert received[1] == value


def _refused_as_it_should_named(exc: UserError, value: str) -> None:
    message = str(exc)
    assert "\n" not in message and message.startswith("{ref}: the value ")
    assert value.startswith("-") or not _passable(value)
