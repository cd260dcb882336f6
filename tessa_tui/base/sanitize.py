"""Untrusted text made safe for a terminal: control bytes, escape sequences and invisible characters shown,
never executed or hidden.

Neither Textual nor Rich strips OSC (title, clipboard), CSI, DCS or C1 bytes from text they display,
so every log line, HTTP body, DB value and command output passes through here first.
"""

from __future__ import annotations

import re

# Shown as escapes: every character of Unicode categories Cc (but tab, and newline on request), Cf (zero-width,
# bidi controls, tags, soft hyphen...), Zl and Zp (U+2028/U+2029 break lines in some viewers and not in others),
# and Cs (lone surrogates). The Cf ranges are Unicode 14's (Python 3.11) plus the Egyptian format controls and
# the whole tag block of later versions; tests/hostile/test_sanitize.py checks them against the running
# Python's unicodedata. Private-use and unassigned characters are kept: they show as a glyph or a box.
_INVISIBLE_BMP = (
    "\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
)
_INVISIBLE_ASTRAL = re.compile(
    "[\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f]"
)
# Speed (the logs pane sanitises tens of thousands of lines a second): ASCII text gets a small class; other
# text one BMP class (a bitmap lookup) plus every astral character, sorted out in `_visible`, since a class of
# astral ranges is tested range by range on every character and tripled the time per line.
_ASCII = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_ASCII_OR_NEWLINE = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f{_INVISIBLE_BMP}\U00010000-\U0010ffff]")
_UNSAFE_OR_NEWLINE = re.compile(f"[\x00-\x08\x0a-\x1f{_INVISIBLE_BMP}\U00010000-\U0010ffff]")
_NAMED = {"\x1b": "\\e", "\r": "\\r", "\n": "\\n", "\x00": "\\0"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x100:
        return _NAMED.get(char) or f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}" if _INVISIBLE_ASTRAL.match(char) else char


def sanitize(text: str, *, keep_newlines: bool = False) -> str:
    """Replace every control or invisible character with a visible escape (`\\e`, `\\x9b`, `\\u200b`,
    `\\U000e0041`); tabs always kept, newlines on request. What comes out has none of them, so sanitising it
    again changes nothing."""
    if text.isascii():
        return (_ASCII if keep_newlines else _ASCII_OR_NEWLINE).sub(_visible, text)
    return (_UNSAFE if keep_newlines else _UNSAFE_OR_NEWLINE).sub(_visible, text)


def excerpt(data: bytes, limit: int = 2000) -> str:
    """A sanitised, decoded (invalid UTF-8 replaced) excerpt of at most `limit` characters shown."""
    text = sanitize(data[: limit * 4].decode("utf-8", errors="replace"), keep_newlines=True)
    return text if len(text) <= limit and len(data) <= limit * 4 else text[:limit] + " …"
