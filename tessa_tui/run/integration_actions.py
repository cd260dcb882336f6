"""The integration step actions (`pagerduty:`, `slack:`, `statuspage:`): one call each, for the incident the
checklist belongs to, turned into an ActionResult.

Every failure (not configured, no incident, service unreachable, refused) is a result with ok=False and the
reason, never an exception: the step stays unticked and the incident goes on. Which outside record a step
acts on comes from the journal only: the PagerDuty incident linked at declaration, and the Statuspage
incident an earlier statuspage step created (its result's `link`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.incident import Incident
from tessa_tui.integrations.api_call import IntegrationError, Reply
from tessa_tui.runbook.placeholders import fill_text

SLACK_TEMPLATES = {
    "declared": ":rotating_light: *{severity} declared* {id}: {title}\nStatus: {status} · Commander: {commander} "
    "· Services: {services} · Declared {declared_at}",
    "severity": ":warning: {id} is now *{severity}*: {title}",
    "update": ":information_source: Update on {id} ({severity}): {title}\nStatus: {status} {url}",
    "resolved": ":white_check_mark: *Resolved* {id}: {title}\n{summary}",
}
"""Built-in texts for the templates `integrations.slack.templates` does not give."""

STATUSPAGE_BODIES = {  # Statuspage's own suggested texts
    "investigating": "We are currently investigating this issue.",
    "identified": "The issue has been identified and a fix is being implemented.",
    "monitoring": "A fix has been implemented and we are monitoring the results.",
    "resolved": "This incident has been resolved.",
}
OUTAGE_BY_SEVERITY = {"SEV1": "major_outage", "SEV2": "partial_outage"}  # others: degraded_performance
STATUSPAGE_LINK = "statuspage_incident"
PAGERDUTY_DEDUP_LINK = "pagerduty_dedup_key"
"""An alert's dedup key linked to the incident (an incident link, or an earlier step result's `link`)."""


@dataclass(frozen=True)
class Outcome:
    """What an integration step did: the parts of an ActionResult this module decides."""

    status: str
    ok: bool
    why: str = ""
    output: str = ""
    link: dict[str, str] = field(default_factory=dict)


async def run_integration(
    kind: str,
    target: str,
    incident: Incident | None,
    config: TessaConfig,
    secrets: Iterable[str],
    capabilities: Capabilities,
) -> Outcome:
    """Run one integration action; secrets are masked in everything returned. ReadOnlyError (nothing sent)
    when `capabilities` may not post."""
    capabilities.require("post", f"{kind} {target}")
    hidden = {s for s in (*secrets, *_credentials(config)) if s and len(s) >= 4}
    if incident is None:
        return Outcome("cannot run: no incident (run it from an incident's checklist, or with --incident)", False)
    try:
        if kind == "pagerduty":
            outcome = await _pagerduty(target, incident, config, hidden)
        elif kind == "slack":
            outcome = await _slack(target, incident, config, hidden)
        else:
            outcome = await _statuspage(target, incident, config, hidden)
    except IntegrationError as exc:  # not configured: says which key to add
        outcome = Outcome(f"cannot run: {exc}", False, str(exc))
    return Outcome(
        redact_text(outcome.status, hidden),
        outcome.ok,
        redact_text(outcome.why, hidden),
        redact_text(outcome.output, hidden),
        outcome.link,
    )


def _credentials(config: TessaConfig) -> list[str]:
    return [value for _, value in config.integrations.tokens() if value]


def _failed(reply: Reply) -> Outcome:
    return Outcome(f"error: {reply.error}", False, reply.error)


def _retried(reply: Reply) -> str:
    return f"succeeded on attempt {reply.attempts} after {reply.elapsed_s:.1f}s" if reply.attempts > 1 else ""


async def _pagerduty(target: str, incident: Incident, config: TessaConfig, hidden: set[str]) -> Outcome:
    from tessa_tui.integrations import pagerduty

    pd = config.integrations.pagerduty
    if pd is None:
        raise IntegrationError("PagerDuty is not configured (`integrations: pagerduty:` in tessa.yaml)")
    action: Literal["acknowledge", "resolve"] = "resolve" if target == "resolve" else "acknowledge"
    linked = incident.links.get("pagerduty_incident")
    if linked and pd.token:
        return await _pagerduty_rest(linked, action, config, hidden)
    if pd.routing_key:
        dedup_key = incident.links.get(PAGERDUTY_DEDUP_LINK) or (_earlier(incident, PAGERDUTY_DEDUP_LINK) or {}).get(
            PAGERDUTY_DEDUP_LINK
        )
        if not dedup_key:
            # PagerDuty answers 202 to an acknowledge for any dedup key, one no alert carries included: sending
            # the incident id would tick the step with nothing acknowledged.
            reason = (
                f"no PagerDuty alert is linked to {incident.id}: the Events API {action}s an alert by the dedup key "
                "it was triggered with, and this console triggered or linked none"
                + (f" (the linked incident {linked} needs the REST API `token`)" if linked else "")
            )
            return Outcome(f"cannot run: {reason}", False, reason)
        reply = await pagerduty.events_v2(config, dedup_key, action, hidden)
        if not reply.ok:
            return _failed(reply)
        output = f"dedup key {dedup_key}: {action}"
        return Outcome(f"PagerDuty Events {reply.status} {action}", True, _retried(reply), output)
    reason = "no PagerDuty incident linked (declare from a PagerDuty incident, or configure `routing-key`)"
    return Outcome(f"cannot run: {reason}", False, reason)


async def _pagerduty_rest(
    linked: str, action: Literal["acknowledge", "resolve"], config: TessaConfig, hidden: set[str]
) -> Outcome:
    """Read the incident's status, then change it only when that moves it forward: PagerDuty reopens a
    resolved incident that is set to acknowledged, and re-assigns an acknowledged one to the `from` user."""
    from tessa_tui.integrations import pagerduty

    status: Literal["acknowledged", "resolved"] = "resolved" if action == "resolve" else "acknowledged"
    current, now = await pagerduty.get_status(config, linked, hidden)
    if not current.ok:
        return _failed(current)
    if now == "resolved" and action == "acknowledge":
        reason = f"PagerDuty incident {linked} is already resolved: not acknowledged (that would reopen it)"
        return Outcome(f"cannot run: {reason}", False, reason, f"{linked}: resolved")
    if now == status:
        return Outcome(f"PagerDuty {linked} already {status}", True, "nothing sent", f"{linked}: {status}")
    reply = await pagerduty.set_status(config, linked, status, hidden)
    if not reply.ok:
        return _failed(reply)
    return Outcome(f"PagerDuty {reply.status} {status}", True, _retried(reply), f"{linked}: {status}")


def incident_fields(incident: Incident, config: TessaConfig) -> dict[str, str]:
    """What a Slack template's {placeholders} are filled with (config_model.SLACK_FIELDS names them)."""
    fields = {
        "id": incident.id,
        "severity": incident.severity,
        "title": incident.title,
        "status": incident.status,
        "summary": incident.summary,
        "url": _statuspage_shortlink(incident),
        "commander": incident.roles.get("commander", "unassigned"),
        "services": ", ".join(incident.services) or "not named",
        "declared_at": f"{incident.declared_at:%Y-%m-%d %H:%M} UTC",
        "platform": config.platform,
        "environment": config.environment,
    }
    return fields


