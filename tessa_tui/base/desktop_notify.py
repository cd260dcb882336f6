"""Desktop notifications through the terminal: OSC 777 (foot, urxvt, WezTerm, Ghostty) or OSC 9 (iTerm2,
Windows Terminal, kitty and most others). The text is outside data (service names, reasons): every control
character and the separators OSC 777 uses are removed, so it can never end the sequence early."""

from __future__ import annotations

import re
from collections.abc import Mapping

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f;]")
OSC_777_TERMINALS = ("foot", "rxvt", "wezterm", "ghostty")


def _clean(text: str, limit: int = 200) -> str:
    return _UNSAFE.sub(" ", text).strip()[:limit]


def notification_sequence(title: str, body: str, environ: Mapping[str, str]) -> str:
    """The escape sequence asking this terminal for a desktop notification."""
    term = f"{environ.get('TERM', '')} {environ.get('TERM_PROGRAM', '')}".lower()
    if any(name in term for name in OSC_777_TERMINALS):
        return f"\x1b]777;notify;{_clean(title, 60)};{_clean(body)}\x07"
    return f"\x1b]9;{_clean(title, 60)}: {_clean(body)}\x07"
