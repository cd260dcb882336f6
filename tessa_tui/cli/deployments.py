"""`tessa-tui deployments [--recent] [--json]`: the Deployments view headless, every source read once through the
same engine; exit 0 when every source was read, 1 when one could not be (its deployments are then unknown)."""

from __future__ import annotations

import asyncio
import json

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig

EXIT_ALL_READ = 0
EXIT_NOT_ALL_READ = 1


def run_deployments(loaded: LoadedConfig, *, as_json: bool, recent: bool) -> int:
    from tessa_tui.deployments.report import table
    from tessa_tui.deployments.watch import read_all_once

    update = asyncio.run(read_all_once(loaded.config, loaded.secrets))
    if not update.sources:
        raise UserError(
            "no deployment sources: add `deployments: sources:` (Vercel, Netlify, git) or a `repo_path` placeholder",
            source=str(loaded.path),
        )
    if as_json:
        document = update.to_json()
        if recent:
            document["deployments"] = [d for d in document["deployments"] if d["recent"]]
        print(json.dumps(document, indent=2), flush=True)
    else:
        print(table(update, recent_only=recent), flush=True)
    return EXIT_ALL_READ if update.all_read else EXIT_NOT_ALL_READ
