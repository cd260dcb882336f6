"""Untrusted text made safe for a terminal: control bytes and escape sequences shown, never executed.

Neither Textual nor Rich strips OSC (title, clipboard), CSI, DCS or C1 bytes from text they display,
so every log line, HTTP body, DB value and command output passes through here first.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides used to disguise text.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_OR_NEWLINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\x1b": "\\e", "\r": "\\r", "\n": "\\n", "\x00": "\\0"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def sanitize(text: str, *, keep_newlines: bool = False) -> str:
    """Replace every control character with a visible escape (`\\e`, `\\x9b`); tabs always kept."""
    pattern = _UNSAFE if keep_newlines else _UNSAFE_OR_NEWLINE
    return pattern.sub(_visible, text)


def excerpt(data: bytes, limit: int = 2000) -> str:
    """A sanitised, decoded (invalid UTF-8 replaced) excerpt of at most `limit` characters shown."""
    text = sanitize(data[: limit * 4].decode("utf-8", errors="replace"), keep_newlines=True)
    return text if len(text) <= limit and len(data) <= limit * 4 else text[:limit] + " …"
