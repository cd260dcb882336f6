"""Conditions, JSON paths, Go numbers and patterns under generated bodies and condition strings: total.

A condition that passed validation, evaluated against any body a server can send (JSON of every shape,
non-finite and huge numbers, 100k-deep nesting, invalid UTF-8), returns a result and never raises; the
parsers under them (jsonpath, go_numbers, patterns) return or raise their own one error type, nothing else.
"""

from __future__ import annotations

import contextlib

from hypothesis import assume, example, given
from hypothesis import strategies as st

from tessa_tui.conditions import patterns
from tessa_tui.conditions.condition import (
    ConditionError,
    ConditionResult,
    Observation,
    evaluate,
    parse_condition,
)
from tessa_tui.conditions.go_numbers import parse_go_duration, parse_go_float, parse_go_int
from tessa_tui.conditions.jsonpath import Body, PathError, eval_path, go_marshal, go_sprint, lookup
from tests.hostile.strategies_json import BODIES, JSON_VALUES, TEXT

KEYS = st.one_of(st.sampled_from(["status", "a", "id", "data", "items", "name", "0", "-1", ""]), TEXT)
INDEXES = st.one_of(
    st.integers(-3, 5).map(str),
    st.sampled_from(["*", "99999999999999999999", "-" + "0" * 5000 + "1", "0" * 5000, "+1", "1e3", "", "x"]),
)
SEGMENTS = st.one_of(
    KEYS,
    st.tuples(KEYS, st.lists(INDEXES, min_size=1, max_size=3)).map(lambda t: t[0] + "".join(f"[{i}]" for i in t[1])),
    st.tuples(KEYS, TEXT).map(lambda t: f'#({t[0]}=="{t[1]}")'),
    st.sampled_from(['#(name=="x")', "#(", "#()", '#(a=="")', "[0][*]", "[*]"]),
)
PATHS = st.lists(SEGMENTS, min_size=0, max_size=5).map(".".join)
PLACEHOLDERS = st.sampled_from(
    [
        "[STATUS]",
        "[BODY]",
        "[IP]",
        "[RESPONSE_TIME]",
        "[CONNECTED]",
        "[CERTIFICATE_EXPIRATION]",
        "[DOMAIN_EXPIRATION]",
        "[DNS_RCODE]",
        "[HEADER].content-type",
        "[HEADER].x-big",
        "[CONTEXT].a.b",
        "[body]",
    ]
)
LITERALS = st.one_of(
    st.sampled_from(
        [
            "200",
            "-1",
            "0",
            "0x1F",
            "1_000",
            "1e400",
            "-1e400",
            "Infinity",
            "NaN",
            "1h30m",
            "-2m",
            "9" * 5000,
            "0" * 5000 + "1s",
            "1." + "5" * 5000 + "s",
            "true",
            "false",
            "<nil>",
            "(INVALID)",
            "ok",
            "*",
        ]
    ),
    TEXT.filter(lambda t: " " not in t),
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.floats().map(repr),
)
PATTERN_ARGS = st.one_of(
    TEXT, st.sampled_from(["*", "*ok*", "[a-z]*", "[^x]?", "\\*", "a*b*c*d*e*f*", "[z-a]", "[", "\\", "*" * 50])
)
ANY_ARGS = st.lists(TEXT, max_size=4).map(",".join)


@st.composite
def operands(draw: st.DrawFn) -> str:
    base = draw(
        st.one_of(PLACEHOLDERS, PATHS.map(lambda p: f"[BODY].{p}"), PATHS.map(lambda p: f"[BODY]{p}"), LITERALS)
    )
    wrap = draw(st.sampled_from(["{}", "{}", "len({})", "has({})", "pat({})", "any({})"]))
    if wrap == "pat({})":
        return f"pat({draw(PATTERN_ARGS)})"
    if wrap == "any({})":
        return f"any({draw(ANY_ARGS)})"
    return wrap.format(base)


