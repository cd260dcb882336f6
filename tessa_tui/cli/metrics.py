"""`tessa-tui metrics [--json]`: the Metrics view headless, every source read once through the same engine (a
scrape whose series are counters' rates is read twice, a moment apart); exit 0 when every source was read, 1 when
one could not be (its series are then unknown, and the line on stderr names it)."""

from __future__ import annotations

import asyncio
import json
import sys

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig

EXIT_ALL_READ = 0
EXIT_NOT_ALL_READ = 1


def run_metrics(loaded: LoadedConfig, *, as_json: bool) -> int:
    from tessa_tui.metrics.report import table
    from tessa_tui.metrics.watch import read_all_once

    settings = loaded.config.metrics
    if settings is None or not settings.series:
        raise UserError(
            "no metrics: add `metrics:` with `sources:` (a scrape or a prometheus API) and `series:`",
            source=str(loaded.path),
        )
    update = asyncio.run(read_all_once(settings, loaded.secrets))
    if as_json:
        print(json.dumps(update.to_json(), indent=2, allow_nan=False), flush=True)
    else:
        print(table(update), flush=True)
    unread = [s for s in update.sources if s.state != "ok"]
    for source in unread:
        print(f"tessa-tui metrics: source {source.name} not read: {source.error or source.state}", file=sys.stderr)
    return EXIT_NOT_ALL_READ if unread else EXIT_ALL_READ
