"""Bad configuration: one line naming file:line and the field, exit 2, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tessa_tui.base.safe_yaml import MAX_DEPTH, MAX_FILE_BYTES
from tessa_tui.cli.main import main


@dataclass(frozen=True)
class BadFile:
    """A broken config and what its one-line error must say."""

    id: str
    text: str
    line: int | None
    must_say: tuple[str, ...]


BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
)

CASES = [
    BadFile("unknown-top-key", "platform: X\nservics: []\n", 2, ("servics", "did you mean 'services'")),
    BadFile(
        "unknown-nested-key",
        "services:\n  - name: web\n    url: http://127.0.0.1/\n    intervall: 30s\n",
        4,
        ("services[0].intervall", "did you mean 'interval'"),
    ),
    BadFile(
        "wrong-type",
        "services:\n  - name: web\n    url: http://127.0.0.1/\n    failure-threshold: many\n",
        4,
        ("services[0].failure-threshold", "expected int, got str"),
    ),
    BadFile(
        "bad-duration",
        "services:\n  - name: web\n    url: http://127.0.0.1/\n    interval: 5 minutes\n",
        4,
        ("services[0].interval", "not a duration"),
    ),
    BadFile(
        "missing-env-var",
        "database:\n  dsn: ${TESSA_TEST_SURELY_UNSET}\n",
        2,
        ("database.dsn", "environment variable TESSA_TEST_SURELY_UNSET is not set"),
    ),
    BadFile(
        "unfillable-placeholder",
        "services:\n  - name: web\n    url: https://example.com/\n    conditions:\n"
        "      - '[STATUS] == 200'\n      - '[DNS_RCODE] == NOERROR'\n",
        6,
        ("services[0].conditions[1]: not supported ([DNS_RCODE]", "dns:"),
    ),
    BadFile(
        "icmp-endpoint",
        "services:\n  - name: ping\n    url: icmp://example.com\n",
        3,
        ("services[0].url: not supported (ICMP", "tcp://host:port"),
    ),
    BadFile("empty-file", "", 1, ("file is empty",)),
    BadFile("comments-only", "# nothing here\n", 1, ("file is empty",)),
    BadFile("not-a-mapping", "- services\n- logs\n", 1, ("top level must be a mapping", "list")),
    BadFile(
        "duplicate-key",
        "platform: A\nenvironment: prod\nplatform: B\n",
        3,
        ("duplicate key 'platform'", "first defined on line 1"),
    ),
    BadFile("alias-bomb", BILLION_LAUGHS, 1, ("alias expansion",)),
    BadFile(
        "python-tag",
        "platform: !!python/object/apply:os.system ['echo pwned']\n",
        1,
        ("!!python/object/apply:os.system", "not allowed"),
    ),
    BadFile("deep-nesting", "a: " + "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10) + "\n", 1, ("nesting",)),
    BadFile("invalid-yaml", "platform: [unclosed\nservices: x\n", 2, ("invalid YAML",)),
    BadFile(
        "missing-required",
        "services:\n  - url: http://127.0.0.1/\n",
        2,
        ("services[0].name", "required"),
    ),
    BadFile(
        "url-and-statuspage",
        "services:\n  - name: web\n    url: http://a/\n    statuspage: http://b/\n",
        2,
        ("services[0]", "exactly one of `url`"),
    ),
    BadFile(
        "bad-url",
        "services:\n  - name: web\n    url: ftp://files.example.com/\n",
        3,
        ("services[0].url", "http:// or https://"),
    ),
    BadFile(
        "duplicate-service-name",
        "services:\n  - {name: web, url: 'http://a/'}\n  - {name: web, url: 'http://b/'}\n",
        1,
        ("services", "used twice"),
    ),
    BadFile("unknown-binding", "keymap:\n  quitt: ctrl+x\n", 1, ("keymap", "did you mean 'quit'")),
    BadFile(
        "bad-severity-target",
        "severities:\n  SEV1:\n    description: Down\n    response-target: soon\n",
        4,
        ("severities.SEV1.response-target", "not a duration"),
    ),
    BadFile("bad-theme", "theme: neon\n", 1, ("theme", "tessa-high-contrast")),
    BadFile(
        "log-source-without-origin",
        "logs:\n  - name: app\n    format: json\n",
        2,
        ("logs[0]", "exactly one of `path`"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_config_is_one_line_naming_file_line_and_field(
    case: BadFile,
    write_config: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    clean_env: None,
) -> None:
    path = write_config(case.text)
    code = main(["config", "validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert re.match(rf"tessa-tui: error: {re.escape(str(path))}:{case.line}: [^:]+: \S", err), err
    for fragment in case.must_say:
        assert fragment in err, err
    assert "Traceback" not in err


def test_oversized_file_is_refused_before_parsing(
    write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config("platform: x\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    assert main(["config", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: file is over the limit of {MAX_FILE_BYTES:,} bytes" in err


def test_non_utf8_file_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"platform: ok\nenvironment: caf\xe9\n")
    assert main(["config", "validate", str(path)]) == 2
    assert f"{path}:2: file is not UTF-8 text" in capsys.readouterr().err


def test_secret_from_environment_never_appears_in_an_error(
    write_config: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TESSA_TEST_SECRET", "s3cr3t-h0rse-battery")
    path = write_config("theme: ${TESSA_TEST_SECRET}\n")
    assert main(["config", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "s3cr3t-h0rse-battery" not in err
    assert f"{path}:1: theme:" in err


def test_real_process_exits_2_without_traceback(write_config: Callable[[str], Path]) -> None:
    path = write_config("services:\n  - name: web\n    url: http://127.0.0.1/\n    timeout: never\n")
    result = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "config", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"tessa-tui: error: {path}:4: services[0].timeout: 'never' is not a duration; "
        "use a number with ms, s, m, h or d, e.g. 30s, 15m, 1h30m"
    )


def test_opening_the_console_with_a_bad_config_exits_2(
    write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config("platfrom: typo\n")
    assert main(["--config", str(path)]) == 2
    assert "did you mean 'platform'" in capsys.readouterr().err


def test_an_invalid_condition_is_a_config_error(
    write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        "services:\n  - name: web\n    url: http://127.0.0.1/\n    conditions:\n      - '[STATUS] =! 200'\n"
    )
    assert main(["config", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4: services[0].conditions: " in err
    assert "[STATUS] =! 200" in err
