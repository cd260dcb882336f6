"""The runbook format: one YAML file per runbook, typed here, which also yields its JSON Schema.

A runbook is phases of steps. Procedure phases carry time boxes (`within`, measured from the start of the
incident); issue runbooks carry an expected time to resolution and an escalate-after alert (measured from
when the runbook was attached). Steps have stable ids, because the journal records ticks by id.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from tessa_tui.conditions.condition import parse_condition
from tessa_tui.config.fields import Duration, Section, doc
from tessa_tui.config.metrics import Role

Kind = Literal["procedure", "issue", "rollback", "maintenance", "security", "review"]
StepId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
RunbookId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
ProbeName = Literal[
    "services-green", "error-rate", "api-p95", "overnight-incidents", "backups", "slow-queries", "db-growth", "storage"
]
ACTION_KINDS = (
    "http",
    "sql",
    "run",
    "check",
    "copy",
    "probe",
    "pagerduty",
    "slack",
    "statuspage",
    "deployments",
    "rollback",
    "metrics",
)
INTEGRATION_KINDS = frozenset({"pagerduty", "slack", "statuspage"})  # succeed when the call does: no `expect`
TemplateName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_-]*$", max_length=40)]


class HttpAction(Section, frozen=True, kw_only=True):
    """Request a URL; the action's `expect` (Gatus syntax, as for service checks) says whether the answer is good."""

    url: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    body: str | None = None


class RollbackAction(Section, frozen=True, kw_only=True):
    """Put an earlier deployment back into production: Vercel's promote or Netlify's restore, done only when a
    re-read of the platform shows production serving it."""

    vercel: Annotated[
        str | None, doc("Promote this Vercel deployment: an id, `previous`, or a placeholder (`{deployment_id}`).")
    ] = None
    netlify: Annotated[str | None, doc("Restore this Netlify deploy: an id, `previous`, or a placeholder.")] = None
    source: Annotated[str | None, doc("The `deployments:` source to act on (default: the first of that platform).")] = (
        None
    )

    def __post_init__(self) -> None:
        if (self.vercel is None) == (self.netlify is None):
            raise ValueError("give exactly one of `vercel` or `netlify`")

    @property
    def platform(self) -> Literal["vercel", "netlify"]:
        return "vercel" if self.vercel is not None else "netlify"

    @property
    def deployment(self) -> str:
        return self.vercel if self.vercel is not None else self.netlify or ""


class Action(Section, frozen=True, kw_only=True):
    """What a step runs, exactly one of the kinds; executed by the runbook runner, recorded in the timeline."""

    http: HttpAction | None = None
    sql: Annotated[str | None, doc("A read-only query through the database monitor's settings.")] = None
    run: Annotated[list[str] | None, doc("An argv list, never a shell string; {placeholders} allowed.")] = None
    check: Annotated[str | None, doc("The name of a configured service check to run now.")] = None
    copy: Annotated[str | None, doc("A URL or command to put on the clipboard.")] = None
    probe: Annotated[
        ProbeName | None,
        doc("A review item measured now (tessa_tui/run/review_probes.py); its reading is [BODY].value for `expect`."),
    ] = None
    pagerduty: Annotated[
        Literal["acknowledge", "resolve"] | None,
        doc("The PagerDuty incident linked at declaration (REST API), else a linked alert's dedup key (Events)."),
    ] = None
    slack: Annotated[
        TemplateName | None,
        doc(
            "Post this Slack template (declared, severity, update, resolved or a configured one), filled from the "
            "incident; the posted text goes into the timeline."
        ),
    ] = None
    statuspage: Annotated[
        Literal["investigating", "identified", "monitoring", "resolved"] | None,
        doc("Create the incident's status page incident (the first time), or update it, with its components."),
    ] = None
    deployments: Annotated[
        Literal["recent", "list"] | None,
        doc(
            "The deployments of every `deployments:` source: `recent` (younger than `deployments.recent`, 2h by "
            "default) or `list` (the latest of each); [BODY].count is how many, [BODY].failed the sources not read."
        ),
    ] = None
    rollback: Annotated[
        RollbackAction | None,
        doc("Put an earlier deployment back into production (Vercel promote, Netlify restore); mark it destructive."),
    ] = None
    metrics: Annotated[
        Role | None,
        doc(
            "Read the `metrics:` series with this role now (cpu, memory, connections, error-rate, latency-p95): "
            "[BODY].value and [BODY].state of the first, [BODY].unknown how many of them are not known now "
            "(`[BODY].unknown == 0` ticks the step once the figure is known), [BODY].count how many there are."
        ),
    ] = None
    only: Annotated[
        list[str],
        doc(
            "`probe`: the service checks (services-green, api-p95) or log sources (error-rate) to measure; "
            "default every one."
        ),
    ] = msgspec.field(default_factory=list)
    timeout: Annotated[Duration | None, doc("Deadline for the action; default 30s.")] = None
    expect: Annotated[
        list[str],
        doc(
            "Conditions (Gatus syntax) on the result that, when all hold, tick the step. `run`: [STATUS] is the exit "
            "status, [BODY] the output; `sql`: [BODY].count, [BODY].value (first cell), [BODY].rows; `http`: as "
            "for service checks; `check`: [BODY].state; `probe`: [BODY].value and the probe's other fields."
        ),
    ] = msgspec.field(default_factory=list)
    ask: Annotated[
        list[str],
        doc("Placeholders asked for before running (prefilled from `placeholders:` in tessa.yaml, except secrets)."),
    ] = msgspec.field(default_factory=list)
    allow_option: Annotated[
        list[str],
        doc(
            "`run`: placeholders whose value may begin an argument with `-` (be an option); any other such value "
            "is refused, so a value cannot turn into `--output=FILE`."
        ),
    ] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        kinds = [k for k in ACTION_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"an action has exactly one of {', '.join(ACTION_KINDS)} (found {len(kinds)})")
        if self.run is not None and not self.run:
            raise ValueError("`run` needs at least the program name")
        for text in self.expect:
            try:
                parse_condition(text)
            except ValueError as exc:  # ConditionError: says what is wrong with which condition
                raise ValueError(f"`expect`: {exc}") from None
        if self.kind in INTEGRATION_KINDS and (self.expect or self.ask):
            raise ValueError(f"`{self.kind}` succeeds when the call does: it takes no `expect` or `ask`")
        if self.rollback is not None and self.expect:
            raise ValueError("`rollback` succeeds when a re-read shows production serving the deployment: no `expect`")
        unused = [n for n in self.allow_option if not any(f"{{{n}}}" in arg for arg in self.run or [])]
        if unused:
            raise ValueError(f"`allow-option`: {{{unused[0]}}} is not a placeholder of `run`")
        if self.only and self.probe not in ("services-green", "api-p95", "error-rate"):
            raise ValueError("`only` goes with probe services-green, api-p95 or error-rate")

    @property
    def kind(self) -> str:
        return next(k for k in ACTION_KINDS if getattr(self, k) is not None)

    def texts(self) -> list[str]:
        """Every text of the action that may hold {placeholders}."""
        if self.http is not None:
            return [self.http.url, *self.http.headers.values(), self.http.body or ""]
        if self.kind in INTEGRATION_KINDS or self.deployments or self.metrics:  # fixed words (Slack: the incident's)
            return []
        if self.rollback is not None:
            return [self.rollback.deployment, self.rollback.source or ""]
        return [*(self.run or []), self.sql or "", self.copy or "", self.check or "", self.probe or ""]


