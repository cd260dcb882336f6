"""Gatus-compatible health-check conditions: parsed once when the config loads, evaluated on every check."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property, lru_cache

from tessa_tui.conditions import patterns
from tessa_tui.conditions.go_numbers import parse_go_duration, parse_go_float, parse_go_int
from tessa_tui.conditions.jsonpath import (
    Body,
    PathError,
    eval_path,
    format_number,
    go_sprint,
    lookup,
    trim_space,
    utf8_len,
)

_OPERATORS = ("==", "!=", "<=", ">=", ">", "<")  # Gatus tries them in this order
_INVALID = "(INVALID)"
_PATTERN_DISPLAY_LIMIT = 25  # Gatus's cut for a value shown next to pat()
_DISPLAY_LIMIT = 200  # ours: a multi-megabyte body must not end up in a status line
_WILDCARD = "[*]"
_MAX_WILDCARD_ELEMENTS = 10_000
_SHOWN_FAILURES = 3
# Last line of defence in evaluate(): what a body we failed to foresee could still raise deep inside.
_UNEXPECTED = (ArithmeticError, LookupError, RecursionError, TypeError, ValueError)
_Compare = Callable[[int | float, int | float], bool]
_COMPARE: dict[str, _Compare] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class ConditionError(ValueError):
    """A condition that can never be evaluated, reported once when the configuration is loaded."""

    def __init__(self, condition: str, reason: str = "") -> None:
        shown = condition.replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(f"invalid condition: {shown}" + (f" ({reason})" if reason else ""))
        self.condition = condition
        self.reason = reason


class _Fn(Enum):
    NONE = ""
    LEN = "len("
    HAS = "has("


class _Kind(Enum):
    LITERAL = "literal"
    STATUS = "[STATUS]"
    IP = "[IP]"
    RESPONSE_TIME = "[RESPONSE_TIME]"
    DNS_RCODE = "[DNS_RCODE]"
    CONNECTED = "[CONNECTED]"
    CERTIFICATE_EXPIRATION = "[CERTIFICATE_EXPIRATION]"
    DOMAIN_EXPIRATION = "[DOMAIN_EXPIRATION]"
    BODY = "[BODY]"
    BODY_PATH = "[BODY]."
    HEADER = "[HEADER]."
    CONTEXT = "[CONTEXT]"


_BASIC = {kind.value: kind for kind in _Kind if kind.value.endswith("]")}
_READS = {
    _Kind.STATUS: "status",
    _Kind.IP: "ip",
    _Kind.RESPONSE_TIME: "response_time_ms",
    _Kind.DNS_RCODE: "dns_rcode",
    _Kind.CONNECTED: "connected",
    _Kind.CERTIFICATE_EXPIRATION: "certificate_expiration_ms",
    _Kind.DOMAIN_EXPIRATION: "domain_expiration_ms",
    _Kind.BODY: "body",
    _Kind.BODY_PATH: "body",
    _Kind.HEADER: "headers",
    _Kind.CONTEXT: "context",
}
_EXPIRATIONS = (_Kind.CERTIFICATE_EXPIRATION.value, _Kind.DOMAIN_EXPIRATION.value)
PLACEHOLDERS: tuple[str, ...] = tuple(kind.value for kind in _Kind if kind is not _Kind.LITERAL)
"""Every placeholder the grammar resolves (`[BODY].` and `[HEADER].` stand for any path or name after them)."""


@dataclass(frozen=True)
class _Operand:
    text: str  # as written, trimmed: what Gatus calls the parameter
    fn: _Fn
    kind: _Kind
    argument: str  # the path, header name or placeholder the kind needs

    @property
    def literal(self) -> bool:
        """Tell whether the operand stands for itself, the only place pat() and any() are recognised."""
        return self.kind is _Kind.LITERAL and self.fn is _Fn.NONE


@dataclass(frozen=True)
class Condition:
    """A parsed condition such as `[STATUS] == 200`; build it with parse_condition()."""

    text: str
    operator: str
    left: _Operand = field(repr=False)
    right: _Operand = field(repr=False)
    wildcard: tuple[str, int] | None = field(repr=False)

    @property
    def reads(self) -> frozenset[str]:
        """The Observation fields its outcome depends on: with the same values it evaluates the same."""
        reads = {_READS[operand.kind] for operand in (self.left, self.right) if operand.kind in _READS}
        return frozenset(reads | ({"body"} if self.wildcard else set()))

    @property
    def placeholders(self) -> frozenset[str]:
        """The placeholders it resolves, as named in PLACEHOLDERS: what a check must be able to fill."""
        used = {operand.kind.value for operand in (self.left, self.right) if operand.kind is not _Kind.LITERAL}
        return frozenset(used | ({_Kind.BODY_PATH.value} if self.wildcard else set()))


@dataclass(frozen=True)
class ConditionResult:
    """The outcome of one condition, with the Gatus-style display (`[STATUS] (503) == 200`)."""

    condition: str
    success: bool
    display: str


@dataclass(frozen=True)
class Observation:
    """What one check observed; the body is decoded and parsed as JSON lazily, at most once."""

    status: int = 0
    response_time_ms: float = 0
    body: bytes | str = b""
    connected: bool = False
    ip: str = ""
    certificate_expiration_ms: float = 0
    domain_expiration_ms: float = 0
    dns_rcode: str = ""
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    context: Mapping[str, object] | None = field(default=None, hash=False)

    @cached_property
    def lazy_body(self) -> Body:
        """The body's decoded text and JSON document, computed on first use and shared by all conditions."""
        return Body(self.body)


