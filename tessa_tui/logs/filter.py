"""Which log records to show: the logs pane's `/` filter and `tessa-tui logs --level --grep`, one matcher."""

from __future__ import annotations

from dataclasses import dataclass

from tessa_tui.logs.parse import FULL, LEVEL, LEVELS, SOURCE, Row

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tessa_tui.base.linear_regex import LinearPattern

LEVEL_ORDER = tuple(level for level in LEVELS if level != "unknown")


@dataclass(frozen=True)
class LineFilter:
    """`/` in the logs pane: words (all must appear, any case), `re:PATTERN`, `level:warn` (and worse),
    `source:NAME`; a leading `!` inverts the words, pattern and level (within the source). Parts combine with AND.

    Words look at the level, the source and the whole record (a JSON record's every field); a pattern at the
    record's text alone, so `^` anchors where the line starts.
    """

    text: str
    words: tuple[str, ...] = ()
    pattern: LinearPattern | None = None
    min_level: int | None = None
    source: str | None = None
    invert: bool = False

    def active(self) -> bool:
        """False for a filter that lets every record through (an empty text on the All tab)."""
        return bool(self.words or self.pattern or self.min_level is not None or self.source or self.invert)

    @classmethod
    def parse(cls, text: str) -> LineFilter:
        """Raises ValueError with a readable reason for a bad regex or level."""
        body = text.strip()
        invert = body.startswith("!")
        body = body.removeprefix("!").strip()
        words: list[str] = []
        pattern = None
        min_level = None
        source = None
        if body.startswith("re:"):
            pattern = compile_pattern(body[3:], ignore_case=True)
            body = ""
        for part in body.split():
            key, _, value = part.partition(":")
            if key == "level" and value:
                min_level = level_floor(value)
            elif key == "source" and value:
                source = value
            else:
                words.append(part.lower())
        return cls(text, tuple(words), pattern, min_level, source, invert)

    @classmethod
    def of_options(cls, level: str | None, grep: str | None) -> LineFilter:
        """`--level L --grep RE` of `tessa-tui logs` (the pattern case-sensitive, as grep's is)."""
        pattern = compile_pattern(grep) if grep else None
        return cls("", pattern=pattern, min_level=level_floor(level) if level else None)

    def matches(self, row: Row) -> bool:
        # The source (a tab, or source:NAME) narrows first; `!` inverts the rest within it.
        if self.source is not None and row[SOURCE] != self.source:
            return False
        hit = True
        if self.min_level is not None:
            hit = row[LEVEL] != "unknown" and LEVEL_ORDER.index(row[LEVEL]) >= self.min_level
        if hit and self.pattern is not None:
            hit = self.pattern.search(row[FULL]) is not None
        if hit and self.words:
            haystack = f"{row[LEVEL]} {row[SOURCE]} {row[FULL]}".lower()
            hit = all(word in haystack for word in self.words)
        return hit != self.invert


def level_floor(name: str) -> int:
    """The index of a level name in LEVEL_ORDER; ValueError naming the choices otherwise."""
    if name not in LEVEL_ORDER:
        raise ValueError(f"level {name!r}: choose one of {', '.join(LEVEL_ORDER)}")
    return LEVEL_ORDER.index(name)


def compile_pattern(text: str, *, ignore_case: bool = False) -> LinearPattern:
    """A filter's pattern, run in linear time (RE2): a typed `re:(a+)+$` meeting a long hostile log line cannot
    freeze the pane; RE2's syntax (no backreferences or lookarounds) is said in the reason when refused."""
    from tessa_tui.base.linear_regex import compile_linear  # when a pattern is typed: not on the first frame

    try:
        return compile_linear(text, ignore_case=ignore_case)
    except ValueError as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
