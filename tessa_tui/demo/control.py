"""Talking to a running demo platform: start and clear drills over its loopback control endpoint."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tessa_tui.base.errors import UserError


def send_drill(control_url: str, name: str, *, timeout: float = 5.0) -> list[str]:
    """Start drill `name` (or `all-clear`); return the drills running afterwards."""
    if not control_url.startswith(("http://127.", "http://localhost")):
        raise UserError(f"demo control URL must be on loopback, not {control_url}")
    request = urllib.request.Request(f"{control_url}/drills/{name}", method="POST", data=b"")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback URL we wrote
            return list(json.load(response)["active"])
    except urllib.error.HTTPError as exc:
        detail = json.loads(exc.read() or b"{}").get("error", f"HTTP {exc.code}")
        raise UserError(f"demo platform refused the drill: {detail}") from None
    except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
        raise UserError(f"demo platform did not answer at {control_url}: {exc}") from None


def slack_channel(control_url: str, *, timeout: float = 5.0) -> tuple[str, list[dict[str, str]]]:
    """The demo Slack channel's name and its messages (oldest first), outside text sanitised."""
    from datetime import UTC, datetime

    from tessa_tui.base.sanitize import sanitize

    if not control_url.startswith(("http://127.", "http://localhost")):
        raise UserError(f"demo control URL must be on loopback, not {control_url}")
    try:
        with urllib.request.urlopen(f"{control_url}/slack", timeout=timeout) as response:  # noqa: S310 - loopback
            answer = json.load(response)
        messages = [
            {
                "at": datetime.fromtimestamp(float(m["ts"]), UTC).strftime("%H:%M:%S UTC"),
                "via": sanitize(str(m["via"])),
                "text": sanitize(str(m["text"]), keep_newlines=True),
            }
            for m in answer["messages"]
        ]
        return sanitize(str(answer["channel"])), messages
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"demo platform did not answer at {control_url}: {exc}") from None
