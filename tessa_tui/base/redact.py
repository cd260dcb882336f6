"""Masking of secrets in URLs, DSNs, SQL and free text, so nothing secret is shown, logged or exported.

`redact_text` masks every secret the process has registered (tessa_tui.base.secret_registry) in every form, plus the
shapes that are secret wherever they appear: URL userinfo passwords, libpq `password=` values, SQL
`PASSWORD '...'` literals. `mask_url` shows a URL or DSN without its password or credential query values.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

from tessa_tui.base import secret_registry
from tessa_tui.base.secret_registry import MASK, SECRET_NAME

__all__ = ["MASK", "mask_sql_passwords", "mask_url", "redact_text", "register_auth_header", "register_url"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
# key=value pairs in libpq keyword DSNs (`host=db password=hunter2`); a quoted value may be cut off.
_KEYWORD_PASSWORD = re.compile(r"(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\[\s\S])*\\?'?|\S+)")
# scheme://user:password@ in free text: the password runs to the token's last `@`.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@?#\[\]]*):(\S*)@")
# name=value pairs in a query or fragment.
_PAIR = re.compile(r"([?&;#])([^=&;#]*)=([^&;#]*)")
# SQL password literals: 'x' (doubled quotes; backslash escapes too, in case standard_conforming_strings is off),
# E'x', U&'x', $$x$$ and $tag$x$tag$; a literal cut off (pg_stat_activity truncates query text) runs to the end.
_SQL_PASSWORD = re.compile(
    r"(?i)\b(PASSWORD\s+)(?:(?:E|U&)?'(?:[^'\\]|\\[\s\S]|'')*\\?(?:'|\Z)|(\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$)[\s\S]*?(?:\2|\Z))"
)


def mask_url(url: str) -> str:
    """The URL (or libpq keyword DSN) with its password and credential-like query values replaced by ****.

    Total: never raises. A raw password may hold any of `@ : / ? #`; the userinfo is taken to run from the
    first `:` after the user to the last `@`, so an ambiguous URL is masked too much, never too little.
    """
    if not _SCHEME.match(url):
        return redact_text(_KEYWORD_PASSWORD.sub(rf"\1={MASK}", url))
    scheme, _, rest = url.partition("://")
    user, colon, after = rest.partition(":")
    at = after.rfind("@")
    if colon and at != -1 and not any(c in user for c in "/?#[]@"):
        rest = f"{user}:{MASK}@{after[at + 1 :]}"
    return redact_text(f"{scheme}://{_mask_query(rest)}")


def _mask_query(rest: str) -> str:
    """Credential-like `name=value` values after the first `?` or `#` replaced by ****."""
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i != -1), default=-1)
    if cut == -1:
        return rest

    def one(match: re.Match[str]) -> str:
        secret = SECRET_NAME.search(unquote_plus(match.group(2)))
        return f"{match.group(1)}{match.group(2)}={MASK}" if secret else match.group(0)

    return rest[:cut] + _PAIR.sub(one, rest[cut:])


def register_url(url: str) -> None:
    """Register the secrets a configured URL or DSN carries: its password (with its Basic-auth form) and its
    credential query values, so they are masked wherever they turn up later."""
    if not _SCHEME.match(url):
        for match in _KEYWORD_PASSWORD.finditer(url):
            value = match.group(2)
            if value.startswith("'"):
                value = re.sub(r"\\([\s\S])", r"\1", value[1:].removesuffix("'"))
            secret_registry.register_password(value)
        return
    _, _, rest = url.partition("://")
    user, colon, after = rest.partition(":")
    at = after.rfind("@")
    if colon and at != -1 and not any(c in user for c in "/?#[]@"):
        password = after[:at]
        secret_registry.register_password(password, user)
        secret_registry.register_password(unquote_plus(password), unquote_plus(user))
        rest = after[at + 1 :]
    for match in _PAIR.finditer(rest):
        if SECRET_NAME.search(unquote_plus(match.group(2))):
            secret_registry.register(match.group(3), unquote_plus(match.group(3)))


def register_auth_header(value: str) -> None:
    """Register an Authorization header's credential; a Basic one's password and user:password too."""
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    secret_registry.register(credential)
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(credential, validate=True).decode().partition(":")
        except ValueError:  # not base64, or not UTF-8: the credential itself is registered
            return
        secret_registry.register_password(password, user)


def mask_sql_passwords(sql: str) -> str:
    """SQL text with every `PASSWORD '...'` literal (any quoting) replaced by '****'."""
    return _SQL_PASSWORD.sub(lambda m: f"{m.group(1)}'{MASK}'", sql)


def clip(text: str, limit: int, secrets: Iterable[str] = ()) -> str:
    """`text` masked, then cut to `limit` characters: cutting first could leave a secret's beginning unmasked."""
    return redact_text(text, secrets)[:limit]


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask registered secrets (and `secrets`, registered from now on) in every form, URL userinfo passwords,
    libpq `password=` values and SQL password literals in free text."""
    text = secret_registry.mask(text, secrets)
    text = _USERINFO.sub(rf"\1:{MASK}@", text)
    text = _KEYWORD_PASSWORD.sub(rf"\1={MASK}", text)
    return mask_sql_passwords(text)
