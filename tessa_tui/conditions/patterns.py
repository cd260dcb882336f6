"""Gatus `pat()` glob matching (`*`, `?`, `[a-z]`, `\\x`) in linear passes, never by backtracking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Gatus deletes the path separator from both sides before calling Go's filepath.Match, so that `*` can
# cross it; we do the same so that patterns behave identically.
_SEPARATOR = "/"


class PatternError(ValueError):
    """A malformed glob pattern, which Gatus would silently never match."""


@dataclass(frozen=True)
class _Chunk:
    """A run of single-character items, optionally preceded by a `*`."""

    star: bool
    size: int
    literal: str | None  # set when the chunk has no `?` or class, so str.find can be used
    regex: re.Pattern[str]


def _class_regex(chunk: str, start: int) -> tuple[str, int]:
    """Translate the class opening at chunk[start] into a regex atom; return it and the index after `]`."""
    i = start + 1
    negated = i < len(chunk) and chunk[i] == "^"
    if negated:
        i += 1
    ranges: list[str] = []
    count = 0
    while True:
        if i < len(chunk) and chunk[i] == "]" and count > 0:
            i += 1
            break
        lo, i = _class_char(chunk, i)
        hi = lo
        if chunk[i] == "-":
            hi, i = _class_char(chunk, i + 1)
        # Go accepts reversed ranges and they match nothing; Python's re would reject them.
        if lo <= hi:
            ranges.append(re.escape(lo) if lo == hi else f"{re.escape(lo)}-{re.escape(hi)}")
        count += 1
    if not ranges:
        return ("." if negated else "(?!)"), i
    return "[" + ("^" if negated else "") + "".join(ranges) + "]", i


def _class_char(chunk: str, i: int) -> tuple[str, int]:
    """Read one (possibly escaped) class character; it must not end the pattern, as in Go."""
    if i >= len(chunk) or chunk[i] in "-]":
        raise PatternError("malformed character class")
    if chunk[i] == "\\":
        i += 1
        if i >= len(chunk):
            raise PatternError("trailing backslash")
    if i + 1 >= len(chunk):
        raise PatternError("unterminated character class")
    return chunk[i], i + 1


def _compile_chunk(star: bool, chunk: str) -> _Chunk:
    """Compile a star-free chunk; every item consumes exactly one character, so no backtracking is possible."""
    atoms: list[str] = []
    literal: list[str] | None = []
    i = 0
    while i < len(chunk):
        char = chunk[i]
        if char == "[":
            atom, i = _class_regex(chunk, i)
            atoms.append(atom)
            literal = None
            continue
        if char == "?":
            atoms.append(".")
            literal = None
        else:
            if char == "\\":
                i += 1
                if i >= len(chunk):
                    raise PatternError("trailing backslash")
                char = chunk[i]
            atoms.append(re.escape(char))
            if literal is not None:
                literal.append(char)
        i += 1
    text = None if literal is None else "".join(literal)
    return _Chunk(star, len(atoms), text, re.compile("".join(atoms), re.DOTALL))


def _split(pattern: str) -> list[tuple[bool, str]]:
    """Split a pattern into (preceded-by-star, chunk) pairs exactly like Go's scanChunk."""
    pieces: list[tuple[bool, str]] = []
    while pattern:
        stripped = pattern.lstrip("*")
        star = len(stripped) != len(pattern)
        in_range = False
        i = 0
        while i < len(stripped):
            char = stripped[i]
            if char == "\\":
                i += 1
            elif char == "[":
                in_range = True
            elif char == "]":
                in_range = False
            elif char == "*" and not in_range:
                break
            i += 1
        i = min(i, len(stripped))
        pieces.append((star, stripped[:i]))
        pattern = stripped[i:]
    return pieces


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> tuple[_Chunk, ...]:
    """Compile a `pat()` argument; raise PatternError if Go's filepath.Match would report ErrBadPattern."""
    return tuple(_compile_chunk(star, chunk) for star, chunk in _split(pattern.replace(_SEPARATOR, "")))


def _matches_at(chunk: _Chunk, text: str, pos: int) -> bool:
    if chunk.literal is not None:
        return text.startswith(chunk.literal, pos)
    return chunk.regex.match(text, pos) is not None


def _find(chunk: _Chunk, text: str, pos: int) -> int:
    if chunk.literal is not None:
        return text.find(chunk.literal, pos)
    found = chunk.regex.search(text, pos)
    return -1 if found is None else found.start()


def match(pattern: str, text: str) -> bool:
    """Tell whether text matches the Gatus pattern; a malformed pattern never matches."""
    if pattern == "*":
        return True
    try:
        chunks = compile_pattern(pattern)
    except PatternError:
        return False
    text = text.replace(_SEPARATOR, "")
    pos = 0
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        if chunk.star and chunk.size == 0:
            return True  # a trailing star swallows the rest
        if _matches_at(chunk, text, pos) and (not last or pos + chunk.size == len(text)):
            pos += chunk.size
            continue
        if not chunk.star:
            return False
        if last:
            # Chunks have a fixed width, so only one place can end the text.
            end = len(text) - chunk.size
            return end > pos and _matches_at(chunk, text, end)
        # Like Go, take the leftmost match and never revisit it: this keeps matching linear.
        found = _find(chunk, text, pos + 1)
        if found < 0:
            return False
        pos = found + chunk.size
    return pos == len(text)
