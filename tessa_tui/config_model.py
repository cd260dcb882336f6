"""The typed configuration: one definition validates tessa.yaml, documents it and emits its JSON Schema."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from tessa_tui.durations import format_duration, parse_duration
from tessa_tui.keymap import KEY_BY_ID

THEMES = ("tessa-dark", "tessa-light", "tessa-high-contrast")

Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": ["string", "number"],
            "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d))+$",
            "description": "A duration: seconds as a number, or text like 500ms, 30s, 15m, 1h30m, 2d.",
        }
    ),
]
PositiveInt = Annotated[int, Field(ge=1)]
Name = Annotated[str, Field(min_length=1, max_length=80)]


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, keys are kebab-case."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=_kebab,
        populate_by_name=True,
        coerce_numbers_to_str=True,
        use_attribute_docstrings=True,
    )


class ServiceCheck(Section):
    """An HTTP health check of our own, or a vendor's Statuspage v2 status page."""

    name: Name
    """Shown in the services pane and used by `tessa-tui check --only NAME`."""
    group: str = "services"
    """Rows are grouped by this in the services pane."""
    url: HttpUrl | None = None
    """Endpoint to request (an HTTP check); give either this or `statuspage`."""
    statuspage: HttpUrl | None = None
    """Base URL of an Atlassian Statuspage (e.g. https://status.openai.com); polls /api/v2/summary.json."""
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    """HTTP method of the request."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Request headers; take secret values from the environment: `Authorization: Bearer ${TOKEN}`."""
    body: str | None = None
    """Request body, sent as is."""
    interval: Duration = timedelta(seconds=30)
    """Time between two checks (counted from the end of the previous one)."""
    timeout: Duration = timedelta(seconds=10)
    """Total deadline of one request, connection to last byte."""
    conditions: list[str] = Field(default_factory=lambda: ["[STATUS] == 200"])
    """Gatus-style conditions that must all hold, e.g. `[STATUS] == 200`, `[BODY].status == ok`."""
    failure_threshold: PositiveInt = 3
    """Consecutive failures before the pane shows the service down."""
    success_threshold: PositiveInt = 2
    """Consecutive successes before the pane shows it up again."""
    degraded_latency: Duration | None = None
    """A passing check slower than this is shown DEGRADED."""

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.url is None) == (self.statuspage is None):
            raise ValueError(
                "give exactly one of `url` (an HTTP check) or `statuspage` (a vendor status page)"
            )
        if self.timeout <= timedelta(0) or self.interval <= timedelta(0):
            raise ValueError("`interval` and `timeout` must be longer than 0s")
        return self


class DatabaseConfig(Section):
    """The PostgreSQL database the database pane watches (read-only)."""

    dsn: str = Field(min_length=1)
    """Connection string; always from the environment: `${TESSA_DATABASE_URL}`. Never shown unmasked."""
    statement_timeout: Duration = timedelta(seconds=2)
    """Server-side limit on each monitoring query."""
    lock_timeout: Duration = timedelta(seconds=1)
    """Monitoring queries give up waiting for a lock after this."""
    connect_timeout: Duration = timedelta(seconds=5)
    """Deadline for opening the monitor connection."""
    activity_interval: Duration = timedelta(seconds=5)
    """How often connections, long queries and locks are polled."""
    size_interval: Duration = timedelta(minutes=5)
    """How often database and table sizes are polled (they are costlier)."""
    long_query_threshold: Duration = timedelta(seconds=5)
    """Queries running longer than this are listed as long-running."""
    behind_pooler: bool = False
    """True behind a transaction-mode pooler (pgbouncer, Supavisor): disables the statement cache."""


class LogSource(Section):
    """A log the logs pane follows: a file (followed like `tail -F`) or a command's output."""

    name: Name
    """Tab title and the NAME in `tessa-tui logs NAME`."""
    path: str | None = None
    """File to follow; give either this or `command`."""
    command: list[str] | None = None
    """Command to run, as an argument list (never a shell string)."""
    format: Literal["auto", "json", "logfmt", "syslog", "access", "postgres", "plain"] = "auto"
    """How lines are parsed; `auto` detects per line."""
    buffer_lines: Annotated[int, Field(ge=100, le=10_000_000)] = 100_000
    """Lines kept in memory for this source (a ring buffer)."""

    @model_validator(mode="after")
    def _one_origin(self) -> Self:
        if (self.path is None) == (self.command is None):
            raise ValueError("give exactly one of `path` (a file) or `command` (an argument list)")
        if self.command is not None and not self.command:
            raise ValueError("`command` must name a program")
        return self


class Person(Section):
    """Someone to call: on-call, escalation, incident roles."""

    role: str
    """e.g. primary, secondary, escalation, manager."""
    name: Name
    phone: str | None = None
    slack: str | None = None
    email: str | None = None


class Vendor(Section):
    """Third-party support (Supabase, OpenAI, hosting)."""

    name: Name
    contact: str | None = None
    """Support address, phone or portal."""
    url: str | None = None


