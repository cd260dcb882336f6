"""The deployment parsers under generated answers: Vercel's and Netlify's items with every field of any JSON type
(non-finite and huge numbers, control and format characters, markup, values starting with `-`), whole bodies of any
bytes, and the choice of the deployment to put back. Each is total: a Deployment whose text is one sanitised line
within its limit, or nothing; a decode never raises; `previous` is always a ready production deployment older than
the current one, or a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tessa_tui.base.sanitize import sanitize
from tessa_tui.deployments import netlify, vercel
from tessa_tui.deployments.model import TEXT_LIMITS, Deployment, epoch_ms, iso_time
from tessa_tui.deployments.rollback import choose, describe
from tessa_tui.deployments.vendor_http import Listing, decode_json, segment, vendor_message
from tests.hostile.strategies_json import BODIES, JSON_VALUES, NUMBERS, SCALARS, SMALL_JSON, TEXT

FIELD = st.one_of(SCALARS, SMALL_JSON)
STATES = st.sampled_from(["READY", "ERROR", "BUILDING", "ready", "error", "building", "rejected", "new"])
VERCEL_ITEMS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"uid": st.one_of(TEXT, FIELD)},
        optional={
            "created": st.one_of(NUMBERS, FIELD),
            "createdAt": NUMBERS,
            "state": STATES | FIELD,
            "readyState": STATES | FIELD,
            "target": st.sampled_from(["production", "staging"]) | FIELD,
            "url": FIELD,
            "creator": st.fixed_dictionaries({}, optional={"username": FIELD, "email": FIELD}) | FIELD,
            "meta": st.dictionaries(
                st.sampled_from(
                    ["githubCommitSha", "githubCommitMessage", "gitlabCommitRef", "bitbucketCommitAuthorName"]
                )
                | TEXT,
                FIELD,
                max_size=4,
            )
            | FIELD,
        },
    ),
)
NETLIFY_ITEMS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"id": st.one_of(TEXT, FIELD)},
        optional={
            "state": STATES | FIELD,
            "context": st.sampled_from(["production", "deploy-preview"]) | FIELD,
            "created_at": st.sampled_from(["2026-01-21T13:00:00Z", "2026-01-21T13:00:00", "yesterday"]) | FIELD,
            "commit_ref": FIELD,
            "title": FIELD,
            "branch": FIELD,
            "committer": FIELD,
            "deploy_ssl_url": FIELD,
        },
    ),
)


def _clean_and_bounded(deployment: Deployment) -> None:
    for name, limit in TEXT_LIMITS.items():
        value = getattr(deployment, name)
        assert isinstance(value, str) and len(value) <= limit
        assert sanitize(value) == value and "\n" not in value  # one line, nothing a terminal would act on
    json.dumps(deployment.to_json(datetime(2026, 1, 21, tzinfo=UTC), timedelta(hours=2)))


@given(VERCEL_ITEMS, TEXT)
def test_a_vercel_item_is_a_clean_deployment_or_nothing(item: object, current: str) -> None:
    found = vercel.deployment(item, "web", current)
    if found is not None:
        _clean_and_bounded(found)
        assert found.current == (found.id == current and bool(current))
        assert found.created_at is None or found.created_at.tzinfo is not None


@given(NETLIFY_ITEMS)
def test_a_netlify_item_is_a_clean_deployment_or_nothing(item: object) -> None:
    found = netlify.deployment(item, "docs")
    if found is not None:
        _clean_and_bounded(found)


@given(BODIES)
def test_any_body_decodes_or_is_not_json_and_its_message_is_one_line(body: bytes) -> None:
    value, decoded = decode_json(body)
    assert decoded or value is None
    said = vendor_message(value)
    assert len(said) <= 120 and sanitize(said) == said


@given(st.one_of(TEXT, st.sampled_from([".", "..", "...", "a/../b", "%2e%2e", "?x=1", "#f", " x "])))
def test_an_id_is_one_url_segment_where_it_is_put_or_refused(value: str) -> None:
    import httpx

    piece = segment(value)
    if piece is None:
        assert value.strip(".") == "" or value.encode("utf-8", "replace").decode() != value
        return
    url = httpx.URL(f"https://api.vercel.com/v10/projects/prj/promote/{piece}")
    assert url.raw_path.decode("ascii").split("/") == ["", "v10", "projects", "prj", "promote", piece]


TOKEN = "tok-9f3e1c7a2b5d8e0f"


@given(TEXT, st.integers(0, 130), TEXT, st.sampled_from(["vercel", "netlify", "code"]))
def test_a_token_echoed_anywhere_in_an_error_message_shows_none_of_it(
    before: str, pad: int, after: str, shape: str
) -> None:
    message = before + "x" * pad + TOKEN + after
    body = {"vercel": {"error": {"message": message}}, "netlify": {"message": message}, "code": {"error": message}}
    said = vendor_message(body[shape], {TOKEN})
    assert TOKEN[:8] not in said and len(said) <= 120


# ISO 8601 times of any year with any offset: year 1 at +01:00 or 9999-12-31 at -01:00 fall out of datetime's range
# once turned to UTC (astimezone raised OverflowError, which failed the Netlify source as an internal error).
ISO_TIMES = st.builds(
    lambda when, minutes, z: (
        when.isoformat() + ("Z" if z else f"{'+-'[minutes < 0]}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}")
    ),
    st.datetimes(),
    st.integers(-1439, 1439),
    st.booleans(),
)


@given(
    st.one_of(NUMBERS, FIELD, ISO_TIMES, st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]))
)
def test_times_are_utc_or_unknown(value: object) -> None:
    for when in (epoch_ms(value), iso_time(value)):
        assert when is None or datetime(1970, 1, 1, tzinfo=UTC) <= when <= datetime(2200, 1, 1, tzinfo=UTC)


def test_a_netlify_deploy_dated_out_of_range_is_listed_with_its_time_unknown() -> None:
    for stamp in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00"):
        found = netlify.deployment({"id": "d1", "state": "ready", "created_at": stamp}, "docs")
        assert found is not None and found.created_at is None


DEPLOYMENTS = st.lists(
    st.builds(
        Deployment,
        source=st.just("web"),
        kind=st.just("vercel"),
        id=st.sampled_from(["a", "b", "c", "d", "e", "f"]),
        created_at=st.none()
        | st.integers(0, 10_000).map(lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m)),
        status=st.sampled_from(["ready", "error", "building", "canceled", "unknown"]),
        target=st.sampled_from(["production", "preview", "staging"]),
        current=st.booleans(),
    ),
    max_size=8,
)


@given(DEPLOYMENTS, st.sampled_from(["previous", "a", "b", "zz", ""]))
def test_the_deployment_put_back_is_a_ready_production_one_or_a_reason(
    deployments: list[Deployment], wanted: str
) -> None:
    listing = Listing(tuple(deployments), 0, "prj")
    chosen = choose(listing, wanted or "previous", "Vercel")
    if isinstance(chosen, str):
        assert chosen and "\n" not in chosen
        return
    assert chosen.status == "ready" and chosen.production
    describe(chosen)
    current = listing.current
    if wanted in ("", "previous"):
        assert current is not None and current.created_at is not None and chosen.created_at is not None
        assert chosen.created_at < current.created_at and not chosen.current
