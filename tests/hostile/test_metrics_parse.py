"""The metrics parsers under generated input: exposition text of any bytes and of near-valid lines (NaN, ±Inf,
huge and negative numbers, escapes, control and format characters, labels starting with `-`), Prometheus API
answers of any JSON shape or bytes, series selectors of any text, and values of any float. Each is total: samples
or ExpositionError; a number, nothing, or QueryError; a Selector or SelectorError; a one-line text. A threshold
compare never meets a NaN, and no JSON document carries one."""

from __future__ import annotations

import contextlib
import json
import math

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from tessa_tui.config.metric_selector import SelectorError, parse_selector
from tessa_tui.config.metrics import MetricSeries
from tessa_tui.metrics.exposition import ExpositionError, Rates, aggregate, divide, parse_exposition
from tessa_tui.metrics.model import SeriesReading, judge, value_text
from tessa_tui.metrics.prometheus_api import QueryError, _envelope, instant, sample_value, trend
from tessa_tui.metrics.report import sparkline
from tessa_tui.metrics.source_http import SourceFailure
from tests.hostile.strategies_json import BODIES, JSON_VALUES, NUMBERS, SMALL_JSON, TEXT

FLOATS = st.floats(allow_nan=True, allow_infinity=True)
NUMBER_TEXT = st.one_of(
    st.sampled_from(["NaN", "+Inf", "-Inf", "Inf", "nan", "1e309", "-0", "0x10", "1_000", "--1", "", " ", "1.5e-400"]),
    FLOATS.map(repr),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)
LABEL_VALUE = st.one_of(TEXT, st.sampled_from(['\\"', "\\n", "\\\\", "-rf", "\x1b]52;c;AAAA\x07", "\u202e", "[/]"]))
LINE = st.one_of(
    st.builds(
        lambda name, label, value, number: f'{name}{{{label}="{value}"}} {number}',
        st.sampled_from(["node_load1", "x_total", "up", "a:b", "_"]),
        st.sampled_from(["mode", "le", "quantile", "__name__", "-x"]),
        LABEL_VALUE,
        NUMBER_TEXT,
    ),
    st.builds(
        lambda name, number: f"{name} {number}", st.sampled_from(["node_load1", "x_total", "x_bucket"]), NUMBER_TEXT
    ),
    st.builds(
        lambda name, kind: f"# TYPE {name} {kind}",
        st.sampled_from(["node_load1", "x", "x_total"]),
        st.sampled_from(["counter", "gauge", "histogram", "summary", "untyped", "info", "bogus"]),
    ),
    st.sampled_from(["# HELP x a \\n help", "#", "", "{", "}", 'x{a="1",} 1', "x{,} 1", "x 1 2 3", "x 1 notatime"]),
    TEXT,
)
EXPOSITIONS = st.one_of(
    st.lists(LINE, max_size=30).map(lambda lines: "\n".join(lines).encode("utf-8", errors="surrogatepass")),
    BODIES,
    st.binary(max_size=2000),
)
WANTED = {"node_load1", "x_total", "x_bucket", "up", "a:b", "_", "x"}


@given(EXPOSITIONS)
def test_an_exposition_parse_is_total(data: bytes) -> None:
    try:
        samples, count = parse_exposition(data, WANTED)
    except ExpositionError as exc:
        said = str(exc)
        assert "\n" not in said and len(said) < 300
        return
    assert count >= len(samples)
    for sample in samples:
        assert sample.name in WANTED and isinstance(sample.value, float)
    rates = Rates()
    rates.observe(samples, 0.0)
    for rate in rates.observe(samples, 1.0).values():
        assert rate is None or isinstance(rate, float)


@given(st.lists(FLOATS, max_size=8), st.sampled_from(["sum", "avg", "max", "min"]))
def test_aggregates_and_shares_of_any_floats_never_raise(values: list[float], how: str) -> None:
    total = aggregate(tuple(values), how)
    assert (total is None) == (not values)
    if total is not None and any(math.isnan(v) for v in values):
        assert math.isnan(total)
    for other in values:
        assert isinstance(divide(total or 0.0, other), float)


