"""What a check's runs remember so an unchanged answer costs little: its texts cleaned once (sanitised, every
secret masked) and its conditions' results from the run before, while the values they read are the same."""

from __future__ import annotations

import operator
from collections.abc import Callable

from tessa_tui.base import secret_registry
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import excerpt, sanitize
from tessa_tui.conditions.condition import Condition, ConditionResult, Observation, evaluate_all
from tessa_tui.conditions.jsonpath import clean_surrogates


class TextCleaner:
    """A check's texts on one sanitised line with every secret masked; a text met before comes from a cache.

    Most runs of a check produce the texts of the run before (the same excerpt, the same condition lines):
    cleaning them again would be the largest share of the work per run. The cache holds while the secret
    registry is unchanged (its compiled pattern is the same object); small texts only, a few per check.
    """

    def __init__(self, secrets: frozenset[str]) -> None:
        self.secrets = secrets
        self._registry = secret_registry.pattern()
        self._texts: dict[str, str] = {}
        self._excerpt_of: bytes | None = None
        self._excerpt = ""

    def _fresh(self) -> None:
        registry = secret_registry.pattern()
        if registry is not self._registry:  # a secret registered since: everything is masked again
            self._registry, self._excerpt_of = registry, None
            self._texts.clear()

    def text(self, raw: str) -> str:
        """One line, sanitised and masked (lone surrogates, from a JSON `\\ud800`, as U+FFFD)."""
        if not raw:
            return raw
        self._fresh()
        cleaned = self._texts.get(raw)
        if cleaned is None:
            cleaned = redact_text(sanitize(clean_surrogates(raw)), self.secrets)
            if len(raw) <= _CACHED_TEXT:
                if len(self._texts) >= _CACHED_TEXTS:
                    self._texts.clear()
                self._texts[raw] = cleaned
        return cleaned

    def excerpt(self, body: bytes) -> str:
        """The start of the body for the detail view, sanitised and masked."""
        self._fresh()
        if body == self._excerpt_of:
            return self._excerpt
        shown = excerpt(body)
        shown = redact_text(clean_surrogates(shown), self.secrets) if shown else ""
        if len(body) <= _CACHED_BODY:
            self._excerpt_of, self._excerpt = body, shown
        return shown


# What one check's caches may hold: a body up to 4 KiB (health answers are small; a bigger one is cleaned on
# every run), 16 texts of up to 512 characters.
_CACHED_BODY = 4096
_CACHED_TEXT = 512
_CACHED_TEXTS = 16


class ConditionMemo:
    """The last run's condition results: a run that observed the same values (the same status, the same body)
    reuses them instead of evaluating every condition and cleaning its line again."""

    def __init__(self, conditions: tuple[Condition, ...], cleaner: TextCleaner) -> None:
        self.conditions = conditions
        self._cleaner = cleaner
        reads = sorted({name for c in conditions for name in c.reads})
        self._reads_body = "body" in reads
        self._key: Callable[[Observation], object] = (
            operator.attrgetter(*reads) if reads else (lambda _: ())  # conditions of literals only
        )
        self._last: tuple[object, tuple[ConditionResult, ...], tuple[ConditionResult, ...]] | None = None

    def results(self, observation: Observation) -> tuple[tuple[ConditionResult, ...], tuple[ConditionResult, ...]]:
        """The raw results (their displays make the reason) and the cleaned ones (shown)."""
        key = self._key(observation)
        last = self._last
        if last is not None and last[0] == key:
            return last[1], last[2]
        raw = tuple(evaluate_all(self.conditions, observation))
        clean = self._cleaner.text
        shown = tuple(ConditionResult(c.condition, c.success, clean(c.display)) for c in raw)
        if not self._reads_body or len(observation.body) <= _CACHED_BODY:
            self._last = (key, raw, shown)
        return raw, shown
