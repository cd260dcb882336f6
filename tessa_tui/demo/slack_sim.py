"""The demo's Slack: chat.postMessage (bot token, one channel) and an incoming webhook, answering as Slack does
(chat.postMessage: HTTP 200 with `{"ok": false, "error": ...}` on failure; a webhook: plain-text `ok` or an
error status). What was posted is kept, newest last, for `tessa-tui demo --slack` to print."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CHANNEL = "#incidents"
CHANNEL_ID = "C0DEMOINC"
KEEP = 200


@dataclass
class SlackSim:
    """`bot_token` and `webhook_secret` are what the demo config's environment holds."""

    bot_token: str
    webhook_secret: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def add_routes(self, app: web.Application, api: str, hooks: str) -> None:
        app.router.add_post(f"{api}/chat.postMessage", self._post_message)
        app.router.add_post(f"{hooks}/{{team}}/{{bot}}/{{secret}}", self._webhook)

    def _keep(self, text: str, via: str) -> str:
        ts = f"{time.time():.6f}"
        self.messages.append({"channel": CHANNEL, "ts": ts, "text": text, "via": via})
        del self.messages[:-KEEP]
        return ts

    async def _post_message(self, request: web.Request) -> web.Response:
        body = await _body(request)
        auth = request.headers.get("Authorization", "")
        if not auth:
            return web.json_response({"ok": False, "error": "not_authed"})
        if auth != f"Bearer {self.bot_token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if not isinstance(body, dict) or body.get("channel") not in (CHANNEL, CHANNEL_ID):
            return web.json_response({"ok": False, "error": "channel_not_found"})
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return web.json_response({"ok": False, "error": "no_text"})
        ts = self._keep(text, "chat.postMessage")
        message = {"type": "message", "text": text, "ts": ts}
        return web.json_response({"ok": True, "channel": CHANNEL_ID, "ts": ts, "message": message})

    async def _webhook(self, request: web.Request) -> web.Response:
        if request.match_info["secret"] != self.webhook_secret:
            return web.Response(status=403, text="invalid_token")
        body = await _body(request)
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        text = body.get("text")
        if not (isinstance(text, str) and text) and not body.get("blocks"):
            return web.Response(status=400, text="no_text")
        self._keep(text if isinstance(text, str) else json.dumps(body["blocks"]), "webhook")
        return web.Response(text="ok")


async def _body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
