"""Running service checks: an HTTP check evaluated with Gatus conditions, or a vendor status page."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from urllib.parse import parse_qsl, urlsplit

import httpx

from tessa_tui.base.http_fetch import (
    MAX_BODY_BYTES,
    HttpOutcome,
    Target,
    describe_error,
    fetch,
    request_target,
    shared_tls_context,
    transport_errors,
)
from tessa_tui.base.isolate import internal_reason, isolated
from tessa_tui.base.redact import mask_url
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.base.tls_contexts import client_context
from tessa_tui.checks.certificate import expires_in_ms
from tessa_tui.checks.dns_check import query as dns_query
from tessa_tui.checks.domain_expiry import domain_expiration_ms
from tessa_tui.checks.result import CheckKind, CheckResult, CheckState
from tessa_tui.checks.run_memo import ConditionMemo, TextCleaner
from tessa_tui.checks.socket_check import probe
from tessa_tui.checks.statuspage_status import StatusPageError, VendorStatus, read_statuspage
from tessa_tui.conditions.condition import Condition, ConditionResult, Observation, parse_condition
from tessa_tui.config.endpoints import SOCKET_TYPES, Endpoint
from tessa_tui.config.model import ServiceCheck


@cache
def parsed_conditions(texts: tuple[str, ...]) -> tuple[Condition, ...]:
    """Conditions parse once per distinct list (config validation already proved they parse)."""
    return tuple(parse_condition(t) for t in texts)


def check_secrets(check: ServiceCheck, known: Iterable[str] = ()) -> set[str]:
    """Values that must never be shown for this check: URL password, credential query values, headers."""
    secrets = set(known) | set(check.headers.values())
    # `Bearer <token>`, `Token token=<token>`: the credential alone must be masked too, wherever it shows.
    secrets.update(value.split()[-1].rpartition("=")[2] for value in check.headers.values() if " " in value.strip())
    for url in (check.url, check.statuspage):
        if not url:
            continue
        secrets.add(_raw_password(url))
        try:
            parts = urlsplit(url)
            secrets.add(parts.password or "")
            secrets.update(value for _, value in parse_qsl(parts.query) if len(value) >= 4)
        except ValueError:
            continue  # the raw password above is still masked
    return {s for s in secrets if len(s) >= 4}


def _raw_password(url: str) -> str:
    """The password as written between `user:` and the last `@`: an unencoded `#` or `/` fools urlsplit."""
    rest = url.partition("://")[2]
    query = rest.find("?")
    at = rest.rfind("@", 0, query if query != -1 else len(rest))
    userinfo = rest[:at] if at != -1 else ""
    return userinfo.partition(":")[2]


def describe_target(check: ServiceCheck) -> str:
    """What a check polls, masked."""
    unverified = " (insecure: certificate not verified)" if check.tls is not None and check.tls.insecure else ""
    if check.statuspage:
        return f"status page {mask_url(check.statuspage)}{unverified}"
    if check.dns is not None:
        return f"dns {check.dns.query_type} {check.dns.query_name} @ {check.url}"
    if check.endpoint.type in SOCKET_TYPES:
        return f"{mask_url(check.url or '')}{unverified}"
    return f"{check.method} {mask_url(check.url or '')}{unverified}"


@dataclass(frozen=True)
class CheckPlan:
    """What a check needs on every run, worked out once per config: parsed URLs and conditions, the target
    text, every secret to mask, and the caches that make an unchanged run cheap."""

    check: ServiceCheck
    endpoint: Endpoint
    given: tuple[str, ...] | frozenset[str] | None
    """The caller's secrets as passed when immutable: the same object again means the same secrets."""
    given_hidden: frozenset[str]
    """The caller's secrets that are masked (4 characters or more)."""
    target: Target | None
    url_error: str
    """Why the URL cannot be requested (httpx refuses what urlsplit let through); empty when it can."""
    statuspage_urls: tuple[Target | str, Target | str]
    """summary.json and status.json (as text when unparsable: fetch then reports why)."""
    shown_target: str
    deadline: float
    needs_ip: bool
    needs_certificate: bool
    needs_domain: bool
    dns_name: str
    """A DNS check's question, absolute (a PTR's IP turned into its reverse name); empty for other checks."""
    tls: ssl.SSLContext | None
    """The check's own TLS context (its `tls:` settings, one per distinct settings); None: the shared one."""
    secrets: frozenset[str]
    """The check's own secrets and the caller's: masked in every text of its results and crash-log entries."""
    cleaner: TextCleaner
    memo: ConditionMemo


