"""The typed configuration: one definition validates tessa.yaml, documents it and emits its JSON Schema.

msgspec rather than pydantic: the same typed validation and JSON Schema, at a fifth of the import
time, which is most of what separates the console's first frame from a bare Textual app's.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import parse_qs, urlsplit

import msgspec

from tessa_tui.base.durations import format_duration, parse_duration
from tessa_tui.base.user_dirs import home_path
from tessa_tui.conditions.condition import ConditionError, parse_condition
from tessa_tui.config.contacts import Contacts, QuickReference
from tessa_tui.config.deployments import Deployments
from tessa_tui.config.endpoints import Endpoint, endpoint_of, placeholder_refusal
from tessa_tui.config.fields import (
    CONTROL,
    Duration,
    Name,
    PositiveInt,
    Section,
    doc,
    duration,
    http_url,
    no_nul,
    postgres_dsn,
)
from tessa_tui.config.integrations import SLACK_FIELDS, TEMPLATE_FIELD, Integrations
from tessa_tui.config.keymap import KEY_BY_ID
from tessa_tui.config.metrics import Metrics
from tessa_tui.config.remote_logs import LokiLogs, SupabaseLogs

if TYPE_CHECKING:
    from tessa_tui.base.tls_contexts import TlsSettings

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
DEFAULT_CONDITIONS = ("[STATUS] == 200",)
CONNECTED_CONDITIONS = ("[CONNECTED] == true",)


class _DefaultConditions(list[str]):
    """The conditions a check gets when it names none: told apart from the same list written in the file, so a
    tcp:// or dns check without conditions gets `[CONNECTED] == true`, while `[STATUS] == 200` written on one is
    refused (it has no status)."""


class TlsOptions(Section, frozen=True):
    """TLS for one check: trust a private CA, accept any certificate, or present a client certificate."""

    insecure: Annotated[
        bool, doc("Accept any certificate (self-signed, expired, another host's); the services row shows ⚠ insecure.")
    ] = False
    ca_file: Annotated[str | None, doc("PEM file of the CA to trust instead of the system's (a private CA).")] = None
    cert_file: Annotated[str | None, doc("PEM client certificate for mutual TLS (with its key, or `key-file`).")] = None
    key_file: Annotated[str | None, doc("PEM private key of `cert-file` (not encrypted).")] = None

    def __post_init__(self) -> None:
        for field, value in (("ca-file", self.ca_file), ("cert-file", self.cert_file), ("key-file", self.key_file)):
            no_nul(value, field)
        if self.key_file is not None and self.cert_file is None:
            raise ValueError("`key-file` needs `cert-file`, the certificate it belongs to")
        if self.insecure and self.ca_file is not None:
            raise ValueError("`insecure`: give `insecure` (no verification) or `ca-file` (verify with it), not both")
        from tessa_tui.base.tls_contexts import client_context  # only a config with a `tls:` section needs it

        client_context(self.settings)  # a file that cannot be read or used: TlsFileError names the field

    @property
    def settings(self) -> TlsSettings:
        """The settings the check's TLS context is built from (one context per distinct settings)."""
        from tessa_tui.base.tls_contexts import TlsSettings

        return TlsSettings(self.insecure, self.ca_file, self.cert_file, self.key_file)


class DnsQuery(Section, frozen=True):
    """A DNS check's question (Gatus's `dns:`); the check's `url` names the resolver, e.g. `8.8.8.8`."""

    query_name: Annotated[str, doc("The name to ask for, e.g. example.com (an IP address for PTR).", min_length=1)]
    query_type: Annotated[str, doc("A, AAAA, CNAME, MX, NS, PTR, SRV or TXT.")] = "A"

    def __post_init__(self) -> None:
        from tessa_tui.base.dns_wire import QUERY_TYPES, query_name

        if self.query_type not in QUERY_TYPES:
            have = ", ".join(QUERY_TYPES)
            shown = self.query_type[:20]
            raise ValueError(
                f"`query-type`: not supported ({shown!r}: tessa-tui reads the answers Gatus reads: {have})"
            )
        try:
            query_name(self.query_name, self.query_type)
        except ValueError as exc:
            raise ValueError(f"`query-name`: {exc}") from None

    @property
    def absolute_name(self) -> str:
        """The name the query carries: with its trailing dot, an IP's reverse name for PTR."""
        from tessa_tui.base.dns_wire import query_name

        return query_name(self.query_name, self.query_type)


