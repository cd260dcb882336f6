"""Gatus's `[BODY]` JSON paths (`a.b[0][1]`, `items.#(name=="x").id`) and Go-style rendering of JSON values."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property

# Go's strings.TrimSpace trims Unicode White_Space, which is narrower than Python's str.strip().
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_SURROGATE = re.compile("[\ud800-\udfff]")
_INDEX = re.compile(r"[+-]?[0-9]+")
# Go's json.Marshal escapes these so that JSON can be embedded in HTML.
_HTML_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


class PathError(ValueError):
    """The path does not lead to a value in the body (or the body is not JSON)."""


def trim_space(text: str) -> str:
    """Trim whitespace the way Go's strings.TrimSpace does."""
    return text.strip(GO_SPACE)


def utf8_len(text: str) -> int:
    """Length in UTF-8 bytes, which is what Go's len() counts."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def clean_surrogates(text: str) -> str:
    """Replace lone surrogates (from `\\ud800` escapes) with U+FFFD, as Go's decoder does."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text} is out of range")  # Go's decoder rejects it too
    return value


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")  # Python accepts NaN/Infinity, Go does not


class Body:
    """A response body that is decoded and JSON-parsed lazily, each at most once."""

    def __init__(self, raw: bytes | str) -> None:
        self.raw = raw

    @cached_property
    def text(self) -> str:
        """The body as text; invalid UTF-8 becomes U+FFFD."""
        return self.raw.decode("utf-8", "replace") if isinstance(self.raw, bytes) else self.raw

    @cached_property
    def trimmed(self) -> str:
        """The body without surrounding whitespace, as Gatus shows `[BODY]`."""
        return trim_space(self.text)

    @cached_property
    def size(self) -> int:
        """The body's length in bytes."""
        return len(self.raw) if isinstance(self.raw, bytes) else utf8_len(self.raw)

    @cached_property
    def trimmed_size(self) -> int:
        """The trimmed body's length in bytes, without re-encoding the whole body."""
        text = self.text
        rest = text.lstrip(GO_SPACE)
        kept = rest.rstrip(GO_SPACE)
        return self.size - utf8_len(text[: len(text) - len(rest)]) - utf8_len(rest[len(kept) :])

    def looks_like_array(self) -> bool:
        """Tell whether the raw body starts with `[` and ends with `]`, Gatus's test before parsing."""
        raw = self.raw
        if isinstance(raw, bytes):
            return raw[:1] == b"[" and raw[-1:] == b"]"
        return raw[:1] == "[" and raw[-1:] == "]"

    @cached_property
    def _parsed(self) -> tuple[bool, object]:
        try:
            return True, json.loads(self.text, parse_float=_parse_float, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            return False, None

    def document(self) -> object:
        """The parsed JSON document; raise PathError if the body is not JSON."""
        ok, document = self._parsed
        if not ok:
            raise PathError("the body is not valid JSON")
        return document


def format_number(value: float) -> str:
    """Render a number like Go's %v, except that we never switch to exponents between 1e-4 and 1e21."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    magnitude = abs(value)
    if magnitude == 0 or 1e-4 <= magnitude < 1e21:
        return _positional(value)
    return repr(value)  # repr's exponent form (1e-05, 1e+21) is Go's


def _positional(value: float) -> str:
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _marshal_float(value: float) -> str:
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        mantissa, _, exponent = repr(value).partition("e")
        if len(exponent) == 3 and exponent.startswith("-0"):
            exponent = "-" + exponent[2]  # Go writes 1e-7, not 1e-07
        return f"{mantissa}e{exponent}"
    return _positional(value)


def go_sprint(value: object) -> str:
    """Render a value like Go's fmt %v: `[1 2]`, `map[a:1]`, `<nil>`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return clean_surrogates(value)
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_sprint(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{key}:{go_sprint(value[key])}" for key in sorted(value)) + "]"
    return str(value)


def _quote(text: str) -> str:
    return json.dumps(clean_surrogates(text), ensure_ascii=False).translate(_HTML_ESCAPES)


def go_marshal(value: object) -> str:
    """Serialise a decoded JSON value like Go's json.Marshal: compact, sorted keys, HTML-safe."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _marshal_float(value)
    if isinstance(value, list):
        return "[" + ",".join(go_marshal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_quote(key)}:{go_marshal(value[key])}" for key in sorted(value)) + "}"
    raise PathError(f"cannot render {type(value).__name__}")


def _split_keys(path: str) -> list[str]:
    """Split at dots that are outside [] and (), like Gatus's walk."""
    keys: list[str] = []
    start = depth = 0
    for i, char in enumerate(path):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "." and depth == 0:
            keys.append(path[start:i])
            start = i + 1
    keys.append(path[start:])
    return keys


def _atoi(text: str) -> int | None:
    """Go's strconv.Atoi: optional sign, ASCII digits, 64-bit range."""
    digits = text.lstrip("+-").lstrip("0")
    if not _INDEX.fullmatch(text) or len(digits) > 19:
        return None
    # Without the leading zeros: int() refuses strings of more than 4,300 digits, zeros included.
    value = int(digits or "0") * (-1 if text.startswith("-") else 1)
    return value if -(2**63) <= value < 2**63 else None


def _extract(key: str, value: object) -> object:
    """Apply one path segment (`name`, `name[1]`, `[0][2]`) to value; None means nothing there."""
    while key.endswith("]") and "[" in key:
        start = end = depth = 0
        index, nested = "", False
        for i, char in enumerate(key):
            if char == "[":
                start, depth = i, depth + 1
            elif char == "]" and depth == 1:
                end, index = i, key[start + 1 : i]
                nested = key[i + 1 : i + 2] == "["
                break
        position = _atoi(index)
        if position is None or position < 0:
            return None
        if name := key[:start]:
            # Gatus panics when indexing by name into a non-object; we report nothing found instead.
            if not isinstance(value, dict):
                return None
            value = value.get(name)
        items = value if isinstance(value, list) else []
        if position >= len(items):
            return None
        if not nested:
            return items[position]
        key, value = key[end + 1 :], items[position]
    if isinstance(value, list):
        return value  # Gatus quirk: a name applied to an array yields the array itself
    if isinstance(value, dict):
        return value.get(key)
    return value


def _is_query(segment: str) -> bool:
    return segment.startswith("#(") and segment.endswith(")")


def _query(segment: str, items: list[object]) -> dict[str, object]:
    """Pick the first object of items whose field equals the quoted value in `#(field=="value")`."""
    field, found, expected = segment[2:-1].partition("==")
    expected = trim_space(expected)
    if not found or len(expected) < 2 or expected[0] != '"' or expected[-1] != '"':
        raise PathError(f'invalid query {segment!r}: expected #(key=="value")')
    field, expected = trim_space(field), expected[1:-1]
    for item in items:
        if isinstance(item, dict) and go_sprint(item.get(field)) == expected:
            return item
    raise PathError(f"no element matches {segment!r}")


def lookup(path: str, document: object) -> object:
    """Walk path through a decoded document and return the raw value where Gatus's walk stops."""
    keys = _split_keys(path)
    value, i = document, 0
    while True:
        found = _extract(keys[i], value)
        remaining = len(keys) - i - 1
        if isinstance(found, dict) and remaining:
            value, i = found, i + 1
        elif isinstance(found, list) and remaining and _is_query(keys[i + 1]):
            matched = _query(keys[i + 1], found)
            if remaining == 1:
                return matched
            value, i = matched, i + 2
        elif isinstance(found, str) and remaining:
            raise PathError(f"{keys[i]!r} is a string, so {keys[i + 1]!r} cannot be read from it")
        elif found is None:
            raise PathError(f"nothing at {keys[i]!r}")
        else:
            return found


def render(value: object) -> tuple[str, int]:
    """Render a looked-up value as Gatus does and return it with the length len() reports."""
    if isinstance(value, dict):
        text = go_marshal(value)
        return text, utf8_len(text)
    if isinstance(value, str):
        return clean_surrogates(value), utf8_len(value)
    if isinstance(value, list):
        return go_sprint(value), len(value)
    text = go_sprint(value)
    return text, len(text)


def eval_path(path: str, body: Body) -> tuple[str, int]:
    """Resolve a `[BODY]` path to (text, length) like Gatus's jsonpath.Eval; raise PathError if absent."""
    if not path and not body.looks_like_array():
        return body.text, body.size
    try:
        return render(lookup(path, body.document()))
    except RecursionError as error:
        raise PathError("the body is nested too deeply") from error