_PLANS: dict[int, CheckPlan] = {}
_MAX_PLANS = 2048


def plan_check(check: ServiceCheck, secrets: Iterable[str] = ()) -> CheckPlan:
    """The check's plan, worked out on its first run and reused while the same check object (and the same
    secrets) comes back: a poll cycle parses, masks and compiles nothing it did the cycle before."""
    # Keyed by identity (the check holds unhashable lists); the stored check guards against id reuse.
    plan = _PLANS.get(id(check))
    if (
        plan is not None
        and plan.check is check
        and (plan.given is secrets or plan.given_hidden == _given_secrets(secrets))
    ):
        return plan
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    plan = _build_plan(check, secrets)
    _PLANS[id(check)] = plan
    return plan


def _given_secrets(secrets: Iterable[str]) -> frozenset[str]:
    return frozenset(s for s in secrets if len(s) >= 4)


def _target(url: str) -> tuple[Target | None, str]:
    try:
        return request_target(url), ""
    except transport_errors() as exc:
        error = describe_error(exc)
        return None, error if error.startswith("invalid URL") else f"invalid URL: {error}"


def _build_plan(check: ServiceCheck, secrets: Iterable[str]) -> CheckPlan:
    http = check.endpoint.type == "http"
    target, url_error = _target(check.url) if check.url and http else (None, "")
    base = (check.statuspage or "").rstrip("/")
    pages = tuple(f"{base}/api/v2/{name}.json" for name in ("summary", "status"))
    summary, status = ((_target(page)[0] or page) for page in pages) if check.statuspage else pages
    conditions = parsed_conditions(tuple(check.conditions))
    given = _given_secrets(secrets)
    hidden = given | check_secrets(check)
    cleaner = TextCleaner(hidden)
    return CheckPlan(
        check=check,
        endpoint=check.endpoint,
        given=secrets if isinstance(secrets, tuple | frozenset) else None,
        given_hidden=given,
        target=target,
        url_error=url_error,
        statuspage_urls=(summary, status),
        shown_target=describe_target(check),
        deadline=check.timeout.total_seconds(),
        needs_ip=_uses(conditions, "[IP]"),
        needs_certificate=_uses(conditions, "[CERTIFICATE_EXPIRATION]"),
        needs_domain=_uses(conditions, "[DOMAIN_EXPIRATION]"),
        tls=client_context(check.tls.settings) if check.tls is not None else None,
        dns_name=check.dns.absolute_name if check.dns is not None else "",
        secrets=hidden,
        cleaner=cleaner,
        memo=ConditionMemo(conditions, cleaner),
    )


async def run_check(
    client: httpx.AsyncClient, check: ServiceCheck, *, secrets: Iterable[str] = (), clock: Now = utc_now
) -> CheckResult:
    """Run one check once; every failure becomes a result with a one-line reason, never an exception.

    This is the check's fault boundary: a bug met on the way (ours, or a library's) is an `unknown` result
    flagged `internal_error`, logged to the crash log; the other checks never notice.
    """
    context = f"check {check.name!r}"
    try:
        plan = plan_check(check, secrets)
    except Exception as exc:  # a bug in working out the plan is this check's fault too
        hidden = _given_secrets(secrets) | _safe_secrets(check)
        return fault_result(check, internal_reason(exc, context, hidden), hidden, clock)
    kind = plan.endpoint.type
    run = _RUNS.get(kind, _run_http)
    return await isolated(
        run(client, plan, clock),
        context=context,
        on_fault=lambda reason: fault_result(check, reason, plan.secrets, clock),
        secrets=plan.secrets,
    )


def _safe_secrets(check: ServiceCheck) -> frozenset[str]:
    try:
        return frozenset(check_secrets(check))
    except Exception:  # the boundary's own helpers must not raise: mask the raw URLs whole instead
        return frozenset(u for u in (check.url, check.statuspage) if u)


def fault_result(
    check: ServiceCheck, reason: str, secrets: frozenset[str] = frozenset(), clock: Now = utc_now
) -> CheckResult:
    """The result of a run that met a bug: unknown, with the one-line reason (already logged)."""
    try:
        target = describe_target(check)
    except Exception:
        target = "(target not shown)"
    cleaner = TextCleaner(secrets | _safe_secrets(check))
    return CheckResult(
        name=check.name,
        group=check.group,
        kind=_kind_of(check),
        target=target,
        state="unknown",
        reason=cleaner.text(reason),
        checked_at=clock(),
        latency_ms=None,
        internal_error=True,
    )


