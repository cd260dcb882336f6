"""`tessa-tui runbook list / show ID / validate [PATH...] / schema`: the runbook pack from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.durations import format_duration
from tessa_tui.base.errors import UserError
from tessa_tui.cli.loading import load_optional
from tessa_tui.cli.runbook_run import run_runbook
from tessa_tui.run.step_actions import confirm_word
from tessa_tui.runbook.load import (
    RunbookPack,
    check_links,
    configured_pack,
    load_runbook,
    runbook_files,
    runbook_json_schema,
)
from tessa_tui.runbook.model import Runbook
from tessa_tui.runbook.placeholders import needed


def run_action(name: str, args: argparse.Namespace) -> int:
    """Run `runbook NAME` (list, show, validate, run, schema)."""
    if name == "list":
        return _list(_pack(args), " ".join(args.query))
    if name == "show":
        return _show(_pack(args).get(args.id))
    if name == "validate":
        return _validate(args)
    if name == "run":
        return run_runbook(load_optional(args), args, Capabilities.from_flag(args.readonly))
    print(json.dumps(runbook_json_schema(), indent=2))
    return 0


def _pack(args: argparse.Namespace) -> RunbookPack:
    """The configured pack, or the shipped one when there is no config at all."""
    loaded = load_optional(args)
    if loaded is None:
        return configured_pack([], None)
    return configured_pack(loaded.config.runbooks.paths, loaded.path, loaded.config.placeholders)


def _list(pack: RunbookPack, query: str) -> int:
    runbooks = pack.search(query) if query else list(pack.runbooks.values())
    if not runbooks:
        raise UserError(f"no runbook matches {query!r}")
    for r in sorted(runbooks, key=lambda r: (r.kind, r.id)):
        timing = _timing(r)
        print(f"{r.id:32} {r.kind:12} {r.severity or '-':5} {r.title}" + (f"  [{timing}]" if timing else ""))
    return 0


def _timing(r: Runbook) -> str:
    if r.time_to_resolution:
        low, high = format_duration(r.time_to_resolution.min), format_duration(r.time_to_resolution.max)
        return f"resolve in {low}-{high}" + (
            f", escalate after {format_duration(r.escalate_after)}" if r.escalate_after else ""
        )
    return f"takes {format_duration(r.duration)}" if r.duration else ""


def _show(r: Runbook) -> int:
    print(f"{r.title}  ({r.id}, {r.kind}{', ' + r.severity if r.severity else ''})")
    if r.summary:
        print(r.summary)
    for warning in r.warnings:
        print(f"WARNING: {warning}")
    if r.symptoms:
        print("Symptoms: " + "; ".join(r.symptoms))
    if timing := _timing(r):
        print(timing[:1].upper() + timing[1:])
    number = 0
    for phase in r.phases:
        box = f" (within {format_duration(phase.within)})" if phase.within else ""
        print(f"\n{phase.name}{box}")
        for step in phase.steps:
            number += 1
            flags = f" [destructive: --confirm {confirm_word(step)}]" if step.destructive else ""
            flags += f" -> {step.link}" if step.link else ""
            flags += f" [runs: {step.action.kind}]" if step.action else ""
            print(f"  {number:2}. {step.text}{flags}   ({step.id})")
            if step.action is not None and (names := needed(step.action)):
                asked = ", ".join(f"{n} (asked)" if n in step.action.ask else n for n in names)
                print(f"      placeholders: {asked}")
            if step.notes:
                print(f"      {step.notes}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    if not args.paths:
        pack = _pack(args)
        print(f"ok: {len(pack.runbooks)} runbooks")
        return 0
    pack = RunbookPack()
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise UserError("does not exist", source=str(path))
    files = [p for p in paths if not p.is_dir()] + runbook_files([p for p in paths if p.is_dir()])  # FIFOs too
    for path in files:
        runbook = load_runbook(path)
        if runbook.id in pack.runbooks:
            raise UserError(
                f"id {runbook.id!r} is also used by {pack.sources[runbook.id]}", source=str(path), field="id"
            )
        pack.runbooks[runbook.id] = runbook
        pack.sources[runbook.id] = path
    # Links may point into the shipped pack, so check them against both.
    shipped = configured_pack([], None)
    check_links(RunbookPack({**shipped.runbooks, **pack.runbooks}, {**shipped.sources, **pack.sources}))
    print(f"ok: {len(files)} runbook file{'s' if len(files) != 1 else ''}")
    return 0