ANSWERS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"status": st.sampled_from(["success", "error"]) | SMALL_JSON},
        optional={
            "data": st.fixed_dictionaries(
                {"resultType": st.sampled_from(["vector", "matrix", "scalar", "string"]) | SMALL_JSON},
                optional={
                    "result": st.lists(
                        st.fixed_dictionaries(
                            {"metric": SMALL_JSON},
                            optional={
                                "value": st.lists(st.one_of(NUMBERS, NUMBER_TEXT, SMALL_JSON), max_size=3),
                                "values": st.lists(st.lists(st.one_of(NUMBERS, NUMBER_TEXT), max_size=3), max_size=5),
                            },
                        )
                        | SMALL_JSON,
                        max_size=5,
                    )
                    | st.lists(st.one_of(NUMBERS, NUMBER_TEXT), max_size=3)
                    | SMALL_JSON
                },
            )
            | SMALL_JSON,
            "errorType": SMALL_JSON,
            "error": SMALL_JSON | TEXT,
        },
    ),
)


@given(ANSWERS, st.sampled_from([200, 400, 422]))
def test_a_query_answer_is_a_number_nothing_or_one_query_error(answer: object, status: int) -> None:
    body = json.dumps(answer).encode()
    try:
        data = _envelope(body, status)
        result = instant(data, "sum")
    except QueryError as exc:
        said = str(exc)
        assert "\n" not in said and "\x1b" not in said
        return
    assert result.value is None or isinstance(result.value, float)
    if result.value is not None:
        assert result.at is not None


@given(ANSWERS)
def test_a_range_answer_is_finite_points_or_one_query_error(answer: object) -> None:
    try:
        points = trend(answer.get("data") if isinstance(answer, dict) else answer, "avg")
    except QueryError:
        return
    assert all(math.isfinite(p) for p in points)


@given(BODIES)
def test_a_query_body_of_any_bytes_never_raises_another_exception(body: bytes) -> None:
    with contextlib.suppress(QueryError, SourceFailure):
        instant(_envelope(body, 200), "max")


@given(st.one_of(JSON_VALUES, st.lists(st.one_of(NUMBERS, NUMBER_TEXT, SMALL_JSON), max_size=3)))
def test_a_sample_pair_is_time_and_value_or_nothing(pair: object) -> None:
    found = sample_value(pair)
    assert found is None or (math.isfinite(found[0]) and isinstance(found[1], float))


@given(st.one_of(TEXT, st.builds(lambda a, b: f"{a}{{{b}}}", st.sampled_from(["up", "x_total", "-x"]), TEXT)))
def test_a_selector_of_any_text_is_a_selector_or_one_error(text: str) -> None:
    try:
        selector = parse_selector(text)
    except SelectorError as exc:
        assert len(str(exc)) < 300  # noqa: PT017 - a property of whatever it raised
        return
    selector.matches(selector.name, {"a": "b"})


@given(FLOATS, st.sampled_from(["", "%", "ms", "\x1b[31m"]))
def test_any_value_has_one_line_and_a_state_that_never_compared_a_nan(value: float, unit: str) -> None:
    text = value_text(value, unit)
    assert "\n" not in text
    series = msgspec.convert(
        {"name": "X", "source": "s", "select": "up", "warn-above": 1.0, "critical-below": -1.0}, MetricSeries
    )
    state, why = judge(series, value)
    if math.isnan(value):
        assert state == "unknown" and why == "the value is NaN"
    reading = SeriesReading("X", "s", value=value, state=state, history=(value,) if math.isfinite(value) else ())
    json.dumps(reading.to_json(reading.read_at or __import__("datetime").datetime.now()), allow_nan=False)
    assert len(sparkline([value, 1.0, -1.0], 10)) <= 3
