"""Masking of secrets in URLs, DSNs and free text, so nothing secret is shown, logged or exported."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "****"

# Query parameters whose values are credentials in the wild (signed URLs, API keys, OAuth tokens).
_SECRET_PARAM = re.compile(r"(?i)(token|key|secret|password|passwd|pwd|signature|sig|auth|credential|session|code)")
# key=value pairs in libpq keyword DSNs (`host=db password=hunter2`).
_KEYWORD_PASSWORD = re.compile(r"(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
# scheme://user:password@ anywhere in text, e.g. inside an error message.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*):([^@\s/]*)@")


def mask_url(url: str) -> str:
    """Return the URL with its password and credential-like query values replaced by ****."""
    if "://" not in url:
        return _KEYWORD_PASSWORD.sub(lambda m: f"{m.group(1)}={MASK}", url)
    url = _mask_raw_password(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(rf"\1:{MASK}@", url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{hostport}" if ":" in userinfo else f"{user}@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _mask_raw_password(url: str) -> str:
    """Mask `user:password@` before any parsing: an unencoded `#`, `/` or `?` in a password fools urlsplit."""
    scheme, _, rest = url.partition("://")
    end = rest.find("?")
    at = rest.rfind("@", 0, end if end != -1 else len(rest))
    if at == -1 or ":" not in rest[:at]:
        return url
    user = rest[: rest.index(":")]
    return f"{scheme}://{user}:{MASK}@{rest[at + 1 :]}"


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask known secret values and any URL userinfo password in free text."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _USERINFO.sub(rf"\1:{MASK}@", text)
    return _KEYWORD_PASSWORD.sub(lambda m: f"{m.group(1)}={MASK}", text)
