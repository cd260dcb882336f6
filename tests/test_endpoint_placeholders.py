"""Nothing accepted at load is unevaluable at run time (issue 23): every placeholder the condition grammar
resolves, on every kind of check, is either refused when the config loads (`not supported (reason)`) or filled
by a real run against a loopback server. A new placeholder or endpoint type fails here until it is one or the
other, so `[DNS_RCODE]` on an HTTP check can never again load and then stay down forever."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields as dataclass_fields
from typing import Any

import msgspec
import pytest

from tessa_tui.base.http_fetch import make_client
from tessa_tui.checks import service_check
from tessa_tui.checks.service_check import run_check
from tessa_tui.conditions.condition import PLACEHOLDERS, Observation, parse_condition
from tessa_tui.config.model import ServiceCheck, decode_hook
from tests.tls_material import TlsServers

# One condition operand per placeholder (`[BODY].` and `[HEADER].` need a path or a name after them).
OPERAND = {"[BODY].": "[BODY].status", "[HEADER].": "[HEADER].content-type", "[CONTEXT]": "[CONTEXT].a"}

# Every kind of check, as fields with stand-in addresses (the load rule does not connect).
VARIANTS: dict[str, dict[str, Any]] = {
    "http": {"url": "http://127.0.0.1:9/ok"},
    "https": {"url": "https://localhost:9/ok"},
    "statuspage": {"statuspage": "http://127.0.0.1:9/sp/x"},
}

# What a run of each kind fills: the contract docs/conditions.md states. Every other pair is refused at load.
FILLED: dict[str, set[str]] = {
    "http": {"[STATUS]", "[RESPONSE_TIME]", "[CONNECTED]", "[IP]", "[BODY]", "[BODY].", "[HEADER]."},
    "https": {"[STATUS]", "[RESPONSE_TIME]", "[CONNECTED]", "[IP]", "[BODY]", "[BODY].", "[HEADER]."}
    | {"[CERTIFICATE_EXPIRATION]"},
    "statuspage": set(),
}


def service(**fields: Any) -> ServiceCheck:
    data = {"name": "svc", **{k.replace("_", "-"): v for k, v in fields.items()}}
    return msgspec.convert(data, ServiceCheck, dec_hook=decode_hook)


def condition_of(placeholder: str) -> str:
    return f"{OPERAND.get(placeholder, placeholder)} == x"


def test_the_walk_covers_every_placeholder_and_kind() -> None:
    assert set(PLACEHOLDERS) == {
        "[STATUS]", "[IP]", "[RESPONSE_TIME]", "[DNS_RCODE]", "[CONNECTED]", "[CERTIFICATE_EXPIRATION]",
        "[DOMAIN_EXPIRATION]", "[BODY]", "[BODY].", "[HEADER].", "[CONTEXT]",
    }  # fmt: skip
    assert set(VARIANTS) == set(FILLED)
    for placeholder in PLACEHOLDERS:
        assert parse_condition(condition_of(placeholder)).placeholders == {placeholder}


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_placeholder_is_filled_or_refused_at_load(variant: str, placeholder: str) -> None:
    conditions = [condition_of(placeholder)]
    if placeholder in FILLED[variant]:
        service(**VARIANTS[variant], conditions=conditions)
        return
    with pytest.raises(msgspec.ValidationError) as refused:
        service(**VARIANTS[variant], conditions=conditions)
    expected = "not supported (" if variant == "statuspage" else f"not supported ({placeholder} in "
    assert str(refused.value).startswith(f"`conditions[0]`: {expected}"), str(refused.value)


def _filled_fields(observation: Observation, placeholders: set[str]) -> dict[str, bool]:
    """For each placeholder, whether the run set the Observation field it reads to something other than unset."""
    unset = Observation()
    defaults = {f.name: getattr(unset, f.name) for f in dataclass_fields(Observation)}
    shown = {}
    for placeholder in placeholders:
        (field,) = parse_condition(condition_of(placeholder)).reads
        shown[placeholder] = getattr(observation, field) != defaults[field]
    return shown


@pytest.fixture
def observed(monkeypatch: pytest.MonkeyPatch) -> list[Observation]:
    """The Observations the checks' conditions are evaluated against."""
    seen: list[Observation] = []
    real = service_check.evaluate_all  # type: ignore[attr-defined]

    def spy(conditions: Any, observation: Observation, **kwargs: Any) -> Any:
        seen.append(observation)
        return real(conditions, observation, **kwargs)

    monkeypatch.setattr(service_check, "evaluate_all", spy)
    return seen


# How each kind reaches a real loopback server (its fixture), with the fields it needs there.
Reach = Callable[[pytest.FixtureRequest], dict[str, Any]]


def _https(request: pytest.FixtureRequest) -> dict[str, Any]:
    tls: TlsServers = request.getfixturevalue("tls_servers")
    return {"url": f"{tls.private_ca}/ok", "tls": {"ca-file": str(tls.pki.ca)}}


REACH: dict[str, Reach] = {
    "http": lambda request: {"url": f"{request.getfixturevalue('servers').http}/ok"},
    "https": _https,
}


@pytest.mark.parametrize("variant", [v for v in VARIANTS if FILLED[v]])
async def test_a_real_run_fills_every_placeholder_its_kind_accepts(
    variant: str, request: pytest.FixtureRequest, observed: list[Observation]
) -> None:
    if variant not in REACH:
        pytest.fail(f"no loopback server for {variant} checks: add one to REACH")
    placeholders = FILLED[variant]
    check = service(**REACH[variant](request), conditions=[condition_of(p) for p in sorted(placeholders)])
    async with make_client() as client:
        result = await run_check(client, check)
    assert not result.internal_error, result.reason
    assert _filled_fields(observed[-1], placeholders) == dict.fromkeys(placeholders, True)
