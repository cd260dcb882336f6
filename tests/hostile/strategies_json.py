"""Hypothesis strategies for hostile JSON: every shape and type, non-finite and huge numbers, deep nesting,
invalid UTF-8, control and format characters. Shared by the condition and Statuspage property tests."""

from __future__ import annotations

import json

from hypothesis import strategies as st

# Characters that break naive code: controls, format characters, separators, tags, surrogates, quotes.
HOSTILE_CHARS = st.sampled_from(
    [
        "\x00",
        "\x1b",
        "\r",
        "\n",
        "\t",
        "\x7f",
        "\x85",
        "\x9b",
        "\xad",
        "\u200b",
        "\u200e",
        "\u2028",
        "\u2029",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\U000e0001",
        "\U000e0041",
        "\ud800",
        "\udfff",
        "\\",
        '"',
        "'",
        "[",
        "]",
        "(",
        ")",
        ".",
        "#",
        "*",
        "?",
        "-",
        "=",
        ",",
        " ",
        "😀",
        "é",
        "0",
        "1",
        "x",
    ]
)
TEXT = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec=None), max_size=20),  # lone surrogates included
    st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=3)), max_size=12).map("".join),
    st.sampled_from(["", "-1", "-", "--x", "1e400", "Infinity", "NaN", "null", "true", "0x10", "1_000", "1h30m"]),
)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -0.0, 2**63, -(2**63) - 1, 10**400, 1e308, 5e-324, float("inf"), float("nan")]),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
_KEYS = st.one_of(TEXT, st.sampled_from(["status", "components", "incidents", "a", "id"]))
# Bounded leaves keep generation cheap (2,000 examples per test on a shared 2-core machine); depth comes from DEEP.
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=4)),
    max_leaves=16,
)
SMALL_JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=2), st.dictionaries(_KEYS, children, max_size=2)),
    max_leaves=4,
)


def _dumps(value: object) -> bytes:
    # allow_nan writes NaN / Infinity, which Go and strict JSON refuse; ensure_ascii=False keeps surrogates raw.
    return json.dumps(value, allow_nan=True, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _deep(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b'{"status":' + b"[" * depth + b"]" * depth + b"}"


DEEP = st.builds(
    _deep,
    st.sampled_from([900, 1000, 5000, 100_000]) | st.integers(1, 3000),
    st.sampled_from(["list", "object", "status"]),
)
SPECIAL_TEXT = st.sampled_from(
    [
        b"1e400",
        b"-1e400",
        b"Infinity",
        b"-Infinity",
        b"NaN",
        b"[1e400]",
        b'{"a": 1e400}',
        b"9" * 5000,
        b'{"a": ' + b"9" * 5000 + b"}",
        b'{"a": -' + b"0" * 5000 + b"1}",
        b"-",
        b"-1",
        b"\xff\xfe",
        b"\xef\xbb\xbf{}",
        b'{"a": "\\ud800"}',
        b'"\\u0000"',
        b"[" * 100_000,
        b"{" * 50_000,
        b'{"a":' * 50_000,
        b"",
    ]
)
BODIES = st.one_of(
    JSON_VALUES.map(_dumps),
    DEEP,
    SPECIAL_TEXT,
    st.binary(max_size=200),  # invalid UTF-8 and garbage
    st.tuples(JSON_VALUES.map(_dumps), st.binary(max_size=8), st.integers(0, 200)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]  # valid JSON with a few bad bytes spliced in
    ),
    TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
)
