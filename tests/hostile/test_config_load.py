"""Config loading under any YAML document: every known key with values of every type, and raw YAML no dumper
writes. load_config returns a config or raises UserError (one line); nothing else escapes and nothing hangs."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import event, example, given

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig, load_config
from tessa_tui.config.model import TessaConfig
from tests.hostile.hostile_yaml import documents

FOLDER = Path(tempfile.mkdtemp(prefix="tessa-hostile-config-"))
ENVIRON = {"TOKEN": "tok-123456", "DB": "postgresql://u:pw@127.0.0.1:99999/db"}


@given(documents(TessaConfig))
@example("services:\n  - name: a\n    url: http://127.0.0.1:1/\n    interval: 99999999999d\n")
@example("database:\n  dsn: postgresql://u@127.0.0.1:99999/db\n")
@example("database:\n  dsn: ${DB}\n")
@example("platform: " + "9" * 5000 + "\n")
@example('logs:\n  - name: a\n    path: "a\\0b"\n')
def test_load_config_returns_or_raises_one_line_user_error(text: str) -> None:
    path = FOLDER / "tessa.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        loaded = load_config(path, environ=ENVIRON)
    except UserError as exc:
        event("UserError")
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message and "\r" not in message, message
        assert "pw@" not in message, message  # the DSN's password never appears
    else:
        event("valid")
        assert isinstance(loaded, LoadedConfig)
