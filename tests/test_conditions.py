"""Gatus-compatible conditions, driven by Gatus's own test tables plus our deliberate deviations."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tessa_tui.conditions import patterns
from tessa_tui.conditions.condition import (
    ConditionError,
    Observation,
    evaluate,
    evaluate_all,
    parse_condition,
    resolve_placeholder,
)
from tessa_tui.conditions.go_numbers import parse_go_duration, parse_go_float, parse_go_int
from tessa_tui.conditions.jsonpath import Body, PathError, eval_path

FIXTURE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gatus" / "gatus_conditions.json"

# Fixture cases where Gatus's expected result is one we deliberately do not reproduce, keyed by case name,
# with OUR (success, display). Each one is explained under "Deviations from Gatus" in docs/conditions.md.
# Gatus's own tables contain none of the inputs our deviations touch (numbers >= 1e6, fractional numbers
# in <, <=, >, >=, pat()/any() text inside responses...), so the table is empty; the hand-written tests
# below pin each deviation instead.
DEVIATIONS: dict[str, tuple[bool, str]] = {}


def _fixture() -> dict[str, Any] | None:
    if not FIXTURE.is_file():
        return None
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


DATA = _fixture()
# A hang guard, not a speed assertion: these inputs keep a backtracking matcher busy for hours, and the linear
# code takes under two seconds on an idle machine.
LINEAR_GUARD_S = 60
MISSING = pytest.param(None, marks=pytest.mark.skip(reason=f"Gatus fixture not found at {FIXTURE}"), id="no-fixture")


def _cases(section: str, key: str) -> list[Any]:
    """One pytest param per fixture case, with a readable unique id; a single skipped param without data."""
    if DATA is None:
        return [MISSING]
    return [pytest.param(case, id=f"{i:03d}-{case.get(key, '')}") for i, case in enumerate(DATA[section])]


def _observation(inputs: dict[str, Any], context: dict[str, Any] | None = None) -> Observation:
    return Observation(
        status=inputs.get("status", 0),
        response_time_ms=inputs.get("response_time_ms", 0),
        body=inputs.get("body", "").encode(),
        connected=inputs.get("connected", False),
        ip=inputs.get("ip", ""),
        certificate_expiration_ms=inputs.get("certificate_expiration_ms", 0),
        domain_expiration_ms=inputs.get("domain_expiration_ms", 0),
        dns_rcode=inputs.get("dns_rcode", ""),
        context=context,
    )


@pytest.mark.parametrize("case", _cases("evaluate", "name"))
def test_evaluate_matches_gatus(case: dict[str, Any]) -> None:
    result = evaluate(
        parse_condition(case["condition"]),
        _observation(case["inputs"], case["context"]),
        resolve_successful_conditions=case["resolve_successful_conditions"],
        dont_resolve_failed_conditions=case["dont_resolve_failed_conditions"],
    )
    expected = DEVIATIONS.get(case["name"], (case["expected_success"], case["expected_display"]))
    assert (result.success, result.display) == expected
    assert result.condition == case["condition"]


@pytest.mark.parametrize("case", _cases("validate", "condition"))
def test_validate_matches_gatus(case: dict[str, Any]) -> None:
    if case["expected_valid"]:
        assert parse_condition(case["condition"]).text == case["condition"]
        return
    with pytest.raises(ConditionError) as raised:
        parse_condition(case["condition"])
    assert str(raised.value) == case["expected_error"]


@pytest.mark.parametrize("case", _cases("placeholder", "name"))
def test_placeholder_matches_gatus(case: dict[str, Any]) -> None:
    assert DATA is not None
    fixtures = DATA["placeholder_fixtures"]
    context = fixtures["contexts"][case["context_ref"]] if case["context_ref"] else None
    observation = _observation(fixtures["results"][case["result_ref"]], context)
    assert resolve_placeholder(case["placeholder"], observation) == case["expected"]


@pytest.mark.parametrize("case", _cases("jsonpath", "name"))
def test_jsonpath_matches_gatus(case: dict[str, Any]) -> None:
    body = Body(case["data"].encode())
    if case["expected_error"]:
        with pytest.raises(PathError):
            eval_path(case["path"], body)
    else:
        assert eval_path(case["path"], body) == (case["expected_output"], case["expected_output_length"])


@pytest.mark.parametrize("case", _cases("pattern", "pattern"))
def test_pattern_matches_gatus(case: dict[str, Any]) -> None:
    assert patterns.match(case["pattern"], case["string"]) is case["expected_match"]


def _check(condition: str, observation: Observation, **flags: bool) -> tuple[bool, str]:
    result = evaluate(parse_condition(condition), observation, **flags)
    return result.success, result.display


def test_request_that_failed_to_connect() -> None:
    down = Observation(status=0, connected=False, response_time_ms=3012.9)
    results = evaluate_all(
        [parse_condition(c) for c in ("[STATUS] == 200", "[CONNECTED] == true", "[BODY].status == UP")], down
    )
    assert [(r.success, r.display) for r in results] == [
        (False, "[STATUS] (0) == 200"),
        (False, "[CONNECTED] (false) == true"),
        (False, "[BODY].status (INVALID) == UP"),
    ]
    assert _check("[RESPONSE_TIME] < 3000", down) == (False, "[RESPONSE_TIME] (3012) < 3000")


def test_invalid_json_body_fails_the_condition_without_raising() -> None:
    broken = Observation(status=200, body=b'{"status": "UP"')
    assert _check("[BODY].status == UP", broken) == (False, "[BODY].status (INVALID) == UP")
    assert _check("has([BODY].status) == true", broken) == (False, "has([BODY].status) (false) == true")
    assert _check("len([BODY].status) > 0", broken) == (False, "len([BODY].status) (0) > 0")
    assert _check("[BODY] == pat(*UP*)", broken) == (True, "[BODY] == pat(*UP*)")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000,  # nesting far beyond any recursion limit
        b"[" * 900 + b"1" + b"]" * 900,  # deep but valid: rendering may recurse
        b'{"id": 1e999}',  # out of float range, which Go's decoder rejects too
        b'{"id": NaN}',
        b'{"id": ' + b"9" * 5000 + b"}",  # longer than Python's int conversion limit
        b"\xff\xfe\x00{garbage",
        b'{"a": "\\ud800"}',  # lone surrogate escape
        b"",
    ],
    ids=["unclosed-nesting", "deep-nesting", "float-overflow", "nan", "huge-int", "not-utf8", "surrogate", "empty"],
)
@pytest.mark.parametrize(
    "condition",
    [
        "[BODY][0] == 1",
        "[BODY].id > 5",
        "len([BODY]) > 0",
        "[BODY].a == pat(*)",
        "[BODY][*] == 1",
        "len([BODY][0]) == 1",
    ],
)
def test_hostile_bodies_never_raise(body: bytes, condition: str) -> None:
    result = evaluate(parse_condition(condition), Observation(body=body))
    assert isinstance(result.success, bool)
    assert len(result.display) < 1_000


@pytest.mark.timeout(LINEAR_GUARD_S)
def test_five_megabyte_body_is_parsed_once_and_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [{"id": i, "name": f"service-{i}", "tags": ["a", "b"]} for i in range(110_000)]
    raw = json.dumps({"status": "UP", "items": items, "tail": "needle"}).encode()
    assert len(raw) > 5_000_000
    calls = 0
    real_loads = json.loads

    def counting_loads(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return real_loads(*args, **kwargs)

    monkeypatch.setattr(json, "loads", counting_loads)
    conditions = [
        parse_condition(text)
        for text in (
            "[BODY].status == UP",
            "len([BODY].items) == 110000",
            "[BODY].items[109999].name == service-109999",
            "has([BODY].missing) == false",
            "[BODY] == pat(*needle*)",
            "[BODY] == pat(*a*a*a*a*a*a*a*a*a*a*zzz*)",
            "[BODY] == nope",
        )
    ]
    results = evaluate_all(conditions, Observation(body=raw))
    assert [r.success for r in results] == [True, True, True, True, True, False, False]
    assert calls == 1
    assert len(results[-1].display) < 300  # the body is cut in the display, not copied whole


@pytest.mark.timeout(LINEAR_GUARD_S)
def test_pattern_matching_is_linear_on_adversarial_input() -> None:
    text = "a" * 2_000_000
    assert not patterns.match("*a*a*a*a*a*a*a*a*a*a*a*a*b", text)
    assert not patterns.match("*a?a[ab]a*a?a[ab]*b", text)
    assert patterns.match("*a?a[ab]a*a?a[ab]*a", text)


@pytest.mark.parametrize(
    "body",
    [b"9" * 1_000_000 + b"x", b"0x" + b"f" * 1_000_000 + b".", b"1" * 1_000_000 + b"e", b"1s" * 200_000 + b"1"],
    ids=["digits", "hex-digits", "bad-exponent", "duration-parts"],
)
@pytest.mark.timeout(LINEAR_GUARD_S)
def test_number_parsing_of_huge_values_is_linear(body: bytes) -> None:
    for condition in ("[BODY] > 5", "[BODY] == 5"):
        assert not evaluate(parse_condition(condition), Observation(body=body)).success


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("[a-c]at", "bat", True),
        ("[^a-c]at", "bat", False),
        ("[^a-c]at", "rat", True),
        ("\\*literal", "*literal", True),
        ("\\*literal", "xliteral", False),
        ("*.json", "a/b.json", True),  # separators are dropped, as Gatus does
        ("[z-a]", "m", False),  # reversed range: valid in Go, matches nothing
        ("h?llo", "héllo", True),
        ("[", "[", False),  # malformed patterns never match
        ("", "", True),
    ],
)
def test_pattern_syntax(pattern: str, text: str, expected: bool) -> None:
    assert patterns.match(pattern, text) is expected


# --- deliberate deviations from Gatus (each one is listed in docs/conditions.md) ---


def test_large_json_numbers_compare_exactly() -> None:
    body = Observation(body=b'{"id": 1234567, "big": 12345678901234567890, "f": 1e6, "tiny": 0.00001}')
    assert _check("[BODY].id == 1234567", body) == (True, "[BODY].id == 1234567")
    assert _check("len([BODY].id) == 7", body) == (True, "len([BODY].id) == 7")
    assert _check("[BODY].big == 12345678901234567890", body)[0]
    assert _check("[BODY].f == 1000000", body)[0]
    assert _check("[BODY].id == 1", body) == (False, "[BODY].id (1234567) == 1")
    assert _check("[BODY].tiny == 1e-05", body)[0]  # below 1e-4 Gatus's exponent form is kept
    assert resolve_placeholder("[BODY]", body).startswith('{"id": 1234567')
    assert _check("[BODY].id == 1234567", Observation(body='{"id": 1234567}'))[0]  # str bodies work too


def test_fractional_numbers_are_not_truncated() -> None:
    body = Observation(body=b'{"ratio": 0.9, "low": 0.3, "balance": "123.45"}')
    assert _check("[BODY].ratio > 0.5", body) == (True, "[BODY].ratio > 0.5")
    assert _check("[BODY].low > 0.5", body) == (False, "[BODY].low (0.3) > 0.5")
    assert _check("[BODY].balance <= 123.4", body) == (False, "[BODY].balance (123.45) <= 123.4")
    assert _check("[BODY].balance >= 100", body)[0]


def test_functions_in_responses_are_plain_text() -> None:
    body = Observation(body=b'{"name": "pat(*)", "code": "any(200, 201)"}', status=200)
    assert _check("[BODY].name == anything", body) == (False, "[BODY].name (pat(*)) == anything")
    assert not _check("[STATUS] == [BODY].code", body)[0]
    assert _check("[BODY].name == pat(pat(*)*)", body)[0]


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("len([BODY].users == 100", "len( is not closed"),
        ("[STATUS] == 200 == 300", "appears more than once"),
        ("[BODY].name == pat(*[*)", "malformed pattern"),
        ("[STATUS] < any(300, 400)", "only work with == and !="),
        ("age([BODY].updated_at) < 1h", "age() is not supported"),
        ("[STATUS] ==  ", "operand is missing"),
        ("[BODY].users[*].age", ""),
    ],
)
def test_stricter_validation(condition: str, reason: str) -> None:
    with pytest.raises(ConditionError) as raised:
        parse_condition(condition)
    assert reason in raised.value.reason
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(f"invalid condition: {condition}")


def test_multiline_condition_error_is_one_line() -> None:
    with pytest.raises(ConditionError, match=r"^invalid condition: \[STATUS\]\\n== 200$"):
        parse_condition("[STATUS]\n== 200")


@pytest.mark.parametrize(
    ("milliseconds", "shown"),
    [(600_000, "10m"), (20_000, "20s"), (4_200_000, "1h10m"), (3_615_000, "1h0m15s"), (1_209_600_000, "336h")],
)
def test_durations_are_displayed_without_mangling(milliseconds: int, shown: str) -> None:
    observation = Observation(certificate_expiration_ms=milliseconds)
    expected = f"[CERTIFICATE_EXPIRATION] ({shown}) > 1000h"
    assert _check("[CERTIFICATE_EXPIRATION] > 1000h", observation) == (False, expected)


def test_long_values_are_cut_in_the_display() -> None:
    success, display = _check("[BODY] == short", Observation(body=b"x" * 10_000))
    assert not success
    assert display == "[BODY] (" + "x" * 200 + "...(truncated)) == short"


def test_wildcard_checks_every_element() -> None:
    body = Observation(body=b'{"users": [{"age": 20}, {"age": 15}, {"age": 30}, {"age": 9}], "none": []}')
    assert _check("[BODY].users[*].age >= 9", body) == (True, "[BODY].users[*].age >= 9")
    assert _check("[BODY].users[*].age >= 9", body, resolve_successful_conditions=True) == (
        True,
        "[BODY].users[*].age >= 9 (4 elements)",
    )
    assert _check("[BODY].users[*].age >= 18", body) == (
        False,
        "[BODY].users[1].age (15) >= 18; [BODY].users[3].age (9) >= 18",
    )
    assert _check("[BODY].none[*].age >= 18", body) == (False, "[BODY].none[*].age >= 18 (no elements matched)")
    assert _check("has([BODY].users[*].age) == true", body)[0]


def test_wildcard_is_bounded() -> None:
    body = Observation(body=json.dumps({"n": list(range(20_000))}).encode())
    assert _check("[BODY].n[*] >= 0", body) == (False, "[BODY].n[*] >= 0 (too many elements: 20000)")
    many = Observation(body=json.dumps({"n": list(range(10))}).encode())
    success, display = _check("[BODY].n[*] > 100", many)
    assert not success
    assert display.endswith("; and 7 more")


def test_headers_and_context() -> None:
    observation = Observation(
        headers={"Content-Type": "application/json; charset=utf-8"},
        context={"expected": {"status": 200}},
        status=200,
    )
    assert _check("[HEADER].content-type == pat(application/json*)", observation)[0]
    assert _check("has([HEADER].X-Missing) == false", observation)[0]
    assert _check("[STATUS] == [CONTEXT].expected.status", observation)[0]
    assert _check("[HEADER].X-Missing == 1", observation) == (False, "[HEADER].X-Missing (INVALID) == 1")


def test_json_query_segment() -> None:
    body = Body(b'{"components": [{"name": "api", "status": "up"}, {"name": "db", "status": "down"}]}')
    assert eval_path('components.#(name=="db").status', body) == ("down", 4)
    assert eval_path('components.#(name=="db")', body) == ('{"name":"db","status":"down"}', 29)
    with pytest.raises(PathError):
        eval_path('components.#(name=="cache").status', body)
    with pytest.raises(PathError):
        eval_path("components.#(name==db)", body)


def test_go_style_rendering_of_objects_and_arrays() -> None:
    body = Body(b'{"o": {"b": "<&>", "a": [1.50, null, true, {"k": 2e-7}]}, "arr": [1, "x", {"z": 1, "y": null}]}')
    assert eval_path("o", body)[0] == '{"a":[1.5,null,true,{"k":2e-7}],"b":"\\u003c\\u0026\\u003e"}'
    assert eval_path("arr", body) == ("[1 x map[y:<nil> z:1]]", 3)


@pytest.mark.parametrize(
    ("text", "value"),
    [("42", 42), ("-0x1F", -31), ("0o17", 15), ("017", 15), ("0b101", 5), ("1_000", 1000), ("0x_1", 1)],
)
def test_parse_go_int(text: str, value: int) -> None:
    assert parse_go_int(text) == value


@pytest.mark.parametrize("text", ["", "08", "1__0", "_1", "1_", "0x", "9223372036854775808", " 1", "1.0", "\u0663"])
def test_parse_go_int_rejects(text: str) -> None:
    assert parse_go_int(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.5", 1.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1_0.5", 10.5),
        ("0x1.8p1", 3.0),
        ("-Inf", float("-inf")),
    ],
)
def test_parse_go_float(text: str, value: float) -> None:
    assert parse_go_float(text) == value


@pytest.mark.parametrize("text", ["", ".", "1e", "1e400", "+nan", " 1", "0x1.8", "1._5", "\u0661"])
def test_parse_go_float_rejects(text: str) -> None:
    assert parse_go_float(text) is None


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("0", 0),
        ("-0", 0),
        ("1h30m", 5_400 * 10**9),
        ("1.5s", 1_500_000_000),
        ("1.s", 10**9),
        (".5ms", 500_000),
        ("-2m", -120 * 10**9),
        ("1h0m15s", 3_615 * 10**9),
        ("3µs", 3_000),
        ("2562047h", 2_562_047 * 3_600 * 10**9),
    ],
)
def test_parse_go_duration(text: str, nanoseconds: int) -> None:
    assert parse_go_duration(text) == nanoseconds


@pytest.mark.parametrize("text", ["", "-", "1", "s", ".s", "1x", "1h 30m", "2562048h", "48h-1m"])
def test_parse_go_duration_rejects(text: str) -> None:
    assert parse_go_duration(text) is None


READS = {
    "[STATUS] == 200": {"status"},
    "len([BODY]) > 0": {"body"},
    "[BODY].items[*].ok == true": {"body"},
    "has([HEADER].etag) == true": {"headers"},
    "[RESPONSE_TIME] < 500": {"response_time_ms"},
    "[CONNECTED] == [CONNECTED]": {"connected"},
    "[CERTIFICATE_EXPIRATION] > 48h": {"certificate_expiration_ms"},
    "[IP] == 127.0.0.1": {"ip"},
    "[CONTEXT].user.id == 1": {"context"},
    "pat(a*) == abc": set(),
}
# One observation, and for each field one that differs from it only there.
BASE = Observation(
    status=200,
    response_time_ms=10,
    body=b'{"items": [{"ok": true}]}',
    connected=True,
    ip="127.0.0.1",
    certificate_expiration_ms=3e8,
    domain_expiration_ms=3e8,
    dns_rcode="NOERROR",
    headers={"ETag": "x"},
    context={"user": {"id": 1}},
)
CHANGED: dict[str, Any] = {
    "status": 503,
    "response_time_ms": 900,
    "body": b'{"items": [{"ok": false}]}',
    "connected": False,
    "ip": "10.0.0.1",
    "certificate_expiration_ms": 1000,
    "domain_expiration_ms": 1000,
    "dns_rcode": "NXDOMAIN",
    "headers": {},
    "context": {},
}


@pytest.mark.parametrize("text", READS)
def test_reads_names_every_field_a_condition_depends_on(text: str) -> None:
    """A check reuses its last results while the fields its conditions read are unchanged: `reads` must be
    complete (a field left out would hide a change) and name Observation fields."""
    condition = parse_condition(text)
    assert condition.reads == READS[text]
    before = evaluate(condition, BASE, resolve_successful_conditions=True)
    for name, value in CHANGED.items():
        after = evaluate(condition, dataclasses.replace(BASE, **{name: value}), resolve_successful_conditions=True)
        assert name in condition.reads or after == before, (text, name)
        if name in condition.reads:
            assert after != before, (text, name)  # each table row changes what its condition reads
