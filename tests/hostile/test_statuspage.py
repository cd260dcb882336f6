"""The Statuspage parser under generated documents and bodies: a VendorStatus or one StatusPageError line.

Documents near the real shape (a `status` with an indicator, `components`, `incidents`, `page`) with every
field of any JSON type, and whole bodies of any bytes; what comes out prints and serialises.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.statuspage_status import StatusPageError, VendorStatus, parse_statuspage, read_statuspage
from tests.hostile.strategies_json import BODIES, JSON_VALUES, SCALARS, SMALL_JSON, TEXT

INDICATORS = st.one_of(st.sampled_from(["none", "minor", "major", "critical", "maintenance"]), TEXT, SMALL_JSON)
FIELD = st.one_of(SCALARS, SMALL_JSON)  # any JSON type where a string is expected
COMPONENT = st.fixed_dictionaries(
    {}, optional={"name": FIELD, "status": st.sampled_from(["major_outage", "operational"]) | FIELD, "group": FIELD}
)
UPDATE = st.fixed_dictionaries({}, optional={"body": FIELD, "display_at": FIELD, "created_at": FIELD})
INCIDENT = st.fixed_dictionaries(
    {},
    optional={
        "name": FIELD,
        "status": st.sampled_from(["investigating", "resolved"]) | FIELD,
        "impact": FIELD,
        "updated_at": FIELD,
        "incident_updates": st.lists(UPDATE | FIELD, max_size=3) | FIELD,
    },
)
STATUS = st.fixed_dictionaries({"indicator": INDICATORS}, optional={"description": FIELD})
DOCUMENTS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"status": STATUS | FIELD},
        optional={
            "components": st.lists(COMPONENT | FIELD, max_size=6) | FIELD,
            "incidents": st.lists(INCIDENT | FIELD, max_size=3) | FIELD,
            "page": st.fixed_dictionaries({}, optional={"updated_at": FIELD}) | FIELD,
        },
    ),
)


def _shown(vendor: VendorStatus) -> None:
    """What the pane and `check --json` do with a parsed page: one reason line, JSON that encodes."""
    assert vendor.state in {"up", "degraded", "down", "maintenance", "unknown"}
    reason = vendor.reason()
    assert isinstance(reason, str) and "\n" not in reason
    reason.encode("utf-8")  # no lone surrogate reaches a terminal or a pipe
    result = CheckResult(
        "x", "g", "statuspage", "t", vendor.state, reason, datetime(2026, 1, 1, tzinfo=UTC), 1.0, vendor=vendor
    )
    json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")


@given(DOCUMENTS)
@example({"status": {"indicator": "none"}, "components": 5})
@example({"status": []})
@example({"status": {"indicator": "major"}, "incidents": [{"incident_updates": 5}]})
@example({"status": {"indicator": "minor"}, "components": [{"name": "\ud800\x1b]0;x\x07", "status": "outage"}]})
def test_any_document_is_a_vendor_status_or_one_line(document: object) -> None:
    try:
        vendor: VendorStatus | str = parse_statuspage(document)
    except StatusPageError as error:
        vendor = str(error)
    if isinstance(vendor, str):
        assert "\n" not in vendor and vendor.startswith(("not a Statuspage", "status page"))
    else:
        _shown(vendor)


@given(st.one_of(BODIES, DOCUMENTS.map(lambda d: json.dumps(d, allow_nan=True).encode())))
@example(b'{"status": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
@example(b'{"status": {"indicator": 1e400}, "incidents": [1e400]}')
@example(b'{"status": {"indicator": "\xff\xfe"}}')
@example(b'{"status": {"indicator": "none"}, "n": ' + b"9" * 5000 + b"}")
def test_any_body_is_a_vendor_status_or_one_line(body: bytes) -> None:
    try:
        vendor: VendorStatus | str = read_statuspage(body)
    except StatusPageError as error:
        vendor = str(error)
    if isinstance(vendor, str):
        assert "\n" not in vendor and vendor.startswith(("not a Statuspage", "status page"))
    else:
        _shown(vendor)