def _function_call(text: str) -> tuple[str, str] | None:
    """Split `name(inner)` for the functions Gatus knows; return None for anything else."""
    for name in ("len(", "has(", "age(", "pat(", "any("):
        if text.startswith(name):
            return (name, text[len(name) : -1]) if text.endswith(")") else (name, "")
    return None


def _parse_operand(text: str, condition: str) -> _Operand:
    call = _function_call(text)
    if call is not None and not text.endswith(")"):
        raise ConditionError(condition, f"{call[0]} is not closed in {text!r}")
    fn, inner = _Fn.NONE, text
    if call is not None and call[0] == "age(":
        raise ConditionError(condition, "age() is not supported")
    if call is not None and call[0] in ("len(", "has("):
        fn, inner = _Fn(call[0]), call[1]
    upper = inner.upper()
    if upper.startswith("[CONTEXT]"):
        return _Operand(text, fn, _Kind.CONTEXT, inner)
    if upper in _BASIC:
        return _Operand(text, fn, _BASIC[upper], inner)
    if upper.startswith("[HEADER]."):
        return _Operand(text, fn, _Kind.HEADER, inner[len("[HEADER].") :])
    if upper.startswith(("[BODY].", "[BODY][")):
        return _Operand(text, fn, _Kind.BODY_PATH, inner[len("[BODY]") :].removeprefix("."))
    return _Operand(text, fn, _Kind.LITERAL, inner)


def _find_wildcard(text: str) -> tuple[str, int] | None:
    """Locate the first `[*]` that belongs to a [BODY] path; return the array's path and the `[*]` index."""
    index = text.find(_WILDCARD)
    if index < 0:
        return None
    before = text[:index].upper()
    start = before.rfind("[BODY]")
    if len(before) != index or start < 0:
        return None
    path = text[start + len("[BODY]") : index]
    return None if " " in path else (path.removeprefix("."), index)


def parse_condition(text: str) -> Condition:
    """Parse and validate a condition; raise ConditionError with a one-line message if it is invalid."""
    op = next((candidate for candidate in _OPERATORS if f" {candidate} " in text), None)
    if op is None:
        raise ConditionError(text)
    parts = text.split(f" {op} ")
    if len(parts) != 2:
        raise ConditionError(text, f"{op!r} appears more than once")
    if not all(trim_space(part) for part in parts):
        raise ConditionError(text, "an operand is missing")
    left, right = (_parse_operand(trim_space(part), text) for part in parts)
    calls = [_literal_call(left), _literal_call(right)]
    if op not in ("==", "!=") and any(calls):
        raise ConditionError(text, "pat() and any() only work with == and !=")
    if calls.count("pat(") == 1:
        pattern = (left if calls[0] == "pat(" else right).text[4:-1]
        try:
            patterns.compile_pattern(pattern)
        except patterns.PatternError as error:
            raise ConditionError(text, f"malformed pattern {pattern!r}: {error}") from error
    return Condition(text, op, left, right, _find_wildcard(text))


