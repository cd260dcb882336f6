"""`tessa-tui runbook run ID [--step N] [--incident ID]`: a runbook's step actions, headless, recorded like the
console records them."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from tessa_tui.base import secret_registry
from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.incident import Incident
from tessa_tui.run.step_actions import ActionResult, run_step, values_for
from tessa_tui.runbook.model import INTEGRATION_KINDS, Runbook, Step


def pick_steps(runbook: Runbook, step_ref: str | None) -> list[Step]:
    """The step named by number or id; without one, every step with an action that changes nothing."""
    steps = [step for _, step in runbook.steps()]
    if step_ref is None:
        # Integration steps tell the outside world (PagerDuty, Slack, the status page): only when named.
        chosen = [s for s in steps if s.action and not s.destructive and s.action.kind not in INTEGRATION_KINDS]
        if not chosen:
            raise UserError(f"runbook {runbook.id} has no step with an action to run")
        return chosen
    if step_ref.isdigit():
        number = int(step_ref)
        if not 1 <= number <= len(steps):
            raise UserError(f"--step {number}: runbook {runbook.id} has steps 1-{len(steps)}")
        step = steps[number - 1]
    else:
        found = runbook.step(step_ref)
        if found is None:
            raise UserError(f"--step {step_ref!r}: no such step in {runbook.id} (`runbook show {runbook.id}`)")
        step = found
    if step.action is None:
        raise UserError(f"step {step.id} of {runbook.id} has no action; it is ticked by hand")
    return [step]


def parse_sets(items: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--set {item!r}: write NAME=VALUE")
        secret_registry.register_named(name.strip(), value)  # --set db_password=...: masked from here on
        values[name.strip()] = value
    return values


def run_runbook(loaded: LoadedConfig | None, args: argparse.Namespace, capabilities: Capabilities) -> int:
    """Exit 0 when every step ran and met its expectations, 1 when one did not (or failed inside), 2 for bad
    input or a read-only process (refused before the journal is even opened)."""
    from tessa_tui.incidents.book import open_book

    if args.confirm is not None and args.step is None:  # without --step no destructive step runs
        raise UserError("--confirm goes with --step: it confirms that one destructive step")
    capabilities.require("act", "runbook run")
    if args.incident:
        capabilities.require("journal", "runbook run --incident")
    config = loaded.config if loaded else TessaConfig()
    book = open_book(loaded)
    try:
        runbook = book.pack.get(args.id)
        steps = pick_steps(runbook, args.step)
        incident_id = ""
        incident: Incident | None = None
        if args.incident:
            active = book.active()
            if args.incident == "active" and active is None:
                raise UserError("no open incident (--incident active)")
            incident = active if args.incident == "active" and active else book.get(args.incident)
            if runbook.id not in incident.runbook_ids:
                raise UserError(f"{runbook.id} is not attached to {incident.id}: `incident attach {runbook.id}` first")
            incident_id = incident.id
        values = values_for(config, parse_sets(args.set), incident_id)
        failed = False
        for step in steps:
            secrets = loaded.secrets if loaded else frozenset()
            if incident_id:  # refolded: a step may act on what an earlier one recorded (a status page incident)
                incident = book.get(incident_id)
            running = run_step(
                step,
                values,
                config,
                capabilities=capabilities,
                secrets=secrets,
                confirmed=args.confirm,
                config_path=loaded.path if loaded else None,
                incident=incident,
            )
            result = asyncio.run(running)
            ticked = False
            if incident_id:
                event = book.record(book.action_output(incident_id, f"{runbook.id}/{step.id}", result.record()))
                ticked = bool(event.data.get("ticks"))
            print(_json(runbook, step, result, ticked) if args.json else _text(step, result, ticked), flush=True)
            failed = failed or result.ok is False or result.status.startswith(("timed out", "cannot", "error"))
        return 1 if failed else 0
    finally:
        book.journal.close()


def _text(step: Step, result: ActionResult, ticked: bool) -> str:
    mark = {True: "✔", False: "✖", None: "·"}[result.ok]
    lines = [f"{mark} {step.id}: {result.status} in {result.duration_ms:.0f} ms · {result.command}"]
    if result.why:
        lines.append(f"  {result.why}")
    if ticked:
        lines.append("  ticked in the timeline: its expectations held")
    if result.output:
        lines += ["  " + line for line in result.output.splitlines()[:40]]
        if result.truncated or len(result.output.splitlines()) > 40:
            lines.append("  … (the timeline keeps up to 64 KiB)")
    return "\n".join(lines)


def _json(runbook: Runbook, step: Step, result: ActionResult, ticked: bool) -> str:
    data: dict[str, Any] = {"runbook": runbook.id, "step": step.id, **result.record(), "ticked": ticked}
    data.pop("excerpt")
    return json.dumps(data)