class ServiceCheck(Section, frozen=True):
    """An HTTP health check of our own, or a vendor's Statuspage v2 status page."""

    name: Annotated[Name, doc("Shown in the services pane; `tessa-tui check --only NAME`.")]
    group: Annotated[str, doc("Rows are grouped by this in the services pane.")] = "services"
    url: Annotated[str | None, doc("Endpoint to request (an HTTP check); give this or `statuspage`.")] = None
    statuspage: Annotated[str | None, doc("Base URL of an Atlassian Statuspage, e.g. https://status.openai.com.")] = (
        None
    )
    method: Annotated[Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], doc("HTTP method.")] = "GET"
    headers: Annotated[
        dict[str, str], doc("Request headers; secret values from the environment: `Bearer ${TOKEN}`.")
    ] = msgspec.field(default_factory=dict)
    body: Annotated[str | None, doc("Request body, sent as is.")] = None
    interval: Annotated[Duration, doc("Time between checks, from the end of the last (default 30s).")] = duration("30s")
    timeout: Annotated[Duration, doc("Total deadline of one request, connect to last byte (default 10s).")] = duration(
        "10s"
    )
    conditions: Annotated[
        list[str],
        doc(
            "Gatus-style conditions that must all hold (default `[STATUS] == 200`; `[CONNECTED] == true` for "
            "tcp://, tls://, starttls:// and dns checks)."
        ),
    ] = msgspec.field(default_factory=lambda: _DefaultConditions(DEFAULT_CONDITIONS))
    failure_threshold: Annotated[PositiveInt, doc("Consecutive failures before the pane shows DOWN.")] = 3
    success_threshold: Annotated[PositiveInt, doc("Consecutive successes before it shows UP again.")] = 2
    degraded_latency: Annotated[Duration | None, doc("A passing check slower than this is DEGRADED.")] = None
    dns: Annotated[
        DnsQuery | None, doc("Makes this a DNS check: `url` is the resolver (`8.8.8.8`, `10.0.0.2:5353`).")
    ] = None
    rdap_url: Annotated[
        str,
        doc("RDAP service asked for [DOMAIN_EXPIRATION] (`/domain/NAME`); rdap.org redirects to the registry's."),
    ] = "https://rdap.org"
    tls: Annotated[
        TlsOptions | None, doc("TLS for this check (https://, tls://, starttls://): private CA, insecure, mutual TLS.")
    ] = None

    def __post_init__(self) -> None:
        if (self.url is None) == (self.statuspage is None):
            raise ValueError("give exactly one of `url` (a check) or `statuspage` (a status page)")
        endpoint = self.endpoint
        http_url(self.rdap_url, "rdap-url")
        if isinstance(self.conditions, _DefaultConditions) and endpoint.type not in ("http", "statuspage"):
            msgspec.structs.force_setattr(self, "conditions", list(CONNECTED_CONDITIONS))
        for key, value in self.headers.items():
            if not _TOKEN.fullmatch(key) or CONTROL.search(value.replace("\t", " ")):
                raise ValueError(f"`headers`: {key[:40]!r} is not a valid header (name a token, value one line)")
        for index, text in enumerate(self.conditions):
            try:
                condition = parse_condition(text)
            except ConditionError as exc:
                raise ValueError(f"`conditions`: {exc}") from None
            _refuse_unfillable(condition.placeholders, endpoint, index, text)
        if self.tls is not None and not (endpoint.https or endpoint.type in ("tls", "starttls")):
            plain = "http:// uses no TLS; use https://" if endpoint.type == "http" else f"{endpoint.type} uses no TLS"
            raise ValueError(f"`tls`: not supported ({plain})")
        if self.timeout <= timedelta(0) or self.interval <= timedelta(0):
            raise ValueError("`interval` and `timeout` must be longer than 0s")

    @property
    def endpoint(self) -> Endpoint:
        """What the check talks to (its type, host, port), read from its fields; ValueError when unsupported."""
        return endpoint_of(self.url, self.statuspage, self.dns is not None, self.body)