def _literal_call(operand: _Operand) -> str | None:
    """Return `pat(` or `any(` when the operand is written as that call."""
    prefix = operand.text[:4]
    return prefix if operand.literal and prefix in ("pat(", "any(") and operand.text.endswith(")") else None


def _with_fn(value: str, fn: _Fn) -> str:
    if fn is _Fn.HAS:
        return _go_bool(value != "")
    return str(utf8_len(value)) if fn is _Fn.LEN else value


def _go_bool(value: bool) -> str:
    return "true" if value else "false"


def _milliseconds(value: float) -> str:
    return str(int(value)) if math.isfinite(value) else "0"


def _resolve_context(operand: _Operand, context: Mapping[str, object]) -> str:
    # Like Gatus, only the exact spelling `[CONTEXT]` is stripped, so `[context].x` is never found.
    path = operand.argument.removeprefix("[CONTEXT]").removeprefix(".")
    value: object = context
    found = bool(path)
    for part in path.split(".") if path else ():
        if not isinstance(value, Mapping) or part not in value:
            found = False
            break
        value = value[part]
    if operand.fn is _Fn.HAS:
        return _go_bool(found)
    if not found:
        return f"{operand.text} {_INVALID}"
    if operand.fn is _Fn.LEN:
        return str(len(value) if isinstance(value, list | tuple | Mapping) else utf8_len(go_sprint(value)))
    return go_sprint(value)


def _basic_value(kind: _Kind, observation: Observation) -> str | None:
    match kind:
        case _Kind.STATUS:
            return str(observation.status)
        case _Kind.IP:
            return observation.ip
        case _Kind.RESPONSE_TIME:
            return _milliseconds(observation.response_time_ms)
        case _Kind.DNS_RCODE:
            return observation.dns_rcode
        case _Kind.CONNECTED:
            return _go_bool(observation.connected)
        case _Kind.CERTIFICATE_EXPIRATION:
            return _milliseconds(observation.certificate_expiration_ms)
        case _Kind.DOMAIN_EXPIRATION:
            return _milliseconds(observation.domain_expiration_ms)
    return None


def _resolve(operand: _Operand, observation: Observation) -> str:
    """Resolve an operand to text exactly like Gatus's ResolvePlaceholder."""
    kind, fn = operand.kind, operand.fn
    if kind is _Kind.CONTEXT and observation.context is not None:
        return _resolve_context(operand, observation.context)
    if kind is _Kind.BODY:
        body = observation.lazy_body
        if fn is _Fn.HAS:
            return _go_bool(body.trimmed != "")
        if fn is _Fn.LEN:
            try:
                return str(eval_path("", body)[1])
            except PathError:
                return str(body.trimmed_size)
        return body.trimmed
    if kind is _Kind.BODY_PATH:
        try:
            value, length = eval_path(operand.argument, observation.lazy_body)
        except PathError:
            return "false" if fn is _Fn.HAS else f"{operand.text} {_INVALID}"
        return "true" if fn is _Fn.HAS else str(length) if fn is _Fn.LEN else value
    if kind is _Kind.HEADER:
        name = operand.argument.lower()
        values = [value for key, value in observation.headers.items() if key.lower() == name]
        if fn is _Fn.HAS:
            return _go_bool(bool(values))
        return _with_fn(values[0], fn) if values else f"{operand.text} {_INVALID}"
    basic = _basic_value(kind, observation)
    if basic is not None:
        return _with_fn(basic, fn)
    # Unknown placeholders and plain words stand for themselves, so `raw == raw` holds.
    if fn is _Fn.HAS:
        return "false"
    return f"{operand.text} {_INVALID}" if fn is _Fn.LEN else operand.text


