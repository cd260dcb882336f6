"""Red-team findings on metrics, each a case that failed before its fix: a selector's regular expression meeting a
scraped label value (backtracking without end on the event loop), and exposition lines that cost the parser
minutes."""

from __future__ import annotations

import pytest

from tessa_tui.config.metric_selector import SelectorError, parse_selector
from tessa_tui.metrics.exposition import ExpositionError, parse_exposition, select


@pytest.mark.timeout(120)  # without RE2 this never ends
def test_a_selector_regex_meets_a_long_label_value_in_linear_time() -> None:
    # `(a+)+` against 60 a's and a b: a backtracking engine takes 2**60 steps (the console froze); RE2 does not.
    samples, _ = parse_exposition(f'm{{path="{"a" * 60}b"}} 1\nm{{path="aaa"}} 2\n'.encode(), {"m"})
    chosen = select(samples, parse_selector('m{path=~"(a+)+"}'), {})
    assert chosen.values == (2.0,)
    long_value = "ab" * 30_000
    samples, _ = parse_exposition(f'm{{path="{long_value}"}} 3\n'.encode(), {"m"})
    assert select(samples, parse_selector('m{path=~".*a.*a.*a.*c"}'), {}).values == ()


@pytest.mark.parametrize("pattern", ["(a)\\\\1", "(?=a)b", "(?<!a)b"])
def test_a_regex_prometheus_cannot_run_is_refused_at_load(pattern: str) -> None:
    # Prometheus's regular expressions are RE2's: no backreferences or lookarounds (and no backtracking).
    with pytest.raises(SelectorError, match="not a regular expression"):
        parse_selector(f'm{{path=~"{pattern}"}}')


def test_a_line_of_many_labels_is_refused_before_the_parser_spends_minutes_on_it() -> None:
    labels = b",".join(b'l%d="v"' % n for n in range(400_000))[: 4 * 1024 * 1024 - 100]
    body = b"m{" + labels[: labels.rfind(b",")] + b"} 1\n"  # one line, the whole 4 MiB cap: 42 s of a core before
    with pytest.raises(ExpositionError, match="a line longer than 64 KiB"):
        parse_exposition(body, {"m"})
    ordinary = b'm{path="' + b"a" * 60_000 + b'"} 1\n'  # long, but no longer than a line may be
    assert parse_exposition(ordinary * 3, {"m"})[1] == 3