def _refuse_unfillable(placeholders: frozenset[str], endpoint: Endpoint, index: int, text: str) -> None:
    """A condition no run of this check could evaluate is refused now, not found later as a check always down."""
    if endpoint.type == "statuspage":
        if text not in DEFAULT_CONDITIONS:
            reason = placeholder_refusal("", endpoint)
            raise ValueError(f"`conditions[{index}]`: not supported ({reason})")
        return
    for placeholder in sorted(placeholders):
        reason = placeholder_refusal(placeholder, endpoint)
        if reason is not None:
            shown = text if len(text) <= 60 else text[:57] + "..."
            raise ValueError(f"`conditions[{index}]`: not supported ({placeholder} in {shown!r}: {reason})")


class NamedQuery(Section, frozen=True):
    """A query whose first value is watched as a tile, e.g. failed logins in the last 15 minutes."""

    name: Name
    sql: Annotated[str, doc("Read-only SQL; the first column of the first row is the tile's value.", min_length=1)]
    warn_above: Annotated[float | None, doc("The tile turns amber above this value.")] = None
    critical_above: Annotated[float | None, doc("The tile turns red above this value.")] = None


class DatabaseConfig(Section, frozen=True):
    """The PostgreSQL database the database pane watches (read-only)."""

    dsn: Annotated[str, doc("Connection string, from the environment: `${TESSA_DATABASE_URL}`.", min_length=1)]
    statement_timeout: Annotated[Duration, doc("Server-side limit per monitoring query (default 2s).")] = duration("2s")
    lock_timeout: Annotated[Duration, doc("Give up waiting for a lock after this (default 1s).")] = duration("1s")
    connect_timeout: Annotated[Duration, doc("Deadline for opening the connection (default 5s).")] = duration("5s")
    activity_interval: Annotated[
        Duration, doc("How often sessions, locks and the database's rates are polled (default 2s; 1s is fine).")
    ] = duration("2s")
    size_interval: Annotated[Duration, doc("How often database and table sizes are polled (default 5m).")] = duration(
        "5m"
    )
    long_query_threshold: Annotated[Duration, doc("Queries running longer are listed (default 5s).")] = duration("5s")
    behind_pooler: Annotated[
        bool, doc("True behind a transaction-mode pooler (pgbouncer, Supavisor): no statement cache.")
    ] = False
    queries: Annotated[
        list[NamedQuery], doc("Named queries shown as tiles (polled with activity), e.g. sync queue backlog.")
    ] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        twice = _twice(q.name for q in self.queries)
        if twice is not None:
            raise ValueError(f"`queries`: name {twice!r} is used twice")
        postgres_dsn(self.dsn)
        for name, value in (("statement-timeout", self.statement_timeout), ("lock-timeout", self.lock_timeout)):
            if value > PG_MAX_TIMEOUT:  # PostgreSQL takes milliseconds in a 32-bit int
                raise ValueError(f"`{name}` is at most {format_duration(PG_MAX_TIMEOUT)} (PostgreSQL's limit)")


PG_MAX_TIMEOUT = timedelta(milliseconds=2**31 - 1)


def _twice(names: Iterable[str]) -> str | None:
    """The first name that occurs more than once (a Counter: a list's count() per name is quadratic)."""
    counts = Counter(names)
    return next((name for name, n in counts.items() if n > 1), None)


BUFFER_LINES = 50_000  # about 16 MB of records: at 100 lines/s, eight minutes; the file keeps the rest


