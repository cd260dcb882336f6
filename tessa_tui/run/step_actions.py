"""Running a runbook step's action: a command, an HTTP request, a read-only query, a service check or a text
to copy; each under a deadline, its output capped, sanitised and redacted, its expectations evaluated.

Nothing here raises for what the outside world does (a command that hangs, a server that answers garbage),
nor for a bug met while a step runs: every outcome is an ActionResult. UserError only for what the caller got
wrong or may not do (a missing value, a destructive step without confirmation, a read-only process).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.errors import UserError
from tessa_tui.base.redact import clip, redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.conditions.condition import ConditionResult, Observation, evaluate_all, parse_condition
from tessa_tui.config.fields import Duration
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.incident import Incident
from tessa_tui.run.secret_egress import check_destination
from tessa_tui.runbook.model import INTEGRATION_KINDS, Step
from tessa_tui.runbook.placeholders import DEFAULTS, Expanded, expand

DEFAULT_TIMEOUT_S = 30.0
READ_CAP = 4 * 1024 * 1024  # bytes read from a command before the rest is drained unread
KEEP = 64 * 1024  # characters of output kept (the timeline shows EXCERPT of them)
EXCERPT = 2000
MAX_ROWS = 200


@dataclass(frozen=True)
class ActionResult:
    """What running a step's action did, ready to show and to record."""

    kind: str
    command: str
    """What ran, as a person would read it (redacted)."""
    status: str
    """`exit 0`, `HTTP 503`, `12 rows`, `timed out after 2s`, `up` ..."""
    ok: bool | None
    """The step's expectations held (True), failed (False), or it has none (None)."""
    why: str
    """The expectations as evaluated (`[STATUS] (0) == 0`), or what went wrong."""
    duration_ms: float
    output: str
    """Sanitised, redacted, at most KEEP characters."""
    truncated: bool = False
    expectations: list[ConditionResult] = field(default_factory=list)
    link: dict[str, str] = field(default_factory=dict)
    """Outside records the action made, found again by later steps (`statuspage_incident`: its id)."""

    @property
    def excerpt(self) -> str:
        return self.output[:EXCERPT] + (" …" if len(self.output) > EXCERPT else "")

    def record(self) -> dict[str, Any]:
        """The journal's copy of it."""
        return {
            "kind": self.kind,
            "command": self.command,
            "status": self.status,
            "ok": self.ok,
            "why": self.why,
            "duration_ms": round(self.duration_ms, 1),
            "excerpt": self.excerpt,
            "output": self.output,
            "truncated": self.truncated,
            **({"link": self.link} if self.link else {}),
        }


def confirm_word(step: Step) -> str:
    """What must be typed to run a destructive step."""
    return step.confirm or step.id


def values_for(config: TessaConfig, asked: Mapping[str, str] | None = None, incident_id: str = "") -> dict[str, str]:
    """Placeholder values: the config's, then built-ins, then what was asked for (which wins)."""
    values = {**DEFAULTS, **config.placeholders}
    values.update(incident_id=incident_id, now=datetime.now(UTC).isoformat(timespec="seconds"))
    values.update(asked or {})
    return values


