"""No control byte from outside text reaches the terminal; it is shown as a visible escape."""

from __future__ import annotations

import pytest

from tessa_tui.base.sanitize import excerpt, sanitize

HOSTILE = {
    "osc-title": ("\x1b]0;owned\x07", "\\e]0;owned\\x07"),
    "osc-clipboard": ("\x1b]52;c;cm0gLXJm\x1b\\", "\\e]52;c;cm0gLXJm\\e\\"),
    "csi-clear": ("\x1b[2J\x1b[H", "\\e[2J\\e[H"),
    "dcs": ("\x1bP1$r\x1b\\", "\\eP1$r\\e\\"),
    "c1-csi": ("\x9b31m", "\\x9b31m"),
    "bidi": ("abc\u202edef", "abc\\u202edef"),
    "nul-del": ("a\x00b\x7f", "a\\0b\\x7f"),
    "carriage-return": ("ok\rFAKE", "ok\\rFAKE"),
    "zero-width": ("pass\u200bword", "pass\\u200bword"),
    "line-separator": ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
    "tag-characters": ("ok\U000e0041\U000e007f", "ok\\U000e0041\\U000e007f"),
    "soft-hyphen-bom": ("\ufeffa\xadb", "\\ufeffa\\xadb"),
    "lone-surrogate": ("a\ud800", "a\\ud800"),
}


@pytest.mark.parametrize(("raw", "shown"), HOSTILE.values(), ids=HOSTILE.keys())
def test_control_sequences_become_visible_text(raw: str, shown: str) -> None:
    assert sanitize(raw) == shown


def test_tabs_kept_and_newlines_only_on_request() -> None:
    assert sanitize("a\tb\nc") == "a\tb\\nc"
    assert sanitize("a\tb\nc", keep_newlines=True) == "a\tb\nc"


def test_markup_is_left_as_text() -> None:
    assert sanitize("[bold red]x[/] [/tmp]") == "[bold red]x[/] [/tmp]"


def test_excerpt_decodes_invalid_utf8_and_cuts() -> None:
    assert excerpt(b"ok \xff\xfe\x1b[31m") == "ok \ufffd\ufffd\\e[31m"
    assert excerpt(b"x" * 50, limit=10) == "x" * 10 + " …"


def test_ordinary_unicode_and_private_use_are_kept() -> None:
    assert sanitize("café ✓ 日本 😀 \ue000", keep_newlines=True) == "café ✓ 日本 😀 \ue000"