async def _run_http(client: httpx.AsyncClient, plan: CheckPlan, clock: Now) -> CheckResult:
    check = plan.check
    if plan.target is None:
        return _result("http", plan, HttpOutcome(error=plan.url_error), clock(), "down", plan.url_error)
    deadline = plan.deadline
    outcome = await fetch(
        client,
        check.method,
        plan.target,
        headers=check.headers,
        body=check.body,
        deadline=deadline,
        tls=plan.tls,
        want_certificate=plan.needs_certificate,
    )
    domain_ms, domain_error = await _domain(client, plan) if plan.needs_domain else (0.0, "")
    observation = Observation(
        status=outcome.status,
        response_time_ms=outcome.elapsed_ms,
        body=outcome.body,
        connected=outcome.connected,
        ip=await _resolved_ip(plan.target.url.host) if plan.needs_ip else "",
        certificate_expiration_ms=expires_in_ms(outcome.certificate, datetime.now(UTC))
        if plan.needs_certificate
        else 0,
        domain_expiration_ms=domain_ms,
        headers=outcome.headers,
    )
    raw, shown = plan.memo.results(observation)
    state, reason = _unknown_domain(_http_state(check, outcome, raw), raw, domain_error, outcome.error)
    return _result("http", plan, outcome, clock(), state, reason, conditions=shown)


def _kind_of(check: ServiceCheck) -> CheckKind:
    try:
        return check.endpoint.type
    except ValueError:  # cannot happen for a loaded check; the fault path must not raise
        return "http"


async def _domain(client: httpx.AsyncClient, plan: CheckPlan) -> tuple[float, str]:
    """[DOMAIN_EXPIRATION] of the check's host when a condition reads it (cached for days), and why not."""
    if not plan.needs_domain:
        return 0.0, ""
    return await domain_expiration_ms(client, plan.check.rdap_url, plan.endpoint.host, plan.deadline)


def _unknown_domain(
    verdict: tuple[CheckState, str], results: tuple[ConditionResult, ...], domain_error: str, run_error: str
) -> tuple[CheckState, str]:
    """A check failing only because the domain's expiration is not known is unknown, not down: the registry's
    silence says nothing about the service (which answered: `run_error` is empty)."""
    if not domain_error:
        return verdict
    state = verdict[0]
    failed = [r for r in results if not r.success]
    if (
        domain_error
        and not run_error
        and state == "down"
        and failed
        and all("[DOMAIN_EXPIRATION]" in r.condition for r in failed)
    ):
        return "unknown", f"domain expiration unknown: {domain_error}"
    return verdict


async def _run_socket(_client: httpx.AsyncClient, plan: CheckPlan, clock: Now) -> CheckResult:
    """A tcp://, tls:// or starttls:// check: connected (and shook hands) in time, and its conditions."""
    check, endpoint = plan.check, plan.endpoint
    outcome = await probe(
        endpoint.type,
        endpoint.host,
        endpoint.port,
        tls=plan.tls or shared_tls_context(),
        body=check.body,
        deadline=plan.deadline,
    )
    domain_ms, domain_error = await _domain(_client, plan) if plan.needs_domain else (0.0, "")
    observation = Observation(
        response_time_ms=outcome.elapsed_ms,
        body=outcome.body,
        connected=outcome.connected,
        ip=await _resolved_ip(endpoint.host) if plan.needs_ip else "",
        certificate_expiration_ms=expires_in_ms(outcome.certificate, datetime.now(UTC))
        if plan.needs_certificate
        else 0,
        domain_expiration_ms=domain_ms,
    )
    raw, shown = plan.memo.results(observation)
    seen = HttpOutcome(
        body=outcome.body, elapsed_ms=outcome.elapsed_ms, connected=outcome.connected, error=outcome.error
    )
    state, reason = _unknown_domain(_http_state(check, seen, raw), raw, domain_error, seen.error)
    return _result(endpoint.type, plan, seen, clock(), state, reason, conditions=shown)