async def run_step(
    step: Step,
    values: Mapping[str, str],
    config: TessaConfig,
    *,
    capabilities: Capabilities,
    secrets: Iterable[str] = (),
    masked: Iterable[str] = (),
    confirmed: str | None = None,
    journal: Path | None = None,
    config_path: Path | None = None,
    incident: Incident | None = None,
) -> ActionResult:
    """Run a step's action. Refused with UserError before anything starts: any step when `capabilities` may not
    act (read-only), an integration step when it may not post, a destructive step without `confirmed` = its
    confirm word, a value that would change the command, and a request carrying one of `secrets` (the config's)
    to a host neither the config nor the runbook names. `masked`: more values to hide (typed secrets).
    `journal`: where probes read incidents and size history (default: the config's journal path). `incident`:
    the one the step is run for; integration steps (PagerDuty, Slack, Statuspage) act on it.

    Once it starts, the step is a fault boundary: whatever goes wrong is a failed result, never an exception."""
    action = step.action
    if action is None:
        raise UserError(f"step {step.id} has no action to run")
    capabilities.require("act", f"step {step.id}")
    if action.kind in INTEGRATION_KINDS or action.kind == "rollback":  # tells an outside service to change
        capabilities.require("post", f"step {step.id} ({action.kind})")
    if step.destructive and confirmed != confirm_word(step):
        raise UserError(f"step {step.id} is destructive: type {confirm_word(step)!r} to run it")
    tokens = [v for _, v in config.integrations.tokens() if v]
    tokens += [v for _, v in config.deployments.tokens()] if config.deployments else []
    configured = {s for s in (*secrets, *tokens) if len(s) >= 4}
    # Not the whole DSN: its password is masked wherever it appears (redact), and hidden values are registered
    # for the whole process, so the DSN itself would turn every later display of the database target into ****.
    hidden = configured | {s for s in masked if len(s) >= 4}
    expanded = expand(action, values)
    if expanded.kind == "run" and expanded.argv[0] == "tessa-tui":
        # The console's own CLI: this interpreter and this config, whatever PATH holds.
        config_args = ["--config", str(config_path)] if config_path else []
        expanded = replace(expanded, argv=[sys.executable, "-m", "tessa_tui", *config_args, *expanded.argv[1:]])
    if action.http is not None:
        texts = [*expanded.headers.values(), expanded.body or ""]
        check_destination(expanded.url, action.http.url, texts, config, configured)
    started = time.perf_counter()
    try:
        if expanded.kind in INTEGRATION_KINDS:
            return await _integration(expanded, config, hidden, incident, action.timeout, capabilities)
        if expanded.kind == "rollback":
            return await _rollback(expanded, config, hidden, action.timeout)
        return await _run(step, expanded, values, config, hidden, journal, started)
    except UserError:
        raise
    except Exception as exc:  # a bug met in this step: the step fails, the incident and the console go on
        return _crashed(step, expanded, exc, hidden, started)


def _crashed(step: Step, expanded: Expanded, exc: Exception, hidden: set[str], started: float) -> ActionResult:
    """A step that raised: failed, unticked, one masked line; the traceback (no locals) to crash.log."""
    from tessa_tui.base.crash_log import write_crash

    where = write_crash(exc, f"step {step.id} ({expanded.kind})", hidden)
    reason = clip(sanitize(f"{type(exc).__name__}: {exc}"), 200, hidden)
    why = f"error: internal error in this step ({reason}); details in {where}"
    return ActionResult(
        kind=expanded.kind,
        command=redact_text(sanitize(expanded.display(), keep_newlines=True), hidden),
        status=why,
        ok=False,
        why=why,
        duration_ms=(time.perf_counter() - started) * 1000,
        output="",
    )


async def _run(
    step: Step,
    expanded: Expanded,
    values: Mapping[str, str],
    config: TessaConfig,
    hidden: set[str],
    journal: Path | None,
    started: float,
) -> ActionResult:
    """A run / http / sql / check / copy / probe action executed and judged by its expectations."""
    action = step.action
    assert action is not None
    deadline = action.timeout.total_seconds() if action.timeout else DEFAULT_TIMEOUT_S
    if expanded.kind == "probe":  # measured in review_probes; this module only runs and judges it
        from tessa_tui.run.review_probes import ProbeContext, run_probe

        context = ProbeContext(config, action.only, values, hidden, journal)
        observation, status, output, truncated = await run_probe(expanded.target, context, deadline)
    else:
        observation, status, output, truncated = await _execute(expanded, config, deadline, hidden)
    elapsed = (time.perf_counter() - started) * 1000
    observation = _with_time(observation, elapsed)
    manual = status.startswith("manual")  # a probe with nothing to measure here: a person's, neither pass nor fail
    conditions = [] if manual else [parse_condition(text) for text in action.expect]
    checks = evaluate_all(conditions, observation) if conditions else []
    if status.startswith(("timed out", "cannot", "error")):
        ok: bool | None = False if action.expect else None
        why = status
    elif manual:
        ok, why = None, status
    else:
        ok = all(c.success for c in checks) if checks else None
        why = "; ".join(c.display for c in checks)
    return ActionResult(
        kind=expanded.kind,
        command=redact_text(sanitize(expanded.display(), keep_newlines=True), hidden),
        status=status,
        ok=ok,
        why=redact_text(why, hidden),
        duration_ms=elapsed,
        output=redact_text(output, hidden),
        truncated=truncated,
        expectations=checks,
    )


