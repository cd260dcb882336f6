"""The README's references stay true: every config key and every binding id is documented."""

from __future__ import annotations

import re
from pathlib import Path

from tessa_tui.config.keymap import KEYS
from tessa_tui.config.load import config_json_schema, load_config
from tests.conftest import REPO
from tests.tls_material import Pki

README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    match = re.search(rf"^## {title}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_every_top_level_config_key_is_in_the_readme_reference() -> None:
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", _section("Configuration"), re.M))
    assert documented == set(config_json_schema()["properties"])


def test_every_binding_id_is_in_the_readme_key_reference() -> None:
    keys = _section("Keys")
    missing = [spec.id for spec in KEYS if spec.id not in keys and not spec.id.startswith("focus_")]
    assert missing == []
    assert "focus_services" in keys and "focus_database" in keys


def test_every_command_mode_verb_is_in_the_readme_key_reference() -> None:
    """The `:` row lists every verb the command line takes (it lacked `:metrics`)."""
    from tessa_tui.incidents.command_mode import VERBS

    row = next(line for line in _section("Keys").splitlines() if line.startswith("| `:` |"))
    assert [verb for verb in VERBS if f"`:{verb}" not in row] == []


def test_the_readme_check_kinds_example_loads(tmp_path: Path, pki: Pki) -> None:
    """The Configuration section's example of tcp, starttls, private-CA and DNS checks loads as written (its CA
    file replaced by one the test makes)."""
    blocks = re.findall(r"```yaml\n(.*?)```", _section("Configuration"), re.S)
    (example,) = [b for b in blocks if "Database port" in b]
    path = tmp_path / "tessa.yaml"
    path.write_text(example.replace("/etc/ssl/internal-ca.pem", str(pki.ca)), encoding="utf-8")
    checks = load_config(path, environ={}).config.services or []
    assert [c.endpoint.type for c in checks] == ["tcp", "starttls", "http", "dns"]
