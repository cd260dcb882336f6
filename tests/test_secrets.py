"""Secrets from the config, in every form, reach no exit: CLI stdout / stderr (incl. --json), log rows,
step output, the journal file (WAL included), the post-mortem export, error messages and crash.log; a crash
shows one line naming the type only."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from rich.console import Console

from tessa_tui.base import secret_registry
from tessa_tui.base.redact import redact_text
from tessa_tui.config.load import load_config
from tessa_tui.database.monitor import _cell
from tessa_tui.logs.ingest import digest
from tessa_tui.logs.parse import FULL, SUMMARY, LogParser
from tests.conftest import REPO, SHUTDOWN_POLL_S

# What a person would paste: every URL delimiter, a space, a plus, a percent and non-ASCII.
TOKEN = "tök3n@?:#/ +%Ωx9-TOKEN"
DB_PASSWORD = "pä55/w@rd?#:x-DBPASS"
API_KEY = "k3y@?:#/ +%=x-APIKEY"  # HTTP headers are ASCII: this one reaches the server and comes back
USER = "tessa"


def forms_of(secret: str, *, basic: bool = True) -> set[str]:
    """The forms a leak would take, written out independently of the registry's own list; `basic`: the
    secret is a password with a known user, so a Basic-auth header value is one of them."""
    plain = {
        secret,
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    return plain | {base64.b64encode(f"{USER}:{secret}".encode()).decode()} if basic else plain


ALL_FORMS = forms_of(TOKEN) | forms_of(DB_PASSWORD) | forms_of(API_KEY, basic=False)


def assert_clean(text: str | bytes, where: str) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    leaked = [f for f in ALL_FORMS if f.encode() in data]
    assert not leaked, f"{where} leaks {leaked}"


class Echo(BaseHTTPRequestHandler):
    """Answers 500 with everything the request carried: path and query, and the Authorization header."""

    def do_GET(self) -> None:
        body = json.dumps({"path": self.path, "auth": self.headers.get("Authorization", "")}, ensure_ascii=False)
        raw = f"{body} raw={self.headers.get('Authorization', '')}".encode()
        self.send_response(500)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TESSA_TOKEN": TOKEN,
        "TESSA_DB_PASSWORD": DB_PASSWORD,
        "TESSA_API_KEY": API_KEY,
        "PYTHONPATH": str(REPO),
    }


@pytest.fixture
def secret_config(tmp_path: Path, echo_url: str) -> Path:
    """Services that send the token (header, Basic auth), a log source and a runbook step that print every
    form of both secrets, a journal of its own."""
    log = tmp_path / "app.log"
    lines = [f"2026-01-21 10:00:0{i} ERROR leaked {form}" for i, form in enumerate(sorted(ALL_FORMS))]
    # JSON may spell the secret with escapes of the writer's choosing.
    spelled = "".join(f"\\u{ord(c):04x}" for c in TOKEN)
    lines.append(f'{{"level":"error","msg":"token {spelled}","path":"{quote(TOKEN, safe="")}"}}')
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    script = "import os\nfor k in ('TESSA_TOKEN','TESSA_DB_PASSWORD','TESSA_API_KEY'):\n print(os.environ[k])\n"
    (runbooks / "leak.yaml").write_text(
        "id: leak\ntitle: Leak\nkind: issue\nphases:\n  - name: Look\n    steps:\n"
        "      - id: echo\n        text: Print the secrets\n        action:\n"
        f"          run: {json.dumps([sys.executable, '-c', script])}\n"
    )
    config = tmp_path / "tessa.yaml"
    config.write_text(
        "platform: Secrets\n"
        "services:\n"
        "  - name: bearer\n"
        f"    url: {echo_url}/health\n"
        "    headers: {Authorization: 'Bearer ${TESSA_API_KEY}'}\n"
        "    conditions: ['[BODY] == ok']\n"  # the failing condition shows the body, which echoes the token
        "  - name: basic\n"
        f"    url: {echo_url}/basic\n"
        f"    headers: {{Authorization: 'Basic {base64.b64encode(f'{USER}:{TOKEN}'.encode()).decode()}'}}\n"
        "database:\n"
        f"  dsn: 'postgresql://{USER}:${{TESSA_DB_PASSWORD}}@127.0.0.1:1/app'\n"
        "  connect-timeout: 1s\n"
        "logs:\n"
        f"  - name: app\n    path: '{log}'\n"
        f"runbooks:\n  paths: ['{runbooks}']\n"
        f"journal:\n  path: '{tmp_path / 'journal.sqlite3'}'\n",
        encoding="utf-8",
    )
    return config


def cli(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    argv = [sys.executable, "-m", "tessa_tui", "--config", str(config), *args]
    return subprocess.run(argv, capture_output=True, env=env, cwd=REPO, timeout=120)


def test_no_cli_exit_shows_a_secret(secret_config: Path, secret_env: dict[str, str], tmp_path: Path) -> None:
    runs = {
        "check": cli(secret_config, secret_env, "check"),
        "check --json": cli(secret_config, secret_env, "check", "--json"),
        "logs": cli(secret_config, secret_env, "logs", "app"),
        "logs --json": cli(secret_config, secret_env, "logs", "app", "--json"),
        "db report --json": cli(secret_config, secret_env, "db", "report", "--json"),
        "declare": cli(secret_config, secret_env, "incident", "declare", "SEV3", "Leak test"),
        "attach": cli(secret_config, secret_env, "incident", "attach", "INC-1", "leak"),
    }
    runs["runbook run"] = cli(
        secret_config, secret_env, "runbook", "run", "leak", "--step", "echo", "--incident", "INC-1", "--json"
    )
    runs["export json"] = cli(secret_config, secret_env, "incident", "export", "INC-1", "--format", "json")
    runs["export md"] = cli(secret_config, secret_env, "incident", "export", "INC-1", "--format", "md")
    for name, run in runs.items():
        assert run.returncode in (0, 1), (name, run.stderr)
        assert_clean(run.stdout + run.stderr, name)
    # The secrets did reach each exit, masked: the test would see them otherwise.
    assert b"****" in runs["check --json"].stdout and b"****" in runs["logs"].stdout
    assert runs["logs"].stdout.count(b"leaked ****") >= len(ALL_FORMS) - 1
    assert b"****" in runs["runbook run"].stdout and b"****" in runs["export json"].stdout
    journal = [p for p in tmp_path.iterdir() if p.name.startswith("journal.sqlite3")]
    assert journal
    for path in journal:  # the database, and its WAL while another process may hold it
        assert_clean(path.read_bytes(), path.name)


def test_error_messages_and_crashes_show_no_secret(
    secret_config: Path, secret_env: dict[str, str], tmp_path: Path
) -> None:
    # A raw password whose `/` cuts the DSN where the port would be: the parse errors quote a piece of it.
    bad = tmp_path / "bad.yaml"
    bad.write_text("database:\n  dsn: 'postgresql://tessa:${TESSA_DB_PASSWORD}@db:5x/app'\n")
    for args in (("config", "validate"), ("db", "report")):
        run = cli(bad, secret_env, *args)
        assert_clean(run.stdout + run.stderr, " ".join(args))
        assert b"Traceback" not in run.stderr and len(run.stderr.splitlines()) <= 1


def test_an_internal_error_is_one_line_and_crash_log_keeps_no_secret(
    secret_config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tessa_tui.cli import config_file, loading
    from tessa_tui.cli import main as cli

    monkeypatch.setenv("TESSA_TOKEN", TOKEN)
    monkeypatch.setenv("TESSA_DB_PASSWORD", DB_PASSWORD)
    monkeypatch.setenv("TESSA_API_KEY", API_KEY)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def explode(args: object) -> int:
        loading.load(args)  # type: ignore[arg-type]  # the config's secrets are known, as in any real command
        local_secret = f"{USER}:{DB_PASSWORD}"  # a local variable: tracebacks with locals would show it
        raise ValueError(f"Port could not be cast to integer value as {local_secret!r} ({quote(TOKEN)})")

    monkeypatch.setattr(config_file, "run_validate", explode)
    assert cli.main(["--config", str(secret_config), "config", "validate"]) == cli.EXIT_INTERNAL
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("tessa-tui: internal error: ValueError; details in ")
    log = (tmp_path / "state" / "tessa-tui" / "crash.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "ValueError" in log and "local_secret =" not in log
    assert_clean(log, "crash.log")


def test_log_rows_are_masked_in_every_form_and_spelling(secret_config: Path, secret_env: dict[str, str]) -> None:
    load_config(secret_config, secret_env)
    spelled = "".join(f"\\u{ord(c):04x}" for c in TOKEN)
    lines = [f"ERROR {form} seen" for form in sorted(ALL_FORMS)]
    lines += [f'{{"level":"error","msg":"auth {spelled}"}}', '{"msg":"' + TOKEN.replace("/", "\\/") + '"}']
    batch = digest(LogParser("auto", "app"), lines, "", None)
    assert batch.held is not None and len(batch.rows) == len(lines) - 1  # the last record is open, and shown
    for row in [*batch.rows, batch.held]:
        assert_clean(row[FULL] + row[SUMMARY], f"row {row}")
        assert "****" in row[FULL]
        if row[FULL].startswith("{"):  # the detail view pretty-prints the decoded JSON
            assert_clean(json.dumps(json.loads(row[FULL]), ensure_ascii=False), "decoded JSON")


def test_no_secret_registered_leaves_rows_as_they_are() -> None:
    lines = ["ERROR tök3n@?:#/ +%Ωx9-TOKEN seen", "WARN next"]
    batch = digest(LogParser("auto", "app"), lines, "", None)
    assert batch.rows[0][FULL] == lines[0]
    assert batch.held is not None and batch.held[FULL] == lines[1]


def test_set_values_of_credential_placeholders_are_registered() -> None:
    from tessa_tui.cli.runbook_run import parse_sets

    parse_sets(["db_password=hunter2-set", "client_ip=10.0.0.1"])
    assert redact_text("pw hunter2-set ip 10.0.0.1") == "pw **** ip 10.0.0.1"


@pytest.mark.parametrize(
    ("query", "masked"),
    [
        ("ALTER ROLE app PASSWORD 'hunter2'", "ALTER ROLE app PASSWORD '****'"),
        (
            "create user x with encrypted password E'a\\'b' valid until 'x'",
            "create user x with encrypted password '****' valid until 'x'",
        ),
        ("ALTER ROLE app password $pw$it's$pw$;", "ALTER ROLE app password '****';"),
        ("ALTER USER app WITH PASSWORD 'cut off by track_activity_query_si", "ALTER USER app WITH PASSWORD '****'"),
        (
            "CREATE USER MAPPING FOR me SERVER s OPTIONS (user 'me', password 'pw')",
            "CREATE USER MAPPING FOR me SERVER s OPTIONS (user 'me', password '****')",
        ),
        ("SELECT 1", "SELECT 1"),
    ],
)
def test_database_pane_query_text_masks_password_literals(query: str, masked: str) -> None:
    assert _cell(query) == masked


def test_registry_is_a_no_op_when_empty_and_fast_path_when_no_match() -> None:
    assert not secret_registry.active()
    assert secret_registry.mask("x" * 10) == "x" * 10
    secret_registry.register("abc")  # too short to be masked anywhere
    assert not secret_registry.active()
    secret_registry.register("abcd")
    assert secret_registry.mask("xabcdx abc") == "x****x abc"


def test_console_crash_is_one_line_without_locals_or_secret(
    secret_config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import asyncio

    from screens.app import TessaApp
    from screens.dashboard.dashboard_screen import DashboardScreen

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    env = {"TESSA_TOKEN": TOKEN, "TESSA_DB_PASSWORD": DB_PASSWORD, "TESSA_API_KEY": API_KEY}
    loaded = load_config(secret_config, env)

    def explode(self: DashboardScreen) -> None:
        secrets_here = set(loaded.secrets)  # the set of secrets itself, as a local
        raise RuntimeError(f"widget failed with {sorted(secrets_here)}")

    monkeypatch.setattr(DashboardScreen, "on_mount", explode, raising=False)
    app = TessaApp(loaded, live=False)
    terminal = io.StringIO()
    app.error_console = Console(file=terminal, width=60, markup=False, highlight=False)

    async def run() -> None:
        async with app.run_test() as pilot:
            await pilot.pause()

    with pytest.raises(RuntimeError):
        asyncio.run(run())
    assert app.return_code == 70
    shown = terminal.getvalue()
    assert shown.startswith("tessa-tui: internal error: RuntimeError; details in ") and shown.count("\n") == 1
    assert "Traceback" not in shown
    assert_clean(shown, "terminal")
    log = (tmp_path / "state" / "tessa-tui" / "crash.log").read_text(encoding="utf-8")
    assert "RuntimeError" in log and "secrets_here =" not in log
    assert_clean(log, "crash.log")


def test_a_secret_that_re_forms_next_to_its_mask_is_withheld_in_linear_time() -> None:
    """`*abc` next to the `****` it leaves is `*abc` again: unbounded passes took 17 s for a 60 KB log line (an hour
    at 1 MiB). A few passes, then the text is withheld whole; and no pass count is ever unbounded."""
    secret_registry.register("*abc")
    assert secret_registry.mask("x *abc y") == "x **** y"
    line = "*" + "abc" * 400_000  # 1.2 MB: would take hours at one match per pass
    assert secret_registry.mask(line) == secret_registry.WITHHELD
    assert "*abc" not in secret_registry.mask("*abc" * 10_000)


@pytest.mark.parametrize("cut_at", [1, 6, 12])
def test_output_is_masked_before_it_is_cut(tmp_path: Path, cut_at: int) -> None:
    """A command whose output puts a secret across the 64 KiB it keeps: the kept part ends without its beginning."""
    import asyncio

    from tessa_tui.base.capabilities import READ_WRITE
    from tessa_tui.config.model import TessaConfig
    from tessa_tui.run.step_actions import KEEP, run_step
    from tessa_tui.runbook.load import load_runbook

    secret = "S3cretPassw0rdXYZ"
    secret_registry.register(secret)
    padding = "x" * (KEEP - cut_at)
    path = tmp_path / "leak.yaml"
    script = f"import sys; sys.stdout.write({padding!r} + {secret!r} + 'y' * 100)"
    path.write_text(
        "id: leak\ntitle: Leak\nkind: issue\nphases:\n  - name: Look\n    steps:\n"
        f"      - id: tail\n        text: Tail\n        action:\n          run: [{json.dumps(sys.executable)}, -c, "
        f"{json.dumps(script)}]\n"
    )
    step = load_runbook(path).phases[0].steps[0]
    result = asyncio.run(run_step(step, {}, TessaConfig(), capabilities=READ_WRITE))
    assert result.truncated and result.output.startswith("xxx")
    assert not any(secret[:n] in result.output[-n:] for n in range(3, len(secret) + 1))


def test_a_config_error_quoting_an_env_value_masks_it_before_cutting(tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text("services:\n  - name: a\n    url: http://127.0.0.1:9/\n    interval: ${TESSA_X}\n")
    value = "Sup3rSecretValueThatIsQuiteLongIndeed_0123456789abcdef"
    env = {**os.environ, "TESSA_X": value}
    result = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), "config", "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
    )
    assert result.returncode == 2 and "interval" in result.stderr and "****" in result.stderr
    assert value[:8] not in result.stderr