async def _run_dns(_client: httpx.AsyncClient, plan: CheckPlan, clock: Now) -> CheckResult:
    """A DNS check: one query to the resolver `url` names; [DNS_RCODE] and [BODY] from its answer."""
    check, endpoint = plan.check, plan.endpoint
    query_type = check.dns.query_type if check.dns is not None else "A"  # a dns endpoint always has one
    outcome = await dns_query(endpoint.host, endpoint.port, plan.dns_name, query_type, plan.deadline)
    answer = outcome.answer
    body = answer.body if answer else b""
    observation = Observation(
        response_time_ms=outcome.elapsed_ms,
        body=body,
        connected=answer is not None,
        ip=await _resolved_ip(endpoint.host) if plan.needs_ip else "",
        dns_rcode=answer.rcode if answer else "",
    )
    raw, shown = plan.memo.results(observation)
    seen = HttpOutcome(
        body=answer.body if answer else b"",
        elapsed_ms=outcome.elapsed_ms,
        connected=answer is not None,
        error=outcome.error,
    )
    state, reason = _http_state(check, seen, raw)
    if answer is not None and answer.truncated and state != "up":
        reason += " (answer truncated over UDP; DNS over TCP is not supported)"
    return _result("dns", plan, seen, clock(), state, reason, conditions=shown)


def _result(
    kind: CheckKind,
    plan: CheckPlan,
    outcome: HttpOutcome,
    checked_at: datetime,
    state: CheckState,
    reason: str,
    *,
    conditions: tuple[ConditionResult, ...] = (),
    vendor: VendorStatus | None = None,
) -> CheckResult:
    """The result of one run, from what the request produced and what it means; its texts cleaned."""
    check, cleaner = plan.check, plan.cleaner
    return CheckResult(
        name=check.name,
        group=check.group,
        kind=kind,
        target=plan.shown_target,
        state=state,
        reason=cleaner.text(reason),
        checked_at=checked_at,
        latency_ms=outcome.elapsed_ms,
        http_status=outcome.status or None,
        conditions=conditions,
        excerpt=cleaner.excerpt(outcome.body),
        vendor=vendor,
    )


def _http_state(
    check: ServiceCheck, outcome: HttpOutcome, results: tuple[ConditionResult, ...]
) -> tuple[CheckState, str]:
    # A request that got no response is down whatever its conditions say (`[CONNECTED] == false` included).
    if outcome.error:
        return "down", outcome.error
    failed = [r for r in results if not r.success]
    if failed:
        reason = "; ".join(r.display for r in failed[:2])
        if outcome.body_truncated:
            reason += f" (body cut at {MAX_BODY_BYTES // 1024} KiB)"
        return "down", reason
    limit = check.degraded_latency
    if limit is not None and outcome.elapsed_ms > limit.total_seconds() * 1000:
        return "degraded", f"slow: {outcome.elapsed_ms:.0f} ms > {limit.total_seconds() * 1000:.0f} ms"
    return "up", ""


async def _run_statuspage(client: httpx.AsyncClient, plan: CheckPlan, clock: Now) -> CheckResult:
    summary, status = plan.statuspage_urls
    deadline = plan.deadline
    outcome = await fetch(client, "GET", summary, deadline=deadline, tls=plan.tls)
    if not outcome.error and outcome.status == 404:
        outcome = await fetch(client, "GET", status, deadline=deadline, tls=plan.tls)

    def result(state: CheckState, reason: str, vendor: VendorStatus | None = None) -> CheckResult:
        return _result("statuspage", plan, outcome, clock(), state, reason, vendor=vendor)

    if outcome.error:
        return result("unknown", f"status page unreachable: {outcome.error}")
    if outcome.status != 200:
        return result("unknown", f"status page answered HTTP {outcome.status}")
    if outcome.body_truncated:
        return result("unknown", f"status page document over {MAX_BODY_BYTES // 1024} KiB")
    try:
        vendor = read_statuspage(outcome.body)
    except StatusPageError as exc:
        return result("unknown", str(exc))
    reason = vendor.reason()
    if vendor.incidents is None and vendor.state == "up":
        reason = "incidents not reported by this page"
    return result(vendor.state, reason, vendor=vendor)


_RUNS = {
    "statuspage": _run_statuspage,
    "tcp": _run_socket,
    "tls": _run_socket,
    "starttls": _run_socket,
    "dns": _run_dns,
}
"""How each kind of check runs (HTTP for the rest)."""


def _uses(conditions: tuple[Condition, ...], placeholder: str) -> bool:
    return any(placeholder in c.text for c in conditions)


async def _resolved_ip(host: str) -> str:
    """The first address `host` resolves to (itself when it is one), or empty when it does not resolve in 2 s."""
    try:
        async with asyncio.timeout(2):
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except (OSError, TimeoutError, UnicodeError):
        return ""
    return str(infos[0][4][0]) if infos else ""