async def _integration(
    expanded: Expanded,
    config: TessaConfig,
    hidden: set[str],
    incident: Incident | None,
    timeout: Duration | None,
    capabilities: Capabilities,
) -> ActionResult:
    """A PagerDuty / Slack / Statuspage call: ok when the service took it (no `expect`), False with why not."""
    from tessa_tui.run.integration_actions import run_integration

    if timeout is not None:  # the step's own deadline replaces the integrations' default for this call
        config = msgspec.structs.replace(
            config, integrations=msgspec.structs.replace(config.integrations, timeout=timeout)
        )
    started = time.perf_counter()
    outcome = await run_integration(expanded.kind, expanded.target, incident, config, hidden, capabilities)
    return ActionResult(
        kind=expanded.kind,
        command=expanded.display(),
        status=outcome.status,
        ok=outcome.ok,
        why=outcome.why,
        duration_ms=(time.perf_counter() - started) * 1000,
        output=clip(sanitize(outcome.output, keep_newlines=True), KEEP, hidden),
        link=outcome.link,
    )


async def _rollback(
    expanded: Expanded, config: TessaConfig, hidden: set[str], timeout: Duration | None
) -> ActionResult:
    """A Vercel promote or a Netlify restore: ok only when a re-read shows production serving the deployment."""
    from tessa_tui.run.deployment_actions import rollback

    started = time.perf_counter()
    wanted, source = expanded.params
    deadline = timeout.total_seconds() if timeout is not None else None
    outcome = await rollback(expanded.target, wanted, source, config, hidden, deadline)
    return ActionResult(
        kind=expanded.kind,
        command=redact_text(sanitize(expanded.display()), hidden),
        status=outcome.status,
        ok=outcome.ok,
        why=outcome.why,
        duration_ms=(time.perf_counter() - started) * 1000,
        output=clip(sanitize(outcome.output, keep_newlines=True), KEEP, hidden),
    )


def _with_time(observation: Observation, elapsed_ms: float) -> Observation:
    if observation.response_time_ms:
        return observation
    return Observation(
        status=observation.status,
        response_time_ms=elapsed_ms,
        body=observation.body,
        connected=observation.connected,
        headers=observation.headers,
    )


async def _execute(
    expanded: Expanded, config: TessaConfig, deadline: float, secrets: set[str]
) -> tuple[Observation, str, str, bool]:
    """(what the expectations look at, status line, output, truncated)."""
    if expanded.kind == "run":
        return await _run_command(expanded.argv, deadline, secrets)
    if expanded.kind == "http":
        return await _http(expanded, deadline, secrets)
    if expanded.kind == "sql":
        return await _sql(expanded, config, deadline, secrets)
    if expanded.kind == "check":
        return await _check(expanded.target, config, deadline, secrets)
    if expanded.kind == "deployments":
        from tessa_tui.run.deployment_actions import list_deployments

        return await list_deployments(expanded.target, config, secrets, deadline)
    if expanded.kind == "metrics":
        from tessa_tui.run.metric_actions import read_role

        return await read_role(expanded.target, config, secrets, deadline)
    text = sanitize(expanded.target, keep_newlines=True)
    return Observation(status=0, body=text), "ready to copy", text, False


