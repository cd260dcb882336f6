"""The integrations' settings: PagerDuty, Slack and Statuspage, their credentials from the environment."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from tessa_tui.config.fields import Duration, Section, doc, duration, http_url

SLACK_FIELDS = (
    "id",
    "severity",
    "title",
    "status",
    "summary",
    "url",
    "commander",
    "services",
    "declared_at",
    "platform",
    "environment",
)
"""What a Slack template's {placeholders} may name (integration_actions.incident_fields fills them)."""
TEMPLATE_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)\}")
EnvSecret = Annotated[str, msgspec.Meta(min_length=1)]


class PagerDuty(Section, frozen=True):
    """PagerDuty: the REST API v2 (list, acknowledge, resolve incidents) and/or the Events API v2."""

    token: Annotated[
        EnvSecret | None, doc("REST API v2 key, from the environment: `${PAGERDUTY_TOKEN}`; never shown or logged.")
    ] = None
    from_: Annotated[
        str | None, doc("Email of a PagerDuty user: PagerDuty requires it (`From:`) to change an incident.")
    ] = msgspec.field(default=None, name="from")
    service_ids: Annotated[list[str], doc("Services whose triggered / acknowledged incidents are listed.")] = (
        msgspec.field(default_factory=list)
    )
    routing_key: Annotated[
        EnvSecret | None,
        doc("Events API v2 integration key (from the environment): acknowledge / resolve a linked alert's dedup key."),
    ] = None
    api_url: Annotated[str, doc("REST API base URL.")] = "https://api.pagerduty.com"
    events_url: Annotated[str, doc("Events API base URL.")] = "https://events.pagerduty.com"

    def __post_init__(self) -> None:
        if self.token is None and self.routing_key is None:
            raise ValueError("give `token` (REST API v2), `routing-key` (Events API v2) or both")
        if self.token is not None and not (self.from_ and "@" in self.from_):
            raise ValueError("`from`: the email of a PagerDuty user is required with `token` (PagerDuty needs it)")
        http_url(self.api_url, "api-url", userinfo=False)
        http_url(self.events_url, "events-url")


class Slack(Section, frozen=True):
    """Slack: an incoming webhook, or chat.postMessage with a bot token and a channel."""

    webhook_url: Annotated[
        EnvSecret | None, doc("Incoming webhook URL, from the environment (the URL is the credential).")
    ] = None
    bot_token: Annotated[EnvSecret | None, doc("Bot token (xoxb-...) for chat.postMessage, from the environment.")] = (
        None
    )
    channel: Annotated[str | None, doc("Channel id or name chat.postMessage posts to, e.g. #incidents.")] = None
    api_url: Annotated[str, doc("Web API base URL.")] = "https://slack.com/api"
    templates: Annotated[
        dict[str, str],
        doc(
            "Message texts by name (declared, severity, update, resolved, or your own), with {placeholders}: "
            + ", ".join(SLACK_FIELDS)
            + ", and any `placeholders:` value; the built-in texts serve the names not given."
        ),
    ] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.webhook_url is None) == (self.bot_token is None):
            raise ValueError("give exactly one of `webhook-url` or `bot-token` (with `channel`)")
        if self.bot_token is not None and not self.channel:
            raise ValueError("`channel` is required with `bot-token`")
        http_url(self.webhook_url, "webhook-url")
        http_url(self.api_url, "api-url", userinfo=False)
        # Template {placeholders} are checked by TessaConfig, which also knows the `placeholders:` names.


class StatusPage(Section, frozen=True):
    """Atlassian Statuspage (manage API): incidents created and updated from checklist steps."""

    token: Annotated[EnvSecret, doc("API key, from the environment: `${STATUSPAGE_TOKEN}`; never shown or logged.")]
    page_id: Annotated[str, doc("The page's id (Statuspage: API info).", min_length=1)]
    components: Annotated[
        dict[str, str],
        doc("Service name (as in an incident's services) -> component id; an incident naming none affects all."),
    ] = msgspec.field(default_factory=dict)
    api_url: Annotated[str, doc("API base URL.")] = "https://api.statuspage.io/v1"

    def __post_init__(self) -> None:
        http_url(self.api_url, "api-url", userinfo=False)


class Integrations(Section, frozen=True):
    """PagerDuty, Slack and the status page, driven from checklist steps; tokens only from the environment."""

    pagerduty: PagerDuty | None = None
    slack: Slack | None = None
    statuspage: StatusPage | None = None
    timeout: Annotated[Duration, doc("Total deadline of one call, retries included (default 10s).")] = duration("10s")
    retries: Annotated[int, doc("Retries after a 429, a 5xx or a connection error (default 3).", ge=0, le=10)] = 3

    def tokens(self) -> list[tuple[str, str | None]]:
        """(key, value) of every credential, which must come from the environment."""
        pd, slack, sp = self.pagerduty, self.slack, self.statuspage
        return [
            ("pagerduty.token", pd.token if pd else None),
            ("pagerduty.routing-key", pd.routing_key if pd else None),
            ("slack.webhook-url", slack.webhook_url if slack else None),
            ("slack.bot-token", slack.bot_token if slack else None),
            ("statuspage.token", sp.token if sp else None),
        ]
