"""A Prometheus text exposition (what Supabase's Metrics API serves) read with the Prometheus project's own parser
(prometheus_client), and counters turned into per-second rates between two scrapes, resets included.

The parser is total here: whatever the bytes (invalid UTF-8, a broken line, a million samples), the result is
the samples or ExpositionError with one line, never another exception. Only the samples some series selects
are kept; label values are matched, never shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tessa_tui.config.metric_selector import Selector

MAX_SAMPLES = 200_000  # a 4 MiB body holds at most some 200k short lines; Supabase serves about 200
MAX_LINE = 64 * 1024
"""prometheus_client reads a line's labels in time that grows with the square of its length: one 4 MiB line of
labels took 42 s of a core. Supabase's longest lines are some 300 bytes."""
CUMULATIVE_SUFFIXES = ("_bucket", "_count", "_sum")
Key = tuple[str, tuple[tuple[str, str], ...]]


class ExpositionError(ValueError):
    """The text is not a Prometheus exposition; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    counter: bool
    """Cumulative: a counter, or a histogram's or summary's bucket, count or sum; read as a rate."""

    @property
    def key(self) -> Key:
        return self.name, tuple(sorted(self.labels.items()))


def parse_exposition(data: bytes, wanted: Iterable[str]) -> tuple[list[Sample], int]:
    """(the samples whose metric name is in `wanted`, how many samples the text had); ExpositionError for text
    that is not an exposition or holds more than MAX_SAMPLES samples."""
    from prometheus_client.parser import text_string_to_metric_families

    names = set(wanted)
    if max(map(len, data.split(b"\n")), default=0) > MAX_LINE:
        raise ExpositionError(f"a line longer than {MAX_LINE // 1024} KiB: not read")
    text = data.decode("utf-8", errors="replace")
    kept: list[Sample] = []
    count = 0
    try:
        for family in text_string_to_metric_families(text):
            kind = family.type
            for sample in family.samples:
                count += 1
                if count > MAX_SAMPLES:
                    raise ExpositionError(f"more than {MAX_SAMPLES:,} samples: not read further")
                if sample.name not in names:
                    continue
                if kind in ("counter", "histogram", "summary") and sample.name.endswith("_created"):
                    continue  # the time the counter was created, not a count
                kept.append(
                    Sample(sample.name, dict(sample.labels), float(sample.value), _cumulative(kind, sample.name))
                )
    except ExpositionError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        raise ExpositionError(f"not a Prometheus text exposition: {_first_line(exc)}") from None
    return kept, count


def _cumulative(kind: str, name: str) -> bool:
    if kind == "counter":
        return True
    if kind in ("histogram", "summary"):
        return name.endswith(CUMULATIVE_SUFFIXES)
    # Untyped, as Supabase serves some (`supabase_usage_metrics_user_queries_total`): the `_total` suffix is
    # Prometheus's naming convention for a counter.
    return kind in ("unknown", "untyped") and name.endswith("_total")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:120]


class Rates:
    """Per-second rates of cumulative samples between two scrapes; a value lower than the last is a reset (the
    process restarted): its increase is the new value, counted from zero, as Prometheus's rate() does."""

    def __init__(self) -> None:
        self._last: dict[Key, tuple[float, float]] = {}

    def observe(self, samples: Iterable[Sample], at: float) -> dict[Key, float | None]:
        """Every cumulative sample's rate since the last scrape that had it (`at`: this scrape's monotonic time);
        None on its first sight. Only this scrape's samples are remembered: a vanished one is forgotten."""
        rates: dict[Key, float | None] = {}
        seen: dict[Key, tuple[float, float]] = {}
        for sample in samples:
            if not sample.counter:
                continue
            key = sample.key
            seen[key] = (sample.value, at)
            rates[key] = _rate(self._last.get(key), sample.value, at)
        self._last = seen
        return rates


def _rate(before: tuple[float, float] | None, value: float, at: float) -> float | None:
    if before is None:
        return None
    last, then = before
    elapsed = at - then
    if elapsed <= 0:
        return None
    if math.isnan(value) or math.isnan(last):
        return math.nan
    increase = value - last if value >= last else value
    return increase / elapsed


@dataclass(frozen=True)
class Selected:
    """What a selector found in one scrape: its samples' values (rates for counters), or why there is none."""

    values: tuple[float, ...]
    why: str = ""


def select(samples: Iterable[Sample], selector: Selector, rates: Mapping[Key, float | None]) -> Selected:
    """The values `selector` reads from a scrape: gauges as they are, counters as their rates (Rates.observe)."""
    found = [s for s in samples if selector.matches(s.name, s.labels)]
    if not found:
        return Selected((), f"no sample matches {selector.text}")
    values: list[float] = []
    for sample in found:
        if not sample.counter:
            values.append(sample.value)
        elif (rate := rates.get(sample.key)) is not None:
            values.append(rate)
    if not values:
        return Selected((), "a counter: its rate needs a second scrape")
    return Selected(tuple(values))


def aggregate(values: tuple[float, ...], how: str) -> float | None:
    """sum / avg / max / min of the values; NaN when any is NaN (as a threshold cannot judge it); None for none."""
    if not values:
        return None
    if any(math.isnan(v) for v in values):
        return math.nan
    if how == "max":
        return max(values)
    if how == "min":
        return min(values)
    try:
        total = math.fsum(values)
    except (OverflowError, ValueError):  # ±Inf among them, or a sum past the float range: as plain addition does
        total = sum(values)
    return total / len(values) if how == "avg" else total


def divide(numerator: float, denominator: float) -> float:
    """Float division as PromQL does it: x/0 is ±Inf, 0/0 is NaN."""
    if denominator == 0:
        return math.nan if numerator == 0 or math.isnan(numerator) else math.copysign(math.inf, numerator)
    return numerator / denominator
