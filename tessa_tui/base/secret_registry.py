"""The process's one registry of secret values, and the fast masking every exit passes through.

Everything secret the process learns is registered here once: environment values interpolated into the config,
DSN and URL passwords, credential query values of configured URLs, `--set` values of secret-named placeholders.
Each value is masked together with the forms it takes on the way out: percent-encoded (`quote`, `quote_plus`,
upper- and lower-case hex), JSON- and HTML-escaped, Python's repr, made visible by `sanitize`, a Basic-auth
header of `user:password`, and its pieces between URL delimiters (a URL parser that cuts a raw password at
`@ : / ? #` quotes a piece of it in its error). Values shorter than MIN_LENGTH are not registered: masking every
`on` or `db` in every line would hide the text around the secret, and a 3-character secret is no secret.

All forms are one compiled alternation (longest first), rebuilt when the registry changes; `mask` with an empty
registry is one attribute read.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from tessa_tui.base.sanitize import sanitize

MASK = "****"
MIN_LENGTH = 4
# Where URL parsers cut a raw (unencoded) password: a piece between these may be quoted in their errors.
# Names of values that are credentials in the wild (query parameters, placeholders, JSON keys).
SECRET_NAME = re.compile(r"(?i)(token|key|secret|password|passwd|pwd|signature|sig|auth|credential|session|code)")
_URL_DELIMITERS = re.compile(r"[@:/?#\[\]\s]")
_LOWER_HEX = re.compile(r"%[0-9A-F]{2}")

_lock = threading.Lock()
_values: set[str] = set()
_forms: set[str] = set()
_pattern: re.Pattern[str] | None = None
_generation = 0  # bumped on every change: the key of the cached patterns with a caller's extra secrets


def forms(secret: str, *, pieces: bool = False) -> set[str]:
    """The secret and every form it takes when it is written somewhere (those of MIN_LENGTH or more);
    `pieces`: also its pieces between URL delimiters (for passwords written raw into a URL)."""
    found = {secret, quote(secret), quote(secret, safe=""), quote_plus(secret), quote_plus(secret, safe="")}
    found |= {_LOWER_HEX.sub(lambda m: m.group(0).lower(), f) for f in found}
    found |= {
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1].replace("/", "\\/"),  # PHP's json_encode escapes /
        html.escape(secret),
        html.escape(secret, quote=False),
        repr(secret)[1:-1],
    }
    found |= {sanitize(f, keep_newlines=keep) for f in list(found) for keep in (False, True)}
    if pieces:
        found |= _pieces(secret)
    # Only a form with something besides `*` can be masked: a mask never recreates what it masked.
    return {f for f in found if len(f) >= MIN_LENGTH and f.strip("*")}


def _pieces(secret: str) -> set[str]:
    """Every run of the secret between two of its URL delimiters (or its ends): what a parser that cut it
    there can quote."""
    inner = [m.start() for m in _URL_DELIMITERS.finditer(secret)][:32]
    cuts = [-1, *inner, len(secret)]
    return {secret[a + 1 : b] for i, a in enumerate(cuts) for b in cuts[i + 1 :]}


def basic_auth_forms(user: str, password: str) -> set[str]:
    """`Authorization: Basic` values of user:password (standard and URL-safe alphabets, with or without =)."""
    raw = f"{user}:{password}".encode()
    encoded = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    return encoded | {e.rstrip("=") for e in encoded}


def register(*secrets: str | None) -> None:
    """Mask these values (and their forms) everywhere from now on; short and empty ones are ignored."""
    add = {s for s in secrets if s and len(s) >= MIN_LENGTH and s not in _values}
    if add:
        _add({f for s in add for f in forms(s)}, add)


def register_password(password: str, user: str = "") -> None:
    """Register a password found in a URL or DSN: its forms, its pieces between URL delimiters and, with its
    user, the Basic-auth header value it makes."""
    if len(password) >= MIN_LENGTH:
        _add(forms(password, pieces=True) | basic_auth_forms(user, password), {password})


def register_named(name: str, value: str) -> None:
    """Register a named value (a `--set` placeholder) when its name says it is a credential."""
    if SECRET_NAME.search(name):
        register(value)


def _add(new_forms: set[str], new_values: set[str]) -> None:
    global _pattern, _generation
    with _lock:
        _values.update(new_values)
        if new_forms - _forms:
            _forms.update(new_forms)
            _pattern = _compile(_forms) if _forms else None
            _generation += 1


def clear() -> None:
    """Forget every secret (tests; a process that loads a new config keeps the old secrets masked)."""
    global _pattern, _generation
    with _lock:
        _values.clear()
        _forms.clear()
        _pattern = None
        _generation += 1


def known() -> frozenset[str]:
    """The registered values themselves (not their forms)."""
    return frozenset(_values)


def active() -> bool:
    """True when anything is registered."""
    return _pattern is not None


def pattern() -> re.Pattern[str] | None:
    """The compiled alternation of every form (None when the registry is empty): for callers that test many
    strings, e.g. a log batch, with one `search` before masking any of them."""
    return _pattern


MAX_PASSES = 4
WITHHELD = "**** (text withheld: it keeps re-forming a secret when masked)"


def mask(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every registered secret (and `extra` ones) in every form replaced by MASK."""
    extras = frozenset(s for s in extra if s and len(s) >= MIN_LENGTH) - _values
    # Extras mask this text only: registering them would mask, say, a whole password-less DSN everywhere.
    compiled = _with_extras(extras, _generation) if extras else _pattern
    if compiled is None or compiled.search(text) is None:
        return text
    # Masking one form can leave another spanning the mask, so a few passes. A secret that begins or ends with
    # the mask's own `*` can re-form next to every mask it leaves (one more match per pass: quadratic on a long
    # line); past the passes the text is withheld whole rather than shown or masked for an hour.
    for _ in range(MAX_PASSES):
        masked = compiled.sub(MASK, text)
        if masked == text:
            return masked
        text = masked
    return text if compiled.search(text) is None else WITHHELD


@functools.lru_cache(maxsize=32)
def _with_extras(extras: frozenset[str], generation: int) -> re.Pattern[str]:
    """The registry's alternation plus the forms of `extras` (cached per registry generation)."""
    del generation  # part of the cache key only
    return _compile(_forms | {f for s in extras for f in forms(s)})


def _compile(all_forms: set[str]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, sorted(all_forms, key=lambda f: (-len(f), f)))))


def mask_data(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings ...) with every string, keys included, masked: for records
    written whole, such as a journal event's data (masking its JSON text could cut through the syntax)."""
    if _pattern is None:
        return value
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {mask_data(k): mask_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_data(v) for v in value)
    return value