class LogSource(Section, frozen=True):
    """A log the logs pane follows: a file (like `tail -F`), a command's output, or a platform's logs polled
    remotely (Supabase's log query, Grafana Loki)."""

    name: Annotated[Name, doc("Tab title, and NAME in `tessa-tui logs NAME`.")]
    path: Annotated[str | None, doc("File to follow; give this, `command`, `supabase` or `loki`.")] = None
    command: Annotated[list[str] | None, doc("Command to run, as an argument list (never a shell string).")] = None
    supabase: Annotated[SupabaseLogs | None, doc("A Supabase project's logs (Management API log query).")] = None
    loki: Annotated[LokiLogs | None, doc("A LogQL query on Grafana Loki (`query_range`).")] = None
    format: Annotated[
        Literal[
            "auto",
            "json",
            "docker",
            "logfmt",
            "syslog",
            "access",
            "uvicorn",
            "nginx-error",
            "apache-error",
            "postgres",
            "postgres-csv",
            "redis",
            "jul",
            "stamped",
            "plain",
        ],
        doc(
            "How lines are read into records: `auto` detects the format from the first lines (and reads mixed "
            "output line by line); `json` (pino, bunyan, structlog, ECS, OpenTelemetry, zap, journald, PostgreSQL "
            "jsonlog, loguru serialized, Caddy), `docker` (json-file), `logfmt`, `syslog` (RFC 3164 and 5424), "
            "`access` (combined / common), `uvicorn`, `nginx-error`, `apache-error`, `postgres` (stderr), "
            "`postgres-csv` (csvlog), `redis`, `jul` (java.util.logging's two-line format), `stamped` (a time "
            "then the level: Python logging, logback, loguru, Rust tracing, zap console), `plain`."
        ),
    ] = "auto"
    buffer_lines: Annotated[
        int,
        doc(
            "Records the logs pane keeps in memory (a ring buffer; the largest of all sources counts).",
            ge=100,
            le=10_000_000,
        ),
    ] = BUFFER_LINES

    def __post_init__(self) -> None:
        if sum(kind is not None for kind in (self.path, self.command, self.supabase, self.loki)) != 1:
            raise ValueError(
                "give exactly one of `path` (a file), `command` (an argument list), `supabase` or `loki` (remote logs)"
            )
        if self.command is not None and not self.command:
            raise ValueError("`command` must name a program")
        no_nul(self.path, "path")
        for arg in self.command or []:
            no_nul(arg, "command")

    @property
    def remote(self) -> SupabaseLogs | LokiLogs | None:
        """The remote settings of a `supabase` or `loki` source; None for a file or a command."""
        return self.supabase or self.loki

    def tokens(self, index: int) -> list[tuple[tuple[str | int, ...], str]]:
        """(location in the file, value) of the credentials, which must come from the environment."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        if self.supabase is not None:
            found.append((("logs", index, "supabase", "token"), self.supabase.token))
        if self.loki is not None:
            for field, value in (("token", self.loki.token), ("password", self.loki.password)):
                if value is not None:
                    found.append((("logs", index, "loki", field), value))
        return found


class Severity(Section, frozen=True):
    """One severity level and its response target."""

    description: str
    response_target: Annotated[Duration, doc("From declaration to response before the target is breached.")]
    update_every: Annotated[Duration | None, doc("Cadence of stakeholder updates while open.")] = None
    example: str = ""
    procedure: Annotated[
        str | None, doc("Runbook attached when an incident is declared at (or changed to) this severity.")
    ] = None


def _default_severities() -> dict[str, Severity]:
    def level(description: str, target: str, example: str, procedure: str, update: str | None = None) -> Severity:
        return Severity(
            description=description,
            response_target=Duration(seconds=parse_duration(target).total_seconds()),
            update_every=Duration(seconds=parse_duration(update).total_seconds()) if update else None,
            example=example,
            procedure=procedure,
        )

    return {
        "SEV1": level("Service Down", "15m", "Complete outage", "sev1-service-down", update="30m"),
        "SEV2": level("Major Feature Down", "30m", "Auth down, AI chat down", "sev2-major-feature-down", update="1h"),
        "SEV3": level("Degraded Performance", "2h", "Slow queries, high latency", "sev3-degraded-performance"),
        "SEV4": level("Minor Issue", "24h", "UI bug, typo", "sev4-minor-issue"),
    }


class Runbooks(Section, frozen=True):
    """Where runbooks come from besides the shipped pack."""

    paths: Annotated[
        list[str], doc("Extra runbook directories; a runbook with a shipped runbook's id replaces it.")
    ] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        for path in self.paths:
            no_nul(path, "paths")


class SharedJournal(Section, frozen=True):
    """The journal shared by every responder's console through PostgreSQL (`docs/shared-journal.md`)."""

    dsn: Annotated[
        str,
        doc(
            "Session-mode connection string, from the environment: `${TESSA_JOURNAL_DSN}` (a transaction-mode "
            "pooler such as Supavisor's port 6543 is refused: LISTEN needs a session).",
            min_length=1,
        ),
    ]
    schema: Annotated[
        str, doc("PostgreSQL schema holding the journal (default tessa).", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    ] = "tessa"
    connect_timeout: Annotated[Duration, doc("Deadline for opening the connection (default 5s).")] = duration("5s")
    pull_interval: Annotated[
        Duration, doc("Safety-net pull when no notification came (default 5s); notifications are instant.")
    ] = duration("5s")

    def identity(self) -> str:
        """Which shared journal this is, without user or password: `host:port/dbname schema`."""
        try:
            parts = urlsplit(self.dsn.strip())
            query = parse_qs(parts.query) if parts.query else {}
            if "@" in self.dsn and "@" not in parts.netloc:
                # A password with an unencoded '#', '?' or '/' ends the netloc early: "user:pass" would read as
                # a host and port, and the password would be in the name.
                raise ValueError("userinfo cut short")
        except ValueError:  # asyncpg refuses it at connect; the name only has to be stable
            return f"unparsed DSN {hashlib.sha256(self.dsn.encode('utf-8', 'backslashreplace')).hexdigest()[:12]}"
        host = parts.netloc.rpartition("@")[2] or ",".join(query.get("host", [])) or "localhost"
        database = parts.path.lstrip("/") or ",".join(query.get("dbname", [])) or "(default)"
        return f"{host}/{database} {self.schema}"

    def digest(self) -> str:
        """A short stable name for `identity()` (the local copy's file name)."""
        return hashlib.sha256(self.identity().encode("utf-8", "backslashreplace")).hexdigest()[:12]

    def __post_init__(self) -> None:
        postgres_dsn(self.dsn)
        if not timedelta(seconds=1) <= self.pull_interval <= timedelta(minutes=10):
            raise ValueError("`pull-interval` must be between 1s and 10m")
        if not timedelta(milliseconds=100) <= self.connect_timeout <= timedelta(minutes=1):
            raise ValueError("`connect-timeout` must be between 100ms and 1m")


class Journal(Section, frozen=True):
    """Where incidents are recorded, and who is recorded as doing things."""

    path: Annotated[
        str | None,
        doc(
            "SQLite journal file; default: the user data dir's journal.sqlite3 (with `shared`: "
            "journal-shared-<digest>.sqlite3, this machine's copy of that shared journal)."
        ),
    ] = None
    actor: Annotated[str | None, doc("Name stamped on every event; default: the OS user name.")] = None
    shared: Annotated[
        SharedJournal | None, doc("Share the journal through PostgreSQL; absent: this machine's journal only.")
    ] = None

    def __post_init__(self) -> None:
        no_nul(self.path, "path")

    def journal_path(self, data_dir: Path) -> Path:
        """The configured journal file, or the default one under `data_dir`: a shared journal's local copy is
        a file of its own per shared journal, so local-only incidents (numbered here) never mix with shared ones
        (numbered by the database)."""
        if self.path:
            return home_path(self.path)
        if self.shared is not None:
            return data_dir / f"journal-shared-{self.shared.digest()}.sqlite3"
        return data_dir / "journal.sqlite3"


class Notifications(Section, frozen=True):
    """How the console gets attention."""

    bell: Annotated[bool, doc("Ring the terminal bell on state flips and SLA thresholds.")] = False
    desktop: Annotated[bool, doc("Desktop notifications (OSC 9 / 777) where the terminal has them.")] = False


class DemoControl(Section, frozen=True):
    """Present only in the config `tessa-tui demo` writes: where the console starts and clears drills."""

    control_url: Annotated[str, doc("Base URL of the demo platform's drill control.")]


class TessaConfig(Section, frozen=True):
    """tessa.yaml: what the console watches and how it behaves."""

    platform: Annotated[Name, doc("Shown in the header.")] = "Tessa AI Platform"
    environment: Annotated[str, doc("production / staging / development ...; coloured by risk.")] = "production"
    services: Annotated[list[ServiceCheck] | None, doc("Health checks and vendor status pages.")] = None
    database: Annotated[DatabaseConfig | None, doc("The database pane's target.")] = None
    logs: Annotated[list[LogSource] | None, doc("Log sources (the logs pane).")] = None
    contacts: Contacts = msgspec.field(default_factory=Contacts)
    quick_reference: QuickReference = msgspec.field(default_factory=QuickReference)
    severities: Annotated[
        dict[str, Severity], doc("Severity levels and response targets; default: the seed's SEV1-4.")
    ] = msgspec.field(default_factory=_default_severities)
    journal: Journal = msgspec.field(default_factory=Journal)
    runbooks: Runbooks = msgspec.field(default_factory=Runbooks)
    placeholders: Annotated[
        dict[str, str], doc("Values for `{placeholders}` in runbooks and commands, e.g. production_url.")
    ] = msgspec.field(default_factory=dict)
    theme: Literal["tessa-dark", "tessa-light", "tessa-high-contrast"] = "tessa-dark"
    keymap: Annotated[
        dict[str, str], doc("Binding id -> key(s), e.g. `quit: ctrl+q`; `?` in the console lists the ids.")
    ] = msgspec.field(default_factory=dict)
    notifications: Notifications = msgspec.field(default_factory=Notifications)
    integrations: Annotated[
        Integrations, doc("PagerDuty, Slack and Statuspage, one checklist key each; tokens from the environment.")
    ] = msgspec.field(default_factory=Integrations)
    deployments: Annotated[
        Deployments | None, doc("Vercel, Netlify and git deployments: the Deployments view and the rollback steps.")
    ] = None
    metrics: Annotated[
        Metrics | None,
        doc("Metrics scraped (Supabase's Metrics API) or queried (PromQL): the Metrics view, reviews, runbook steps."),
    ] = None
    demo: Annotated[DemoControl | None, doc("Written by `tessa-tui demo`; leave it out of real configs.")] = None

    def __post_init__(self) -> None:
        for field, items in (("services", self.services), ("logs", self.logs)):
            twice = _twice(item.name for item in items or [])
            if twice is not None:
                raise ValueError(f"`{field}`: name {twice!r} is used twice; names must be unique")
        if not self.severities:
            raise ValueError("`severities` needs at least one level")
        for binding_id in self.keymap:
            if binding_id not in KEY_BY_ID:
                close = get_close_matches(binding_id, list(KEY_BY_ID), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"`keymap`: unknown binding id {binding_id!r}{hint}")
        slack = self.integrations.slack
        for name, text in (slack.templates if slack else {}).items():
            unknown = sorted(set(TEMPLATE_FIELD.findall(text)) - set(SLACK_FIELDS) - set(self.placeholders))
            if unknown:
                have = ", ".join(SLACK_FIELDS)
                raise ValueError(f"`integrations.slack.templates.{name}`: unknown {{{unknown[0]}}} (have: {have})")

    def environment_risk(self) -> Literal["high", "medium", "low"]:
        """How dangerous a mistake is here: production high, staging medium, anything else low."""
        env = self.environment.lower()
        if env.startswith("prod") or env == "live":
            return "high"
        if env.startswith(("stag", "preprod", "uat")):
            return "medium"
        return "low"


def decode_hook(kind: type, value: object) -> object:
    """Build the custom types msgspec does not know (durations) from their YAML values."""
    if kind is Duration:
        return Duration(seconds=parse_duration(value).total_seconds())
    raise NotImplementedError(kind)


def schema_hook(kind: type) -> dict[str, object]:
    """JSON Schema of the custom types."""
    if kind is Duration:
        return {
            "type": ["string", "number"],
            "pattern": r"^(\d+(\.\d+)?(ms|s|m|h|d))+$",
            "description": "Seconds as a number, or text like 500ms, 30s, 15m, 1h30m, 2d.",
        }
    raise NotImplementedError(kind)
