"""Runbook loading under any YAML document shaped like a runbook, and raw YAML no dumper writes: load_runbook
returns a Runbook or raises UserError (one line); nothing else escapes and nothing hangs."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import event, example, given

from tessa_tui.base.errors import UserError
from tessa_tui.runbook.load import load_runbook
from tessa_tui.runbook.model import Runbook
from tests.hostile.hostile_yaml import documents

FOLDER = Path(tempfile.mkdtemp(prefix="tessa-hostile-runbooks-"))


def _file_name(text: str) -> str:
    """The runbook's own id where it has a plain one (so validation gets past the id check), else `x`."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return "x"
    wanted = data.get("id") if isinstance(data, dict) else None
    if isinstance(wanted, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", wanted):
        return wanted
    return "x"


@given(documents(Runbook))
@example("id: x\ntitle: t\nkind: issue\nescalate-after: 99999999999d\nphases: [{name: p, steps: [{id: s, text: t}]}]")
@example("id: x\ntitle: t\nkind: issue\nphases: [{name: p, within: 1e400, steps: [{id: s, text: t}]}]")
def test_load_runbook_returns_or_raises_one_line_user_error(text: str) -> None:
    path = FOLDER / f"{_file_name(text)}.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        runbook = load_runbook(path, known=["production_url"])
    except UserError as exc:
        event("UserError")
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message and "\r" not in message, message
    else:
        event("valid")
        assert isinstance(runbook, Runbook)
