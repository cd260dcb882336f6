"""Slack: a message to an incoming webhook, or chat.postMessage with a bot token."""

from __future__ import annotations

from collections.abc import Iterable

from tessa_tui.base.redact import clip
from tessa_tui.config.integrations import Slack
from tessa_tui.config.model import TessaConfig
from tessa_tui.integrations.api_call import IntegrationError, Reply, call_json


def settings(config: TessaConfig) -> Slack:
    slack = config.integrations.slack
    if slack is None:
        raise IntegrationError("Slack is not configured (`integrations: slack:` in tessa.yaml)")
    return slack


def escape(text: str) -> str:
    """Outside text as Slack shows it literally: `<!channel>` or `<https://x|y>` in a title neither pings
    nor links (Slack's own escaping rule: &, <, >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def post_message(config: TessaConfig, text: str, secrets: Iterable[str] = ()) -> Reply:
    """Post `text`; a webhook answers 200 `ok`, chat.postMessage answers 200 with `{"ok": false, "error"}`
    on failure, which is turned into `error` here. Sent again only when Slack says it was not processed
    (429) or it never left; after a 5xx or a timeout the Reply is `ambiguous` (it may have been posted)."""
    slack = settings(config)
    hidden = {*secrets, *(s for s in (slack.webhook_url, slack.bot_token) if s)}
    deadline, retries = config.integrations.timeout.total_seconds(), config.integrations.retries
    if slack.webhook_url is not None:
        return await call_json(
            "POST",
            slack.webhook_url,
            service="Slack",
            headers={},
            body={"text": text},
            secrets=hidden,
            deadline=deadline,
            retries=retries,
            idempotent=False,
        )
    reply = await call_json(
        "POST",
        f"{slack.api_url.rstrip('/')}/chat.postMessage",
        service="Slack",
        headers={"Authorization": f"Bearer {slack.bot_token}"},
        body={"channel": slack.channel, "text": text},
        secrets=hidden,
        deadline=deadline,
        retries=retries,
        idempotent=False,  # a retry after a 5xx or a timeout could post the message twice
    )
    if reply.ok and not (isinstance(reply.body, dict) and reply.body.get("ok") is True):
        error = reply.body.get("error", "no `ok` in the answer") if isinstance(reply.body, dict) else "not JSON"
        return Reply(
            reply.status, reply.body, reply.attempts, reply.elapsed_s, f"Slack: {clip(str(error), 200, hidden)}"
        )
    return reply
