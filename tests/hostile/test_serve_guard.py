"""Property tests for what `tessa-tui serve` parses from a browser: the Origin and Host headers (only the exact
origin the page came from is accepted, nothing raises) and the WebSocket messages (any text is a message or
ignored, never an error; sizes are always clamped)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from screens.serve_guard import MAX_CELLS, cells, origin_key, parse_envelope, same_origin

HOSTILE_CHARS = st.one_of(
    st.characters(),  # everything, control and format characters and lone surrogates included
    st.sampled_from(["\u2028", "\u2029", "\u200b", "\u202e", "\U000e0041", "\x00", "\x1b", "\ufeff"]),
    st.sampled_from(list(":/[]@?#%.-_ \t\r\nAZaz09")),  # the characters an origin or host is made of
)
HOSTILE_TEXT = st.text(HOSTILE_CHARS, max_size=60)
NAMES = st.one_of(
    st.sampled_from(["127.0.0.1", "localhost", "[::1]", "[fe80::1]", "tv.lan", "192.0.2.7", "evil.example"]),
    st.from_regex(r"[a-z0-9][a-z0-9.-]{0,20}", fullmatch=True),
)
PORTS = st.integers(1, 65535)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()  # NaN and infinities included: json.dumps writes them as NaN / Infinity
    | st.text(HOSTILE_CHARS, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(HOSTILE_CHARS, max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _json_text(value: object) -> str:
    try:
        return json.dumps(value)
    except ValueError:  # an integer past Python's digit limit cannot be written either: use its digits
        return "9" * 5000


MESSAGES = st.one_of(
    HOSTILE_TEXT,
    JSON.map(_json_text),
    st.tuples(st.sampled_from(["stdin", "resize", "ping", "blur", "focus", "quit", ""]), JSON).map(
        lambda pair: _json_text(list(pair))
    ),
    st.integers(1, 200_000).map(lambda depth: "[" * depth + "]" * depth),  # deep nesting, up to 200k levels
    st.sampled_from(["[NaN]", "[Infinity]", "[1e400]", '["resize", {"width": 1e400, "height": -Infinity}]']),
)


@given(origin=HOSTILE_TEXT, host=HOSTILE_TEXT, scheme=st.sampled_from(["http", "https", "ws", "", "HTTP"]))
def test_any_origin_and_host_headers_are_judged_without_error(origin: str, host: str, scheme: str) -> None:
    accepted = same_origin(origin, scheme, host)
    key = origin_key(scheme, host)
    if accepted:  # only a plain scheme://host[:port] naming the very host:port the request went to
        assert key is not None and "/" not in origin.split("://", 1)[1]
        assert not any(c in origin for c in "@?#\\ \t\r\n")
    if key is not None:
        assert 0 < key[2] < 65536 and key[0] in ("http", "https")


@given(name=NAMES, port=PORTS, other_port=PORTS, other=NAMES, tail=st.sampled_from(["/", "/x", "?", "#", "@a", "."]))
def test_only_the_exact_origin_is_the_same_origin(name: str, port: int, other_port: int, other: str, tail: str) -> None:
    host = f"{name}:{port}"
    assert same_origin(f"http://{host}", "http", host)
    assert same_origin(f"HTTP://{host.upper()}", "http", host)
    assert not same_origin(f"http://{host}{tail}", "http", host)
    assert not same_origin(f"https://{host}", "http", host)
    assert same_origin(f"http://{other}:{other_port}", "http", host) == ((other, other_port) == (name, port))
    assert same_origin(f"http://{name}", "http", name)  # no port on either side: both mean 80
    assert same_origin(f"http://{name}:80", "http", name)


@given(text=MESSAGES)
def test_any_websocket_message_is_a_command_or_ignored(text: str) -> None:
    parsed = parse_envelope(text)
    if parsed is not None:
        kind, _ = parsed
        assert isinstance(kind, str)


@given(value=JSON | st.text(st.sampled_from("0123456789-+ ٣"), max_size=10), default=st.integers(1, MAX_CELLS))
def test_terminal_sizes_from_the_browser_are_always_clamped(value: object, default: int) -> None:
    assert 1 <= cells(value, default) <= MAX_CELLS