class Step(Section, frozen=True, kw_only=True):
    """One checklist item."""

    id: Annotated[StepId, doc("Stable id (lower-case, digits, dashes); the journal records ticks by it.")]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    notes: str = ""
    destructive: Annotated[bool, doc("Changes a system; running its action needs a typed confirmation.")] = False
    confirm: Annotated[str | None, doc("The word typed to run a destructive step's action (default: the step id).")] = (
        None
    )
    link: Annotated[RunbookId | None, doc("Another runbook this step leads to (attachable from the step).")] = None
    action: Action | None = None


class Phase(Section, frozen=True, kw_only=True):
    """A group of steps with an optional time box."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    within: Annotated[Duration | None, doc("Time box: done within this long of the incident's start.")] = None
    steps: Annotated[list[Step], msgspec.Meta(min_length=1)]


class ResolutionTime(Section, frozen=True, kw_only=True):
    """The seed's "Time to Resolution: 5-15 minutes"."""

    min: Duration
    max: Duration


class Runbook(Section, frozen=True, kw_only=True):
    """One runbook file."""

    id: Annotated[RunbookId, doc("Unique id; the file is named after it.")]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    kind: Kind
    severity: Annotated[str | None, doc("Severity this runbook usually goes with (SEV1..SEV4).")] = None
    summary: str = ""
    symptoms: Annotated[list[str], doc("What on-call sees; searched by the palette.")] = msgspec.field(
        default_factory=list
    )
    warnings: Annotated[list[str], doc("Shown above the checklist, e.g. data-loss risk.")] = msgspec.field(
        default_factory=list
    )
    time_to_resolution: ResolutionTime | None = None
    escalate_after: Annotated[Duration | None, doc("Escalate if unresolved this long after attaching.")] = None
    duration: Annotated[Duration | None, doc("How long the whole runbook takes (reviews, rollbacks).")] = None
    frequency: Annotated[str, doc("How often it is run (maintenance, reviews), e.g. weekly.")] = ""
    phases: Annotated[list[Phase], msgspec.Meta(min_length=1)]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for phase in self.phases:
            for step in phase.steps:
                if step.id in seen:
                    raise ValueError(f"`phases`: step id {step.id!r} is used twice in this runbook")
                seen.add(step.id)
        boxes = [p.within for p in self.phases if p.within is not None]
        if boxes != sorted(boxes):
            raise ValueError("`phases`: time boxes must not decrease from one phase to the next")
        if self.time_to_resolution and self.time_to_resolution.min > self.time_to_resolution.max:
            raise ValueError("`time-to-resolution`: min is after max")

    def steps(self) -> list[tuple[Phase, Step]]:
        """Every step with its phase, in checklist order."""
        return [(phase, step) for phase in self.phases for step in phase.steps]

    def step(self, step_id: str) -> Step | None:
        return next((s for _, s in self.steps() if s.id == step_id), None)

    def search_text(self) -> str:
        """What the palette matches a query against."""
        return " ".join([self.id, self.title, self.kind, self.summary, *self.symptoms]).lower()