def resolve_placeholder(text: str, observation: Observation) -> str:
    """Resolve one operand (`[BODY].id`, `len([IP])`, `200`) to the text a condition compares."""
    operand = trim_space(text)
    return _resolve(_parse_operand(operand, operand), observation)


def _to_number(text: str) -> int | float:
    """Turn a resolved value into a number the way Gatus does, but keep fractions instead of truncating."""
    # Short texts (a literal such as `500`, a status, a latency) come back run after run: parsed once each.
    return _short_number(text) if len(text) <= _CACHED_NUMBER else _parse_number(text)


_CACHED_NUMBER = 32


@lru_cache(maxsize=1024)
def _short_number(text: str) -> int | float:
    return _parse_number(text)


def _parse_number(text: str) -> int | float:
    nanoseconds = parse_go_duration(text)
    if nanoseconds:
        milliseconds = abs(nanoseconds) // 10**6
        return -milliseconds if nanoseconds < 0 else milliseconds
    integer = parse_go_int(text)
    if integer is not None:
        return integer
    real = parse_go_float(text)
    return 0 if real is None else real


def _format_duration(milliseconds: int) -> str:
    """Show a duration like Gatus (`336h`, `1h30m`, `1h0m15s`) without its trailing-zero mangling (`10m`)."""
    seconds = abs(milliseconds) // 1000
    hours, minutes, seconds = seconds // 3600, seconds // 60 % 60, seconds % 60
    if hours:
        text = f"{hours}h" + (f"{minutes}m{seconds}s" if seconds else f"{minutes}m" if minutes else "")
    elif minutes:
        text = f"{minutes}m" + (f"{seconds}s" if seconds else "")
    else:
        text = f"{seconds}s"
    return "-" + text if milliseconds < 0 and text != "0s" else text


def _numeric_display(operand: _Operand, value: float) -> str:
    return _format_duration(int(value)) if _shown_as_duration(operand.text) else format_number(value)


@lru_cache(maxsize=1024)
def _shown_as_duration(text: str) -> bool:
    """Whether an operand's value is shown as a duration: an expiration, or a duration written in the condition.

    Keyed by the operand's text as written in the config: a few distinct ones, each worked out once.
    """
    # Unlike Gatus we leave a bare 0 alone: `> 0` reading `> 0 (0s)` is noise, not information.
    return text in _EXPIRATIONS or (parse_go_duration(text) is not None and text.strip("+-") != "0")


def _is_equal(first: str, second: str, first_literal: bool, second_literal: bool) -> bool:
    """Gatus's isEqual, with pat()/any() honoured only where the condition itself spells them out."""
    if first == second:  # whatever pat(), any() or a number make of them, the same text is equal to itself
        return True
    first_call = first_literal and first.endswith(")")
    second_call = second_literal and second.endswith(")")
    if first_call or second_call:
        first_pat = first_call and first.startswith("pat(")
        second_pat = second_call and second.startswith("pat(")
        first, second = first[4:-1] if first_pat else first, second[4:-1] if second_pat else second
        if first_pat != second_pat:
            return patterns.match(first, second) if first_pat else patterns.match(second, first)
        first_any = first_call and first.startswith("any(")
        second_any = second_call and second.startswith("any(")
        if first_any != second_any:
            options, value = (first, second) if first_any else (second, first)
            options = options.removeprefix("any(").removesuffix(")")
            return any(trim_space(option) == value for option in options.split(","))
    first_int, second_int = parse_go_int(first), parse_go_int(second)
    if first_int is not None and second_int is not None:
        return first_int == second_int
    return first == second


def _clip(text: str, limit: int, marker: str = "...(truncated)") -> str:
    return text[:limit] + marker if len(text) > limit else text


