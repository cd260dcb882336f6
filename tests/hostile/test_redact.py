"""Property tests: a password of any printable text never survives mask_url, and a registered secret never
survives redact_text, in any of its forms."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import assume, given
from hypothesis import strategies as st

from tessa_tui.base import secret_registry
from tessa_tui.base.redact import mask_sql_passwords, mask_url, redact_text, register_url

# Printable: everything but control characters and lone surrogates (those cannot be typed into a config).
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
PASSWORDS = st.text(PRINTABLE, min_size=secret_registry.MIN_LENGTH, max_size=40)
# Weighted towards the characters that break URL parsers.
URLISH = st.text(st.sampled_from("@:/?#%+ &=;'\"\\$[]ä€😀aZ9*"), min_size=secret_registry.MIN_LENGTH, max_size=20)
SECRETS = st.one_of(PASSWORDS, URLISH)
HOSTS = st.sampled_from(["db.example", "127.0.0.1:5432", "[::1]:6543", "h1:5432,h2:5433"])
TAILS = st.sampled_from(["", "/app", "/app?sslmode=require", "/app?application_name=x&sslmode=verify-full#frag"])


def _forms(secret: str, user: str = "app") -> set[str]:
    return secret_registry.forms(secret) | secret_registry.basic_auth_forms(user, secret)


def _leaks(output: str, secret: str, skeleton: str) -> list[str]:
    """Forms of the secret in the output that the secret-free skeleton does not explain."""
    return [f for f in _forms(secret) if f in output and f not in skeleton]


@given(password=SECRETS, host=HOSTS, tail=TAILS, scheme=st.sampled_from(["postgresql", "postgres", "https"]))
def test_mask_url_hides_a_raw_password_of_any_text(password: str, host: str, tail: str, scheme: str) -> None:
    skeleton = f"{scheme}://app:{secret_registry.MASK}@{host}{tail}"
    for written in (password, quote(password, safe="")):
        masked = mask_url(f"{scheme}://app:{written}@{host}{tail}")
        assert masked == skeleton
        assert not _leaks(masked, password, skeleton)


@given(password=SECRETS)
def test_mask_url_hides_libpq_keyword_passwords(password: str) -> None:
    quoted = "'" + password.replace("\\", "\\\\").replace("'", "\\'") + "'"
    dsn = f"host=db user=app password={quoted} dbname=app"
    masked = mask_url(dsn)
    assert masked == f"host=db user=app password={secret_registry.MASK} dbname=app"


@given(password=SECRETS, host=HOSTS, tail=TAILS)
def test_a_registered_secret_is_masked_in_every_form(password: str, host: str, tail: str) -> None:
    assume(password.strip("*"))  # a secret of stars is what the mask looks like
    secret_registry.clear()
    register_url(f"postgresql://app:{password}@{host}{tail}")
    text = " | ".join(["error:", *sorted(_forms(password)), json.dumps({"password": password}), "end"])
    out = redact_text(text)
    assert password not in out and not [f for f in _forms(password) if f in out], out
    secret_registry.clear()


@given(password=SECRETS, before=st.text(PRINTABLE, max_size=10), after=st.text(PRINTABLE, max_size=10))
def test_masking_never_leaves_a_form_even_around_the_mask(password: str, before: str, after: str) -> None:
    """A secret ending in `*` next to the mask can re-form around it: masking runs until nothing matches."""
    assume(password.strip("*"))
    secret_registry.clear()
    secret_registry.register(password)
    out = secret_registry.mask(f"{before}{password}{after}")
    assert not any(f in out for f in secret_registry.forms(password)), out
    secret_registry.clear()


@given(
    password=st.text(PRINTABLE, min_size=1, max_size=30),
    quoting=st.sampled_from(["plain", "E", "dollar", "tag", "cut"]),
    keyword=st.sampled_from(["PASSWORD", "password", "Password", "ENCRYPTED PASSWORD"]),
)
def test_sql_password_literals_are_masked_in_every_quoting(password: str, quoting: str, keyword: str) -> None:
    if quoting == "plain":
        literal = "'" + password.replace("'", "''") + "'"
    elif quoting == "E":
        literal = "E'" + password.replace("\\", "\\\\").replace("'", "\\'") + "'"
    elif quoting in ("dollar", "tag"):
        tag = "$$" if quoting == "dollar" else "$pw$"
        assume((password + tag).find(tag) == len(password))  # else PostgreSQL itself ends the literal earlier
        literal = f"{tag}{password}{tag}"
    else:  # pg_stat_activity cut the query text inside the literal
        literal = "'" + password.replace("'", "''")
    tail = "" if quoting == "cut" else " VALID UNTIL 'infinity'"
    sql = f"ALTER ROLE app WITH LOGIN {keyword} {literal}{tail}"
    masked = mask_sql_passwords(sql)
    head = f"ALTER ROLE app WITH LOGIN {keyword} '****'"
    # A backslash in a plain literal is read as an escape too (standard_conforming_strings may be off): the
    # mask may then run on into what follows, never stop short of the literal's end.
    assert masked.startswith(head) and tail.endswith(masked[len(head) :])
    if "\\" not in password:
        assert masked == head + tail