async def _run_command(argv: list[str], deadline: float, secrets: set[str]) -> tuple[Observation, str, str, bool]:
    """argv in its own process group, stdout and stderr merged; at the deadline the whole group is killed,
    and so is anything it left running when it exits."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        reason = f"cannot start {argv[0]}: {exc.strerror or exc}"
        return Observation(status=-1), reason, "", False
    assert process.stdout is not None
    chunks: list[bytes] = []
    size = 0
    timed_out = False
    try:
        async with asyncio.timeout(deadline):
            while chunk := await process.stdout.read(64 * 1024):
                if size < READ_CAP:  # beyond the cap: keep draining, so the command is never blocked on us
                    chunks.append(chunk)
                size += len(chunk)
            await process.wait()
    except TimeoutError:
        timed_out = True
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            await asyncio.wait_for(process.wait(), 5)
    # Masked before it is cut: a cut first could leave a secret's beginning at the end of what is kept.
    text = redact_text(sanitize(b"".join(chunks).decode("utf-8", errors="replace"), keep_newlines=True), secrets)
    truncated = size > READ_CAP or len(text) > KEEP
    status = f"timed out after {deadline:g}s (killed)" if timed_out else f"exit {process.returncode}"
    code = process.returncode if process.returncode is not None and not timed_out else -1
    return Observation(status=code, body=text), status, text[:KEEP], truncated


async def _http(expanded: Expanded, deadline: float, secrets: set[str]) -> tuple[Observation, str, str, bool]:
    from tessa_tui.base.http_fetch import fetch, make_client

    async with make_client(max_connections=4) as client:
        outcome = await fetch(
            client, expanded.method, expanded.url, headers=expanded.headers, body=expanded.body, deadline=deadline
        )
    if outcome.error:
        return Observation(status=0, response_time_ms=outcome.elapsed_ms), f"error: {outcome.error}", "", False
    text = redact_text(sanitize(outcome.body.decode("utf-8", errors="replace"), keep_newlines=True), secrets)
    observation = Observation(
        status=outcome.status,
        response_time_ms=outcome.elapsed_ms,
        body=outcome.body,
        connected=outcome.connected,
        headers=dict(outcome.headers or {}),
    )
    return observation, f"HTTP {outcome.status}", text[:KEEP], outcome.body_truncated or len(text) > KEEP


async def _sql(
    expanded: Expanded, config: TessaConfig, deadline: float, secrets: set[str]
) -> tuple[Observation, str, str, bool]:
    if config.database is None:
        return Observation(), "cannot run: no `database:` in tessa.yaml", "", False
    from tessa_tui.database.monitor import DbMonitor

    monitor = DbMonitor(config.database, secrets=secrets)
    try:
        await monitor.connect()
        columns, rows = await monitor.run_query(expanded.sql, expanded.params, deadline, MAX_ROWS + 1)
    except ConnectionError as exc:
        return Observation(), f"cannot connect: {exc}", "", False
    except TimeoutError:
        return Observation(), f"timed out after {deadline:g}s", "", False
    except ValueError as exc:
        return Observation(), f"error: {exc}", "", False
    finally:
        await monitor.close()
    truncated = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]
    table = [dict(zip(columns, row, strict=True)) for row in rows]
    first = rows[0][0] if rows and rows[0] else None
    body = json.dumps({"count": len(rows), "value": first, "rows": table}, default=str)
    text = format_table(columns, rows)
    return Observation(status=len(rows), body=body), f"{len(rows)} row{'s' * (len(rows) != 1)}", text, truncated


def format_table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Rows as an aligned text table (values already sanitised)."""
    if not columns:
        return "(no columns)"
    cells = [[("" if v is None else str(v)).replace("\n", " ")[:80] for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines) if rows else lines[0] + "\n(no rows)"


async def _check(
    name: str, config: TessaConfig, deadline: float, secrets: set[str]
) -> tuple[Observation, str, str, bool]:
    check = next((c for c in config.services or [] if c.name == name), None)
    if check is None:
        have = ", ".join(c.name for c in config.services or []) or "none configured"
        return Observation(), f"cannot run: no service check {name!r} (have: {have})", "", False
    from tessa_tui.base.http_fetch import make_client
    from tessa_tui.checks.service_check import run_check

    async with make_client(max_connections=4) as client:
        try:
            async with asyncio.timeout(deadline):
                result = await run_check(client, check, secrets=secrets)
        except TimeoutError:
            return Observation(), f"timed out after {deadline:g}s", "", False
    body = json.dumps({"state": result.state, "reason": result.reason, "latency_ms": result.latency_ms})
    observation = Observation(status=result.http_status or 0, response_time_ms=result.latency_ms or 0, body=body)
    text = f"{check.name}: {result.state}" + (f" ({result.reason})" if result.reason else "")
    return observation, result.state, sanitize(text), False
