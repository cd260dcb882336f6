"""The sanitiser under any text: no control, format, separator or surrogate character survives it, and
nothing else is touched."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from tessa_tui.base.sanitize import excerpt, sanitize

HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Whole blocks of format characters, shown even where this Python's Unicode has not assigned them yet.
FORMAT_BLOCKS = (range(0xE0000, 0xE0080), range(0x13430, 0x13440))


def hidden(char: str, *, keep_newlines: bool) -> bool:
    """A character the terminal would not show as itself (tab always shown, newline when asked)."""
    if char == "\t" or (keep_newlines and char == "\n"):
        return False
    return unicodedata.category(char) in HIDDEN or any(ord(char) in block for block in FORMAT_BLOCKS)


# Every character class that hides or rewrites text, mixed with ordinary text and the escape syntax itself.
HOSTILE_CHARS = st.sampled_from(
    [
        "\x1b",
        "\x00",
        "\r",
        "\n",
        "\t",
        "\x7f",
        "\x85",
        "\x9b",
        "\xad",
        "\u061c",
        "\u180e",
        "\u200b",
        "\u200d",
        "\u200e",
        "\u2028",
        "\u2029",
        "\u202e",
        "\u2066",
        "\u2069",
        "\u2060",
        "\ufeff",
        "\ufff9",
        "\U000110bd",
        "\U0001d173",
        "\U000e0001",
        "\U000e0041",
        "\U000e007f",
        "\ud800",
        "\udfff",
        "\\",
        "\\u200b",
        "\\e",
        "😀",
        "\U000f0000",
        "\ue000",
        "é",
        "[b]",
        "x",
    ]
)
TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec=None)),  # surrogates included
    st.text(alphabet=st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))),
    st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=5))).map("".join),
)


@given(TEXT, st.booleans())
@example("a\u200bb\u2028c\U000e0041d\ud800", False)
def test_nothing_hidden_survives_and_a_second_pass_changes_nothing(text: str, keep_newlines: bool) -> None:
    shown = sanitize(text, keep_newlines=keep_newlines)
    assert not [c for c in shown if hidden(c, keep_newlines=keep_newlines)]
    assert sanitize(shown, keep_newlines=keep_newlines) == shown
    assert sanitize(shown) == sanitize(text)  # newlines kept once are still made visible later


@given(TEXT.map(lambda text: "".join(c for c in text if not hidden(c, keep_newlines=True))), st.booleans())
def test_printable_text_passes_unchanged(text: str, keep_newlines: bool) -> None:
    expected = text if keep_newlines else text.replace("\n", "\\n")
    assert sanitize(text, keep_newlines=keep_newlines) == expected


@given(st.binary())
@example("zero\u200bwidth \u202eevil".encode())
def test_excerpt_of_any_bytes_hides_nothing(data: bytes) -> None:
    assert not [c for c in excerpt(data, limit=50) if hidden(c, keep_newlines=True)]


def test_every_hidden_code_point_of_this_python_is_made_visible() -> None:
    """Exhaustive over the code space: the class lists stay in step with unicodedata (a newer Python's
    Unicode may add format characters: this fails until they are listed)."""
    missed = [
        f"U+{cp:04X}"
        for cp in range(sys.maxunicode + 1)
        if hidden(chr(cp), keep_newlines=True) and sanitize(chr(cp), keep_newlines=True) == chr(cp)
    ]
    assert missed == []