def slack_text(name: str, incident: Incident, config: TessaConfig) -> str | None:
    """The template filled in (values escaped for Slack), or None when there is no such template."""
    slack = config.integrations.slack
    template = (slack.templates if slack else {}).get(name) or SLACK_TEMPLATES.get(name)
    if template is None:
        return None
    filled = {**config.placeholders, **incident_fields(incident, config)}
    values = {key: _escape(value) for key, value in filled.items()}
    return fill_text(template, values).strip()


def _escape(text: str) -> str:
    from tessa_tui.integrations.slack import escape

    return escape(sanitize(text))


async def _slack(target: str, incident: Incident, config: TessaConfig, hidden: set[str]) -> Outcome:
    from tessa_tui.integrations.slack import post_message, settings

    slack = settings(config)
    text = slack_text(target, incident, config)
    if text is None:
        have = ", ".join(sorted({*SLACK_TEMPLATES, *slack.templates}))
        return Outcome(f"cannot run: no Slack template {target!r} (have: {have})", False)
    reply = await post_message(config, text, hidden)
    if not reply.ok:
        return Outcome(f"error: {reply.error}", False, reply.error, text)
    where = "webhook" if slack.webhook_url else slack.channel or ""
    return Outcome(f"Slack posted ({where})", True, _retried(reply), text)


def _earlier(incident: Incident, key: str) -> dict[str, str] | None:
    """The newest successful action result that linked `key`."""
    for event in reversed(incident.events):
        link = event.data.get("link") if event.kind == "action_output" else None
        if isinstance(link, dict) and link.get(key):
            return {str(k): str(v) for k, v in link.items()}
    return None


def _statuspage_shortlink(incident: Incident) -> str:
    return (_earlier(incident, STATUSPAGE_LINK) or {}).get("shortlink", "")


async def _statuspage(target: str, incident: Incident, config: TessaConfig, hidden: set[str]) -> Outcome:
    from tessa_tui.integrations.statuspage_incidents import save_incident, settings

    sp = settings(config)
    named = [sp.components[s] for s in incident.services if s in sp.components]
    affected = list(dict.fromkeys(named or sp.components.values()))
    level = "operational" if target == "resolved" else OUTAGE_BY_SEVERITY.get(incident.severity, "degraded_performance")
    body = STATUSPAGE_BODIES[target] + (f" {incident.summary}" if target == "resolved" and incident.summary else "")
    earlier = _earlier(incident, STATUSPAGE_LINK)
    existing = earlier[STATUSPAGE_LINK] if earlier else None
    reply = await save_incident(
        config,
        incident_id=existing,
        name=incident.title,
        status=target,
        body=body,
        components={c: level for c in affected},
        secrets=hidden,
    )
    if not reply.ok:
        return _failed(reply)
    answer = reply.body if isinstance(reply.body, dict) else {}
    page_incident = sanitize(str(answer.get("id") or existing or ""))[:60]
    if not page_incident:
        return Outcome("error: Statuspage: the answer has no incident id", False, "the answer has no incident id")
    shortlink = sanitize(str(answer.get("shortlink") or (earlier or {}).get("shortlink", "")))[:200]
    verb = "updated" if existing else "created"
    components = ", ".join(f"{c}: {level}" for c in affected) or "none"
    output = f"{incident.title}\n{target}: {body}\ncomponents: {components}" + (f"\n{shortlink}" if shortlink else "")
    link = {STATUSPAGE_LINK: page_incident, **({"shortlink": shortlink} if shortlink else {})}
    return Outcome(f"Statuspage {verb} {page_incident} ({target})", True, _retried(reply), output, link)
