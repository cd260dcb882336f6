"""Who is typing: `--as`, $TESSA_ACTOR, `journal.actor`, then the OS user; roles from the contacts; hand-offs.

Read back the way a person would: `tessa-tui incident show` in the same journal."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.cli.main import main
from tessa_tui.cli.parser import build_parser
from tessa_tui.config.contacts import Person
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.command_mode import complete, parse_command
from tests.incident_fixtures import ManualClock

CONTACTS = """\
contacts:
  people:
    - role: primary
      name: Alice Ng
      phone: "+1 555 0100"
      slack: "@alice"
    - role: secondary
      name: Bob Li
      phone: "+1 555 0101"
      slack: "@bob"
"""

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def config_path(tmp_path: Path) -> Callable[..., Path]:
    def write(actor: str | None = None) -> Path:
        path = tmp_path / "tessa.yaml"
        journal = f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n" + (f"  actor: {actor}\n" if actor else "")
        path.write_text(f"platform: Test\n{journal}{CONTACTS}", encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    config_path: Callable[..., Path],
    tmp_path: Path,
) -> Cli:
    """`tessa-tui --config tessa.yaml ARGS` in this process, with `os-user` as the OS user and $TESSA_ACTOR
    set only when `env_actor` is given; (exit code, stdout, stderr)."""
    monkeypatch.delenv("TESSA_ACTOR", raising=False)
    monkeypatch.setattr(getpass, "getuser", lambda: "os-user")
    config_path()

    def run(*args: str, env_actor: str | None = None) -> tuple[int, str, str]:
        if env_actor is None:
            monkeypatch.delenv("TESSA_ACTOR", raising=False)
        else:
            monkeypatch.setenv("TESSA_ACTOR", env_actor)
        code = main(["--config", str(tmp_path / "tessa.yaml"), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def timeline_actor(cli: Cli, text: str) -> str:
    """Who `incident show` says wrote the timeline entry containing `text`."""
    code, out, err = cli("incident", "show", "1")
    assert code == 0, err
    line = next(line for line in out.splitlines() if text in line)
    return line.split()[1]


@pytest.mark.parametrize(
    ("config_actor", "env_actor", "flag", "expected"),
    [
        (None, None, None, "os-user"),
        ("carol", None, None, "carol"),
        ("carol", "dave", None, "dave"),
        ("carol", "dave", ["--as", "erin"], "erin"),
        (None, None, ["--as", "erin"], "erin"),
        ("carol", "dave", ["AFTER", "--as", "erin"], "erin"),  # after the subcommand too
    ],
)
def test_the_actor_comes_from_as_then_env_then_config_then_os_user(
    cli: Cli,
    config_path: Callable[..., Path],
    config_actor: str | None,
    env_actor: str | None,
    flag: list[str] | None,
    expected: str,
) -> None:
    config_path(config_actor)
    assert cli("incident", "declare", "SEV2", "db slow")[0] == 0
    before, after = (flag or [], []) if not flag or flag[0] != "AFTER" else ([], flag[1:])
    code, out, err = cli(*before, "incident", "note", "1", "who wrote this", *after, env_actor=env_actor)
    assert code == 0, err
    assert out.strip().endswith(f"by {expected})")
    assert timeline_actor(cli, "who wrote this") == expected


@pytest.mark.parametrize(
    ("args", "env_actor", "message"),
    [
        (["--as", "a\x1bb"], None, "--as: 'a\\eb': U+001B is a control or format character"),
        (["--as", "bob\nmallory"], None, "--as: 'bob\\nmallory': U+000A is a control or format character"),
        (["--as", "  "], None, "--as: a name is needed"),
        (["--as", "x" * 65], None, "--as: 65 characters; a name has at most 64"),
        ([], "x\u200by", "$TESSA_ACTOR: 'x\\u200by': U+200B is a control or format character"),
        ([], "\u202eevil", "$TESSA_ACTOR: '\\u202eevil': U+202E is a control or format character"),
    ],
)
def test_a_name_that_is_not_one_is_refused_in_one_line_with_exit_2(
    cli: Cli, args: list[str], env_actor: str | None, message: str
) -> None:
    code, out, err = cli(*args, "incident", "list", env_actor=env_actor)
    assert code == 2 and out == ""
    assert err.startswith(f"tessa-tui: error: {message}") and err.count("\n") == 1


def test_a_bad_configured_actor_names_the_file_and_field(cli: Cli, config_path: Callable[..., Path]) -> None:
    path = config_path('"al\\u0007ice"')
    code, _, err = cli("incident", "list")
    assert code == 2
    assert err.startswith(f"tessa-tui: error: {path}: journal.actor: 'al\\x07ice': U+0007") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--as", "bob", "incident", "list"],
        ["incident", "--as", "bob", "list"],
        ["incident", "list", "--as", "bob"],
        ["config", "validate", "--as", "bob"],
        ["runbook", "list", "--as", "bob"],
        ["journal", "check", "--as", "bob"],
    ],
)
def test_as_is_a_global_option_before_or_after_any_subcommand(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).actor == "bob"


def test_as_before_the_subcommand_is_not_reset_by_it() -> None:
    assert build_parser().parse_args(["--as", "bob", "incident", "show", "1"]).actor == "bob"


def test_roles_come_from_the_contacts_with_phone_and_slack(cli: Cli) -> None:
    cli("incident", "declare", "SEV1", "checkout down")
    code, out, err = cli("incident", "role", "1", "commander", "@alice")
    assert code == 0, err
    assert out.startswith("INC-1: Alice Ng is commander (phone +1 555 0100 · Slack @alice)")
    code, out, _ = cli("incident", "role", "1", "scribe", "someone new")  # not a contact: recorded as typed
    assert out.startswith("INC-1: someone new is scribe (saved")
    shown = cli("incident", "show", "1")[1]
    assert "roles: commander Alice Ng (phone +1 555 0100 · Slack @alice), scribe someone new" in shown


def test_handoff_moves_the_commander_and_is_its_own_timeline_event(cli: Cli) -> None:
    cli("incident", "declare", "SEV1", "checkout down")
    cli("incident", "role", "1", "commander", "alice ng")
    code, out, err = cli("--as", "Alice Ng", "incident", "handoff", "1", "bob")
    assert code == 0, err
    assert out.startswith("INC-1: hand-off: Alice Ng → Bob Li (phone +1 555 0101 · Slack @bob) (saved")
    shown = cli("incident", "show", "1")[1]
    assert "roles: commander Bob Li (phone +1 555 0101 · Slack @bob)" in shown
    assert any(
        line.split()[1:3] == ["Alice", "Ng"] and line.endswith("hand-off: Alice Ng → Bob Li")
        for line in shown.splitlines()
    )
    code, _, err = cli("incident", "handoff", "1", "@bob")
    assert code == 2 and err == "tessa-tui: error: Bob Li is already commander of INC-1\n"


def test_handoff_without_a_commander_is_from_who_is_typing(cli: Cli) -> None:
    cli("incident", "declare", "SEV1", "checkout down")
    assert cli("--as", "alice", "incident", "handoff", "1", "Bob Li")[0] == 0
    assert "hand-off: alice → Bob Li" in cli("incident", "show", "1")[1]
    code, _, err = cli("--as", "Bob Li", "incident", "handoff", "1", "carol", "--role", "scribe")
    assert code == 0, err
    assert "hand-off of scribe: Bob Li → carol" in cli("incident", "show", "1")[1]


def test_handoff_is_refused_on_a_resolved_incident_and_in_readonly(cli: Cli) -> None:
    cli("incident", "declare", "SEV1", "checkout down")
    code, _, err = cli("--readonly", "incident", "handoff", "1", "bob")
    assert code == 2 and "read-only" in err
    assert cli("incident", "resolve", "1", "--summary", "rolled back")[0] == 0
    code, _, err = cli("incident", "handoff", "1", "bob")
    assert code == 2 and "INC-1 is resolved; reopen it first" in err


def test_an_event_keeps_the_actor_it_was_planned_with_after_a_switch(
    make_book: Callable[..., IncidentBook], clock: ManualClock
) -> None:
    book = make_book("alice")
    declaration = book.stamp(book.declare("SEV1", "down"))
    assert book.switch_actor("  bob ") == "bob"
    incident = book.record(declaration).incident  # a retry after a failed write, say: still alice's
    assert book.get(incident).declared_by == "alice"
    book.switch_actor("alice")
    planned = book.stamp(book.note(incident, "typed by alice"))
    book.switch_actor("bob")
    book.record(planned)
    book.record(book.stamp(book.note(incident, "typed by bob")))
    book.record(book.note(incident, "unstamped: who is typing now"))
    actors = [(e.actor, e.data.get("text")) for e in book.get(incident).events]
    assert actors[1:] == [("alice", "typed by alice"), ("bob", "typed by bob"), ("bob", "unstamped: who is typing now")]
    with pytest.raises(UserError, match=r"U\+0009"):
        book.switch_actor("bob\tby")
    assert book.actor == "bob"


def test_command_line_knows_iam_and_handoff_and_completes_names_from_contacts() -> None:
    levels = ["SEV1"]
    assert parse_command(":iam  Bob Li ", levels).text == "Bob Li"
    assert parse_command(":hand bob", levels).verb == "handoff"
    assert parse_command(":h", levels).verb == "help"  # `:h` stays help although `handoff` begins with h
    with pytest.raises(UserError, match=":iam needs text"):
        parse_command(":iam", levels)
    names = ["Alice Ng", "Bob Li"]
    assert complete(":iam al", names) == ":iam alice Ng"  # the typed part kept, the rest as configured
    assert complete(":handoff B", names) == ":handoff Bob Li"
    assert complete(":ia", names) == ":iam "
    assert complete(":note al", names) is None and complete(":iam zed", names) is None
    assert complete(":iam Bob Li", names) is None


def test_a_contact_is_named_by_full_name_slack_handle_or_unique_first_name(
    make_book: Callable[..., IncidentBook],
) -> None:
    book = make_book()
    book.people = [
        Person(role="primary", name="Lee Lead", phone="+1 555 0199"),
        Person(role="secondary", name="Sam Park", slack="@sam"),
        Person(role="manager", name="Sam Stone"),
    ]
    assert book.person_name("LEE LEAD") == "Lee Lead"
    assert book.person_name("lee") == "Lee Lead"  # the only Lee
    assert book.person_name("@sam") == "Sam Park" and book.person_name("sam") == "Sam Park"  # handle first
    assert book.person_name("stone") == "stone"  # a last name is not enough: recorded as typed
    book.people.append(Person(role="dba", name="Lee Other"))
    assert book.person_name("lee") == "lee"  # two Lees: neither is guessed
    assert book.reach("Lee Lead") == "phone +1 555 0199" and book.reach("Sam Park") == "Slack @sam"
    assert book.reach("nobody") == ""


def test_a_handoff_is_in_the_post_mortem_under_who_did_what(cli: Cli) -> None:
    cli("incident", "declare", "SEV1", "checkout down")
    cli("--as", "alice", "incident", "handoff", "1", "@bob")
    code, markdown, err = cli("incident", "export", "1")
    assert code == 0, err
    story = markdown[markdown.index("## Who Did What") :]
    assert "alice: hand-off: alice → Bob Li" in story.split("\n## ")[0]
    assert "**Roles**: commander Bob Li" in markdown
