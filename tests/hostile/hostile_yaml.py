"""Hypothesis strategies for YAML documents shaped like a msgspec type (tessa.yaml, a runbook): every known key,
each value either plausible for its field (so validation reaches the checks after it) or of any other type,
plus raw YAML text (tags, anchors, huge numbers, hostile strings) that a dumper would never write."""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import msgspec
import yaml
from hypothesis import strategies as st

from tessa_tui.config.fields import Duration
from tessa_tui.runbook.model import ACTION_KINDS, Action


def pick(values: list[Any]) -> st.SearchStrategy[Any]:
    """sampled_from without its elements in its repr (5,000-digit strings would flood the statistics)."""
    return st.integers(0, len(values) - 1).map(values.__getitem__)


def weighted(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], odds: int) -> st.SearchStrategy[Any]:
    """`usual` `odds` times as often as `rare` (one_of picks its branches alike, and merges repeated ones)."""
    return st.integers(0, odds).flatmap(lambda n: rare if n == 0 else usual)


HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=("Cc", "Cf", "Zl", "Zp", "No", "Nd")), max_size=10),
    pick(
        [
            "",
            "-",
            "--output=/tmp/x",
            "${NOPE}",
            "$$",
            "{",
            "{x}",
            "{production_url}",
            "\x00",
            "a\x00b",
            "\u202e",
            "\U000e0041",
            "x" * 5000,
            "9" * 5000,
            "[STATUS] == 200",
            "[BODY].x == pat(*)",
            "len([BODY]) > 1e400",
        ]
    ),
)
HUGE_INTS = st.tuples(st.sampled_from([1, -1]), st.integers(15, 400)).map(lambda p: p[0] * 10 ** p[1] - 1)
ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    HUGE_INTS,
    st.floats(allow_nan=True, allow_infinity=True),
    HOSTILE_TEXT,
)
ANY_VALUE = st.recursive(
    ANY_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_SCALAR, inner, max_size=3), max_leaves=8
)
VALID_DURATIONS = pick(["30s", "1h30m", "500ms", "2d", "15m", 5, 0.5, "3650d"])
BAD_DURATIONS = pick(
    [
        "0s",
        "0",
        "1e3s",
        "99999999999d",
        "9" * 400 + "s",
        "3650d",
        "3651d",
        "-1s",
        "1.5.5s",
        "²s",
        "١s",
        " 1 m ",
        "1ms1s",
        0,
        0.5,
        -1,
        10**400,
        float("inf"),
        float("nan"),
        1e308,
        True,
        "",
    ]
)
DURATIONS = weighted(VALID_DURATIONS, BAD_DURATIONS, 2)
URLS = pick(
    [
        "http://127.0.0.1:1/",
        "http://127.0.0.1:1/",
        "https://example.com/",
        "https://example.com/",
        "https://example.com/health",
        "http://[::1",
        "http://h:99999/",
        "http://h:0/",
        "http://h:abc/",
        "http://h\x00/",
        "http://a b/",
        "ftp://h/",
        "http://",
        "//h/",
        "http://[zz]/",
        "http://\uff03/",
        "http://h/\r\nX: y",
        "https://u:p@h:443/x?y=1#z",
    ]
)
DSNS = pick(
    [
        "postgresql://u@127.0.0.1:5432/db",
        "postgresql://u@127.0.0.1:5432/db",
        "postgres://h/db",
        "postgresql://u@127.0.0.1:99999/db",
        "postgresql://u@h:0/db",
        "postgres://u:pw@h/db?port=70000",
        "postgresql://u:s3cr#t@h:5432/db",
        "postgresql://[::1]:5432/db",
        "postgresql://[::1/db",
        "mysql://h/db",
        "host=h dbname=d",
        "postgresql://h1:5432,h2:99999/db",
        "postgresql://h:%39%39%39%39%39/db",
        "postgresql://h:" + "9" * 5000 + "/db",
        "postgresql://h/db?sslmode=bogus&port=",
        "postgresql://h/db?a=%",
    ]
)
WORDS = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
CONDITIONS = st.lists(
    pick(
        [
            "[STATUS] == 200",
            "[BODY].status == UP",
            "[RESPONSE_TIME] < 500",
            "[BODY].x == pat(*)",
            "len([BODY]) > 1e400",
            "[STATUS] == ",
            "[BODY] ==",
            "[BODY].a[99999999999999999999] == 1",
            "[STATUS] < " + "9" * 5000,
        ]
    )
    | HOSTILE_TEXT,
    max_size=2,
)
PATHS = pick(["/tmp/x.log", "/tmp/x.log", "/dev/zero", "~/x", "~nobody/x", "a\x00b", "", "/", "." * 300])
BY_NAME: dict[str, st.SearchStrategy[Any]] = {
    "url": URLS,
    "statuspage": URLS,
    "api-url": URLS,
    "events-url": URLS,
    "webhook-url": URLS,
    "control-url": URLS,
    "dsn": DSNS,
    "path": PATHS,
    "conditions": CONDITIONS,
    "expect": CONDITIONS,
    "paths": st.lists(PATHS, max_size=2),
}


