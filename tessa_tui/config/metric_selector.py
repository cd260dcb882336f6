"""A Prometheus series selector, `name{label="value", label!="v", label=~"re", label!~"re"}`: which samples of a
scrape a metrics series reads. Parsed once when the config loads, so a typo is a `file:line` error, not a tile
that never fills. Only the selector grammar (PromQL's), not PromQL: a scrape has no query engine.

Regular expressions are RE2's, as Prometheus's are (Go's regexp): matched in linear time, so a pattern such as
`(a+)+` meeting a long label value from a scrape cannot freeze the console as a backtracking engine would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tessa_tui.base.linear_regex import LinearPattern

Op = Literal["=", "!=", "=~", "!~"]
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_OP = re.compile(r"=~|!~|!=|=")
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}
MAX_SELECTOR = 1000


class SelectorError(ValueError):
    """The text is not a series selector; the message says where and why."""


@dataclass(frozen=True)
class Matcher:
    label: str
    op: Op
    value: str
    pattern: LinearPattern | None = None
    """For =~ and !~: the value compiled by RE2, matched whole (anchored at both ends as Prometheus anchors it)."""

    def matches(self, labels: dict[str, str]) -> bool:
        have = labels.get(self.label, "")  # an absent label matches "" as in Prometheus
        if self.op == "=":
            return have == self.value
        if self.op == "!=":
            return have != self.value
        assert self.pattern is not None
        try:
            found = self.pattern.fullmatch(have) is not None
        except UnicodeError:  # a lone surrogate no scrape can carry (it is decoded with replacement): no match
            found = False
        return found if self.op == "=~" else not found


@dataclass(frozen=True)
class Selector:
    name: str
    matchers: tuple[Matcher, ...] = ()
    text: str = ""

    def matches(self, name: str, labels: dict[str, str]) -> bool:
        return name == self.name and all(m.matches(labels) for m in self.matchers)


def parse_selector(text: str) -> Selector:
    """`text` as a Selector; SelectorError saying what is wrong (the metric name is required)."""
    if len(text) > MAX_SELECTOR:
        raise SelectorError(f"longer than {MAX_SELECTOR} characters")
    source = text.strip()
    name_match = _NAME.match(source)
    if name_match is None:
        raise SelectorError('starts with a metric name, e.g. node_cpu_seconds_total{mode="idle"}')
    name, at = name_match.group(0), name_match.end()
    matchers: list[Matcher] = []
    if at < len(source):
        if source[at] != "{" or not source.endswith("}"):
            raise SelectorError(f'after {name!r} comes `{{label="value", ...}}` or nothing')
        matchers = _matchers(source[at + 1 : -1])
    return Selector(name, tuple(matchers), source)


def _matchers(body: str) -> list[Matcher]:
    found: list[Matcher] = []
    at = 0
    while True:
        at = _skip_space(body, at)
        if at >= len(body):
            return found
        label = _LABEL.match(body, at)
        if label is None:
            raise SelectorError(f"a label name is expected at {body[at : at + 20]!r}")
        at = _skip_space(body, label.end())
        op = _OP.match(body, at)
        if op is None:
            raise SelectorError(f"label {label.group(0)!r}: one of = != =~ !~ is expected")
        value, at = _string(body, _skip_space(body, op.end()))
        operator: Op = op.group(0)  # type: ignore[assignment]  # the regex allows only the four
        pattern = None
        if operator in ("=~", "!~"):
            pattern = _compile(label.group(0), value)
        found.append(Matcher(label.group(0), operator, value, pattern))
        at = _skip_space(body, at)
        if at < len(body):
            if body[at] != ",":
                raise SelectorError(f"`,` or `}}` is expected at {body[at : at + 20]!r}")
            at += 1


def _compile(label: str, value: str) -> LinearPattern:
    """`value` as an RE2 pattern (Prometheus's syntax: no backreferences or lookarounds)."""
    from tessa_tui.base.linear_regex import compile_linear  # a selector with a pattern: not every config's

    try:
        return compile_linear(value)
    except ValueError as exc:
        raise SelectorError(f"label {label!r}: not a regular expression ({exc})") from None


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t":
        at += 1
    return at


def _string(text: str, at: int) -> tuple[str, int]:
    """A double- or single-quoted string starting at `at`: (its value, the index after it)."""
    if at >= len(text) or text[at] not in "\"'":
        raise SelectorError("a label value is a quoted string")
    quote, chars, at = text[at], [], at + 1
    while at < len(text):
        char = text[at]
        if char == "\\" and at + 1 < len(text):
            chars.append(_ESCAPES.get(text[at + 1], "\\" + text[at + 1]))
            at += 2
            continue
        if char == quote:
            return "".join(chars), at + 1
        chars.append(char)
        at += 1
    raise SelectorError("a label value's quote is not closed")