# Composed conditions; spaces inside an operand would make most of them invalid (wasted examples).
COMPOSED = st.tuples(operands(), st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), operands()).map(
    lambda t: f"{t[0].replace(' ', '')} {t[1]} {t[2].replace(' ', '')}"
)
CONDITION_TEXTS = st.one_of(
    COMPOSED,
    TEXT,
    st.sampled_from(["[STATUS] == 200", "[BODY].data[*].id > 0", "[BODY][*][*] == 1", "len([BODY]) < 10"]),
)
HEADERS = st.dictionaries(st.sampled_from(["content-type", "x-big", "X-Big"]), TEXT, max_size=3)


@given(CONDITION_TEXTS)
@example("[BODY].a[" + "-" + "0" * 5000 + "1] == 1")
def test_parse_condition_returns_or_says_why(text: str) -> None:
    """Validation itself is total: a Condition, or a ConditionError with one line."""
    message = "invalid condition"
    try:
        parse_condition(text)
    except ConditionError as error:
        message = str(error)
    assert message.startswith("invalid condition")


@given(COMPOSED, BODIES, HEADERS, st.integers(-1, 1000), st.floats(allow_nan=True, allow_infinity=True))
@example("[BODY].a[-" + "0" * 5000 + "1] == 1", b'{"a": [1]}', {}, 200, 0.0)
@example("[BODY][*] == 1", b"[" * 100_000 + b"]" * 100_000, {}, 200, 0.0)
@example("[BODY].status == ok", b'{"status": 1e400}', {}, 200, float("nan"))
@example("len([BODY]) > 0", b"\xff\xfe[1]", {}, 200, 1e308)
@example("[RESPONSE_TIME] < 1e400", b"", {}, 200, float("inf"))
def test_a_valid_condition_on_any_body_returns_a_result(
    text: str, body: bytes, headers: dict[str, str], status: int, elapsed: float
) -> None:
    try:
        condition = parse_condition(text)
    except ConditionError:
        assume(False)
        return
    observation = Observation(status=status, response_time_ms=elapsed, body=body, connected=True, headers=headers)
    result = evaluate(condition, observation)
    assert isinstance(result, ConditionResult)
    assert isinstance(result.success, bool) and isinstance(result.display, str)
    assert "(ERROR:" not in result.display, result.display  # an evaluation error is a bug we did not foresee


@given(PATHS, BODIES)
@example("a[-" + "0" * 5000 + "1]", b'{"a": [1]}')
@example("a." * 5000 + "a", b'{"a": {"a": 1}}')
def test_jsonpath_on_any_body_returns_a_value_or_path_error(path: str, body: bytes) -> None:
    try:
        text, length = eval_path(path, Body(body))
    except PathError:
        return
    assert isinstance(text, str) and isinstance(length, int)


@given(PATHS, JSON_VALUES)
def test_lookup_and_rendering_of_any_document(path: str, document: object) -> None:
    try:
        found = lookup(path, document)
    except PathError:
        return
    assert isinstance(go_sprint(found), str)
    with contextlib.suppress(PathError):  # a value Go cannot marshal says so
        assert isinstance(go_marshal(found), str)


@given(st.one_of(TEXT, LITERALS))
@example("0" * 5000 + "1s")
@example("-" + "9" * 5000)
def test_go_number_parsers_return_or_none(text: str) -> None:
    assert parse_go_int(text) is None or isinstance(parse_go_int(text), int)
    assert parse_go_float(text) is None or isinstance(parse_go_float(text), float)
    assert parse_go_duration(text) is None or isinstance(parse_go_duration(text), int)


@given(PATTERN_ARGS, TEXT)
def test_patterns_match_or_not(pattern: str, text: str) -> None:
    assert isinstance(patterns.match(pattern, text), bool)
    with contextlib.suppress(patterns.PatternError):
        patterns.compile_pattern(pattern)