class Channel(Section):
    """A communication channel (Slack #incidents, status page, dashboard)."""

    name: Name
    url: str | None = None


class Contacts(Section):
    """The seed's emergency contacts: on-call rotation, escalation, vendors and channels."""

    people: list[Person] = Field(default_factory=list)
    vendors: list[Vendor] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)

    def on_call(self) -> Person | None:
        """The primary on-call person, if configured."""
        return next((p for p in self.people if p.role.lower() in {"primary", "on-call"}), None)


class Link(Section):
    """A named URL."""

    name: Name
    url: str


class CommandRef(Section):
    """A common command; `{placeholders}` are filled from `placeholders`."""

    name: Name
    command: str


class QuickReference(Section):
    """The seed's quick reference: service URLs and common commands."""

    urls: list[Link] = Field(default_factory=list)
    commands: list[CommandRef] = Field(default_factory=list)


class Severity(Section):
    """One severity level and its response target."""

    description: str
    response_target: Duration
    """Time from declaration to response before the target is breached."""
    update_every: Duration | None = None
    """Cadence of stakeholder updates while the incident is open."""
    example: str = ""


def _default_severities() -> dict[str, Severity]:
    return {
        "SEV1": Severity(
            description="Service Down",
            response_target=timedelta(minutes=15),
            update_every=timedelta(minutes=30),
            example="Complete outage",
        ),
        "SEV2": Severity(
            description="Major Feature Down",
            response_target=timedelta(minutes=30),
            update_every=timedelta(hours=1),
            example="Auth down, AI chat down",
        ),
        "SEV3": Severity(
            description="Degraded Performance",
            response_target=timedelta(hours=2),
            example="Slow queries, high latency",
        ),
        "SEV4": Severity(
            description="Minor Issue", response_target=timedelta(hours=24), example="UI bug, typo"
        ),
    }


class Journal(Section):
    """Where incidents are recorded, and who is recorded as doing things."""

    path: Path | None = None
    """SQLite journal file; default: the user data directory's journal.sqlite3."""
    actor: str | None = None
    """Name stamped on every event; default: the OS user name."""


class Notifications(Section):
    """How the console gets attention."""

    bell: bool = False
    """Ring the terminal bell on state flips and SLA thresholds."""
    desktop: bool = False
    """Send desktop notifications (OSC 9 / 777) where the terminal supports them."""


def _valid_keymap(value: dict[str, str]) -> dict[str, str]:
    for binding_id in value:
        if binding_id not in KEY_BY_ID:
            from difflib import get_close_matches

            close = get_close_matches(binding_id, list(KEY_BY_ID), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown binding id {binding_id!r}{hint}")
    return value


class TessaConfig(Section):
    """tessa.yaml: what the console watches and how it behaves."""

    platform: Name = "Tessa AI Platform"
    """Shown in the header."""
    environment: str = "production"
    """production / staging / development ...; the header colours it by risk."""
    services: list[ServiceCheck] | None = None
    """Health checks and vendor status pages (the services pane)."""
    database: DatabaseConfig | None = None
    """The database pane's target."""
    logs: list[LogSource] | None = None
    """Log sources (the logs pane)."""
    contacts: Contacts = Field(default_factory=Contacts)
    quick_reference: QuickReference = Field(default_factory=QuickReference)
    severities: dict[str, Severity] = Field(default_factory=_default_severities)
    """Severity levels with response targets; defaults are the seed's SEV1-4."""
    journal: Journal = Field(default_factory=Journal)
    placeholders: dict[str, str] = Field(default_factory=dict)
    """Values for `{placeholders}` in runbooks and commands, e.g. production_url, project_id."""
    theme: Literal["tessa-dark", "tessa-light", "tessa-high-contrast"] = "tessa-dark"
    keymap: Annotated[dict[str, str], AfterValidator(_valid_keymap)] = Field(default_factory=dict)
    """Binding id -> key(s), e.g. `quit: ctrl+q`; ids are listed by `?` in the console."""
    notifications: Notifications = Field(default_factory=Notifications)

    @field_validator("services", "logs")
    @classmethod
    def _unique_names(cls, items: list[ServiceCheck] | list[LogSource] | None) -> object:
        seen: set[str] = set()
        for item in items or []:
            if item.name in seen:
                raise ValueError(f"name {item.name!r} is used twice; names must be unique")
            seen.add(item.name)
        return items

    @field_validator("severities")
    @classmethod
    def _some_severity(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        if not value:
            raise ValueError("at least one severity level is needed")
        return value

    def environment_risk(self) -> Literal["high", "medium", "low"]:
        """How dangerous a mistake is here: production high, staging medium, anything else low."""
        env = self.environment.lower()
        if env.startswith("prod") or env == "live":
            return "high"
        if env.startswith(("stag", "preprod", "uat")):
            return "medium"
        return "low"
