"""Talking to a running demo platform: start and clear drills over its loopback control endpoint."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tessa_tui.errors import UserError


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
