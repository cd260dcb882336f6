"""Lines that start with an ISO time and name their level within the next few words: Python logging's common
formats (`%(asctime)s - %(name)s - %(levelname)s - %(message)s`, Flask's `[%(asctime)s] %(levelname)s in ...`),
logback's default, loguru's default, Rust tracing's default fmt (colours or not), Go zap's console encoder,
gunicorn's error log, java.util.logging's one-line formats. Every other line continues the record before."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tessa_tui.logs.formats.clock import ISO_TEXT, iso_time
from tessa_tui.logs.formats.log_format import ANSI, LogFormat, Scan, go_panic, keyword_level
from tessa_tui.logs.levels import WORDS, word_level

if TYPE_CHECKING:
    from tessa_tui.logs.levels import Level

# Words that name a level where a logger puts it (not `log`, `detail`, `context`: PostgreSQL's, read there).
_LEVEL_WORDS = [w for w in WORDS if w not in {"log", "statement", "detail", "hint", "context", "information"}]
_SPELLINGS = sorted({s for w in _LEVEL_WORDS for s in (w, w.upper(), w.capitalize())}, key=len, reverse=True)
LEVEL_WORD = "|".join(_SPELLINGS)
STAMP = re.compile(rf"{ANSI}\[?{ANSI}{ISO_TEXT}{ANSI}\]?", re.ASCII)
# After the time: at most two short words (a logger name, a thread, a pid, a zone) before the level word,
# separated by spaces, tabs, `|`, `:`, `-`, `,` or brackets. The separators are taken possessively and a word
# cannot start with one: nested repetitions that could split a run of separators many ways take exponential
# time on a line of commas.
_SEP = r"(?:[\s|:,\[\]()-]|(?:\x1b|\\e)\[[\d;]*+m)++"
_WORD = r"[^\s|:,\[\]()\\\x1b-][^\s|:,\[\]()\\\x1b]{0,39}"
_WORDS: dict[str, Level] = {spelling: word_level(spelling) for spelling in _SPELLINGS}
_NEAR = re.compile(rf"{_SEP}(?:{_WORD}{_SEP}){{0,2}}?({LEVEL_WORD})(?![\w.])", re.ASCII)


class StampedFormat(LogFormat):
    name = "stamped"
    description = (
        "an ISO time first, the level word soon after: Python logging, logback, loguru, Rust tracing, zap "
        "console, gunicorn; other lines continue the record"
    )

    def head(self, line: str) -> Scan | None:
        match = STAMP.match(line)
        if match is None:
            return go_panic(line)
        return self.scan_match(line, match)

    def scan_match(self, line: str, match: re.Match[str]) -> Scan:
        """The scan of a line whose STAMP match is `match`."""
        clock, when = iso_time(match)
        end = match.end()
        if line[end : end + 1] == " ":  # `... INFO message`: the level word next, found without a regex
            level = _WORDS.get(line[end + 1 : end + 12].partition(" ")[0])
            if level is not None:
                return level, clock, when
        near = _NEAR.match(line, end, end + 120)
        return (word_level(near.group(1)) if near else keyword_level(line)), clock, when

    def message(self, text: str) -> str:
        first = text.partition("\n")[0]
        match = STAMP.match(first)
        return first[match.end() :].lstrip(" \t:|-") if match else ""


STAMPED = StampedFormat()