def _prettify(condition: Condition, resolved: list[str]) -> str:
    """Show each operand with its resolved value in parentheses when that differs, like Gatus."""
    operands = (condition.left, condition.right)
    for side in (0, 1):
        other = resolved[1 - side]
        if (
            operands[side].text.startswith("pat(")
            and operands[side].text.endswith(")")
            and (len(other) > _PATTERN_DISPLAY_LIMIT or utf8_len(other) > _PATTERN_DISPLAY_LIMIT)
        ):
            resolved[1 - side] = other[:_PATTERN_DISPLAY_LIMIT] + "...(truncated)"
    shown = []
    for operand, value in zip(operands, resolved, strict=True):
        if value == f"{operand.text} {_INVALID}" or value == operand.text:
            shown.append(value)
        else:
            shown.append(f"{operand.text} ({_clip(value, _DISPLAY_LIMIT)})")
    return f"{shown[0]} {condition.operator} {shown[1]}"


def _evaluate_plain(condition: Condition, observation: Observation, flags: tuple[bool, bool]) -> tuple[bool, str]:
    left, right = _resolve(condition.left, observation), _resolve(condition.right, observation)
    if condition.operator in ("==", "!="):
        equal = _is_equal(left, right, condition.left.literal, condition.right.literal)
        success = equal if condition.operator == "==" else not equal
        resolved = [left, right]
    else:
        first, second = _to_number(left), _to_number(right)
        success = _COMPARE[condition.operator](first, second)
        resolved = [_numeric_display(condition.left, first), _numeric_display(condition.right, second)]
    resolve_successful, dont_resolve_failed = flags
    if resolve_successful if success else not dont_resolve_failed:
        return success, _prettify(condition, resolved)
    return success, condition.text


def _run(
    condition: Condition, observation: Observation, flags: tuple[bool, bool], budget: list[int]
) -> tuple[bool, list[str]]:
    """Evaluate a condition, expanding a `[BODY]...[*]` wildcard into one evaluation per array element."""
    if condition.wildcard is None:
        success, display = _evaluate_plain(condition, observation, flags)
        return success, [display]
    path, index = condition.wildcard
    try:
        items = lookup(path, observation.lazy_body.document())
    except (PathError, RecursionError):
        items = None
    count = len(items) if isinstance(items, list) else 0
    if count == 0:
        return False, [f"{condition.text} (no elements matched)"]
    if count > budget[0]:
        return False, [f"{condition.text} (too many elements: {count})"]
    budget[0] -= count
    failures: list[str] = []
    for position in range(count):
        expanded = parse_condition(f"{condition.text[:index]}[{position}]{condition.text[index + len(_WILDCARD) :]}")
        success, displays = _run(expanded, observation, flags, budget)
        if not success:
            failures += displays
    if failures:
        return False, failures
    return True, [f"{condition.text} ({count} elements)" if flags[0] else condition.text]


def evaluate(
    condition: Condition,
    observation: Observation,
    *,
    resolve_successful_conditions: bool = False,
    dont_resolve_failed_conditions: bool = False,
) -> ConditionResult:
    """Evaluate a parsed condition; never raises, whatever the response contains."""
    flags = (resolve_successful_conditions, dont_resolve_failed_conditions)
    try:
        success, displays = _run(condition, observation, flags, [_MAX_WILDCARD_ELEMENTS])
    except _UNEXPECTED as error:  # a hostile response must fail its own check, never crash the console
        return ConditionResult(condition.text, False, f"{condition.text} (ERROR: {_clip(str(error), 80)})")
    display = "; ".join(displays[:_SHOWN_FAILURES])
    if len(displays) > _SHOWN_FAILURES:
        display += f"; and {len(displays) - _SHOWN_FAILURES} more"
    return ConditionResult(condition.text, success, display)


def evaluate_all(
    conditions: Iterable[Condition],
    observation: Observation,
    *,
    resolve_successful_conditions: bool = False,
    dont_resolve_failed_conditions: bool = False,
) -> list[ConditionResult]:
    """Evaluate every condition against one observation, sharing its parsed body."""
    return [
        evaluate(
            condition,
            observation,
            resolve_successful_conditions=resolve_successful_conditions,
            dont_resolve_failed_conditions=dont_resolve_failed_conditions,
        )
        for condition in conditions
    ]
