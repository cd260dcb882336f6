"""The demo's platform logs where production keeps them: the console reads the demo's simulated Supabase log query
(edge_logs, function_logs, postgres_logs) as remote sources, and a drill's errors show there, through the same
parser, filter and levels as the pane (its headless twin, `tessa-tui logs NAME`)."""

from __future__ import annotations

import re

import pytest

from tessa_tui.demo.log_writer import DRILL_ERRORS
from tests.platform_fixtures import RunningDemo
from tests.test_demo_bad_deploy import cli, control, eventually

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("drill", "source"), [("ai-chat", "edge-functions"), ("service-unavailable", "edge"), ("db-slow", "postgres")]
)
def test_a_drill_shows_its_errors_in_the_remote_log_source(demo: RunningDemo, drill: str, source: str) -> None:
    config = demo.config  # read-only commands: the demo's own config as it wrote it
    control(demo, "drills/all-clear", "POST")
    message = DRILL_ERRORS[drill][1]
    quiet = cli(config, "logs", source, "--level", "error", "--grep", re.escape(message))
    assert quiet.returncode == 0, quiet.stderr
    before = len(quiet.stdout.splitlines())  # an earlier drill's errors may still be in the backfill
    control(demo, f"drills/{drill}", "POST")

    def errors() -> list[str]:
        found = cli(config, "logs", source, "--level", "error", "--grep", re.escape(message))
        assert found.returncode == 0, found.stderr
        lines = found.stdout.splitlines()
        return lines if len(lines) > before else []

    lines = eventually(errors, f"{drill}'s errors in the {source} source")
    assert all(message in line and '"id": "' in line for line in lines)  # whole rows, each with its event id
    assert "demo-access-token" not in "".join(lines)
    control(demo, "drills/all-clear", "POST")
