"""Go's number and duration syntax (strconv.ParseInt / ParseFloat, time.ParseDuration), as Gatus reads values."""

from __future__ import annotations

import math
import re

_INT64 = 1 << 63
# Go's float syntax: `_` only between digits, hex mantissas need a `p` exponent; no ambiguous (backtracking) groups.
_DIGITS_RE = r"[0-9](?:_?[0-9])*"
_HEX_RE = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_DECIMAL = re.compile(rf"[+-]?(?:{_DIGITS_RE}(?:\.(?:{_DIGITS_RE})?)?|\.{_DIGITS_RE})(?:[eE][+-]?{_DIGITS_RE})?")
_HEX_FLOAT = re.compile(rf"[+-]?0[xX](?:_?{_HEX_RE}(?:\.(?:{_HEX_RE})?)?|\.{_HEX_RE})[pP][+-]?{_DIGITS_RE}")
_SPECIAL_FLOAT = re.compile(r"[+-]?inf(?:inity)?|nan", re.IGNORECASE)
_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # MICRO SIGN
    "μs": 1_000,  # GREEK SMALL LETTER MU
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3_600 * 10**9,
}


def parse_go_int(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 0, 64): 0x/0o/0b/0 prefixes, `_` separators, 64-bit range."""
    sign, digits = (text[0], text[1:]) if text[:1] in ("+", "-") else ("", text)
    base, prefixed = 10, False
    if digits[:2].lower() in ("0x", "0o", "0b"):
        base, digits, prefixed = {"x": 16, "o": 8, "b": 2}[digits[1].lower()], digits[2:], True
    elif digits[:1] == "0" and len(digits) > 1:
        base, digits, prefixed = 8, digits[1:], True
    if "_" in digits:
        if digits.endswith("_") or "__" in digits or (digits.startswith("_") and not prefixed):
            return None
        digits = digits.replace("_", "")
    if not digits or len(digits.lstrip("0")) > 64 or any(char not in _DIGITS[base] for char in digits):
        return None
    value = int(digits, base) * (-1 if sign == "-" else 1)
    return value if -_INT64 <= value < _INT64 else None


def parse_go_float(text: str) -> float | None:
    """Go's strconv.ParseFloat(text, 64); None for bad syntax or out of range, as Go reports an error."""
    try:
        if _SPECIAL_FLOAT.fullmatch(text):
            return float(text)
        if _DECIMAL.fullmatch(text):
            value = float(text.replace("_", ""))
        elif _HEX_FLOAT.fullmatch(text):
            value = float.fromhex(text.replace("_", ""))
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return None if math.isinf(value) else value


def parse_go_duration(text: str) -> int | None:
    """Go's time.ParseDuration in nanoseconds (`1h30m`, `1.5s`, `-2m`); None where Go reports an error."""
    start = 1 if text[:1] in ("+", "-") else 0
    if text[start:] in ("0", ""):
        return 0 if text[start:] else None
    total, position = 0, start
    while position < len(text):
        part = _DURATION_PART.match(text, position)
        if part is None or not (part[1] or part[2]):
            return None
        # Leading zeros off: int() refuses more than 4,300 digits, zeros included (Go reads any number of them).
        whole_digits, fraction_digits, unit = part[1].lstrip("0"), part[2] or "", _DURATION_UNITS.get(part[3])
        if unit is None or len(whole_digits.lstrip("0")) > 19 or int(whole_digits or "0") > _INT64 // unit:
            return None
        # Go keeps the fraction digits that fit in 63 bits and scales them through a float64; so do we.
        fraction, scale = 0, 1.0
        for digit in fraction_digits:
            if fraction * 10 + int(digit) > _INT64:
                break
            fraction, scale = fraction * 10 + int(digit), scale * 10
        value = int(whole_digits or "0") * unit + (int(fraction * (unit / scale)) if fraction else 0)
        total += value
        if value > _INT64 or total > _INT64:
            return None
        position = part.end()
    if text[0] == "-":
        return -total
    return total if total < _INT64 else None