def shaped(annotation: Any, name: str = "", depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for a field of this type: mostly plausible for it, sometimes anything at all (each field rarely:
    a document with one wrong value stops at it, so most documents must get far to reach the later checks)."""
    plausible = _plausible(annotation, name, depth)
    return weighted(plausible, ANY_VALUE, 15)


def _plausible(annotation: Any, name: str, depth: int) -> st.SearchStrategy[Any]:
    if name in BY_NAME:
        return BY_NAME[name]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _plausible(args[0], name, depth)
    if origin in {Union, types.UnionType}:
        return st.one_of([shaped(a, name, depth) for a in args])
    if origin is Literal:
        return st.sampled_from(args)
    if annotation is Duration:
        return DURATIONS
    if annotation is type(None):
        return st.none()
    if origin is list:
        item, most = shaped(args[0], name, depth + 1), 3 if depth < 3 else 1
        return weighted(st.lists(item, min_size=1, max_size=most), st.lists(item, max_size=most), 3)
    if origin is dict:
        return st.dictionaries(HOSTILE_TEXT, shaped(args[1], name, depth + 1), max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return struct_values(annotation, depth + 1)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(-5, 100) | st.integers()
    if annotation is float:
        return st.floats(allow_nan=True, allow_infinity=True)
    return weighted(WORDS, HOSTILE_TEXT, 15)


def struct_values(struct: type[msgspec.Struct], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping for `struct`: each required key usually present, optional keys sometimes, an unknown one rarely."""
    hints = get_type_hints(struct, include_extras=True)
    fields = msgspec.structs.fields(struct)
    if depth > 4:
        return st.just({})
    required = {f.encode_name: shaped(hints[f.name], f.encode_name, depth) for f in fields if f.required}
    optional = {f.encode_name: shaped(hints[f.name], f.encode_name, depth) for f in fields if not f.required}
    unknown = {"unknown-key": ANY_SCALAR} if depth < 2 else {}
    if struct is Action:  # exactly one kind, usually: a random subset of nine keys almost never is
        kinds = {k: optional.pop(k) for k in ACTION_KINDS}
        one_kind = st.sampled_from(ACTION_KINDS).flatmap(lambda k: st.fixed_dictionaries({k: kinds[k]}))
        rest = st.fixed_dictionaries(required, optional={**optional, **unknown})
        return st.tuples(one_kind, rest).map(lambda parts: {**parts[0], **parts[1]})
    return st.fixed_dictionaries(required, optional={**optional, **unknown})


# YAML text no dumper writes: tags, aliases, merge keys, duplicate keys, numbers past a float.
RAW_DOCUMENTS = pick(
    [
        "!!python/object:os.system {}",
        "a: &a [*a]",
        "<<: {platform: x}\nplatform: y",
        "platform: x\nplatform: y",
        "services: [{name: a, url: 'http://h/', interval: 1e400}]",
        "services: [{name: a, url: 'http://h/', interval: .nan}]",
        "database: {dsn: 'postgresql://h:99999/d', statement-timeout: 25d}",
        "logs: [{name: a, path: !!binary AAAA}]",
        "platform: 2026-01-01",
        "{" * 60 + "}" * 60,
        "? [a, b]\n: c",
        "platform: " + "9" * 5000,
        "- a\n- b",
        "",
        "id: x\ntitle: t\nkind: issue\nphases: [{name: p, steps: [{id: s, text: t, action: {run: ['\\0']}}]}]",
        "id: x\ntitle: t\nkind: issue\nescalate-after: 99999999999d\nphases: [{name: p, within: .inf, steps: []}]",
    ]
)


def documents(root: type[msgspec.Struct]) -> st.SearchStrategy[str]:
    """YAML text for a file whose top level is `root`."""
    dumped = struct_values(root).map(lambda data: yaml.safe_dump(data, allow_unicode=True))
    return weighted(dumped, RAW_DOCUMENTS | ANY_VALUE.map(yaml.safe_dump), 8)
