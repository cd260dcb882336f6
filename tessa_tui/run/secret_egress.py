"""Where a configured secret may be sent: only to an origin the config or the runbook itself names.

A request that carries a secret from the configuration (a value interpolated from `${ENV}`, an integration
token) goes to a service, integration or `placeholders:` URL of tessa.yaml, or to the host the runbook's URL
template spells out literally. A URL whose host came from a value someone typed is refused before anything is
sent, so a shared or read-only screen cannot be used to post a token to a host of the typist's choosing.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

from tessa_tui.base.errors import UserError
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.model import TessaConfig
from tessa_tui.runbook.placeholders import DEFAULTS

Origin = tuple[str, str, int]
DEFAULT_PORTS = {"http": 80, "https": 443}
MIN_SECRET = 4  # shorter values are masked elsewhere too; they would match by accident


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL; None when it has none (a relative or malformed URL)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[scheme]


def configured_origins(config: TessaConfig) -> set[Origin]:
    """Every origin tessa.yaml names: service checks, status pages, integrations and `placeholders:` URLs."""
    urls: list[str | None] = []
    for check in config.services or []:
        urls += [check.url, check.statuspage]
    pd, slack, sp = config.integrations.pagerduty, config.integrations.slack, config.integrations.statuspage
    if pd is not None:
        urls += [pd.api_url, pd.events_url]
    if slack is not None:
        urls += [slack.api_url, slack.webhook_url]
    if sp is not None:
        urls.append(sp.api_url)
    urls += {**DEFAULTS, **config.placeholders}.values()
    return {found for url in urls if url and (found := origin(url)) is not None}


def template_origin(template: str) -> Origin | None:
    """The origin a URL template spells out itself (none when a {placeholder} is in its scheme or host)."""
    head = template.split("/", 3)[:3]  # scheme:, "", authority
    if any("{" in part for part in head):
        return None
    return origin(template)


def carried(secrets: Iterable[str], texts: Iterable[str]) -> bool:
    """Does any of `texts` (a URL, header values, a body) hold a secret, plain or percent-encoded?"""
    haystack = [t for text in texts if text for t in (text, unquote(text))]
    return any(len(s) >= MIN_SECRET and any(s in text for text in haystack) for s in secrets)


def check_destination(
    url: str, template: str, texts: Iterable[str], config: TessaConfig, secrets: Iterable[str]
) -> None:
    """Refuse (UserError, nothing sent) a request to `url` that carries a configured secret to an origin
    neither tessa.yaml nor the runbook's URL `template` names."""
    if not carried(secrets, [url, *texts]):
        return
    target = origin(url)
    allowed = configured_origins(config)
    if (literal := template_origin(template)) is not None:
        allowed.add(literal)
    if target is not None and target in allowed:
        return
    where = redact_text(sanitize(f"{target[1]}:{target[2]}"), secrets) if target else "this URL"
    raise UserError(
        f"not sent: the request carries a configured secret and {where} is not a host tessa.yaml or the runbook "
        "names (services, integrations, placeholders)"
    )
