"""The end-to-end tests' real terminal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.tmux_terminal import TmuxTerminal, require_tmux


@pytest.fixture
def terminal() -> Iterator[TmuxTerminal]:
    """A 150x45 tmux terminal of the test's own, killed afterwards."""
    require_tmux()
    term = TmuxTerminal(150, 45)
    yield term
    term.close()
