"""Running service checks: an HTTP check evaluated with Gatus conditions, or a vendor status page."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

import httpx

from tessa_tui.base.http_fetch import MAX_BODY_BYTES, HttpOutcome, describe_error, fetch, transport_errors
from tessa_tui.base.isolate import isolated
from tessa_tui.base.redact import mask_url, redact_text
from tessa_tui.base.sanitize import excerpt, sanitize
from tessa_tui.base.time_source import Now, utc_now
from tessa_tui.checks.result import CheckResult, CheckState
from tessa_tui.checks.statuspage_status import StatusPageError, VendorStatus, read_statuspage
from tessa_tui.conditions.condition import Condition, ConditionResult, Observation, evaluate_all, parse_condition
from tessa_tui.conditions.jsonpath import clean_surrogates
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
    if check.statuspage:
        return f"status page {mask_url(check.statuspage)}"
    return f"{check.method} {mask_url(check.url or '')}"


@dataclass(frozen=True)
class _Prepared:
    """What a check needs on every run, worked out once: parsed URL and conditions, target text, secrets."""

    url: httpx.URL | None
    url_error: str
    """Why the URL cannot be requested (httpx refuses what urlsplit let through); empty when it can."""
    target: str
    conditions: tuple[Condition, ...]
    secrets: frozenset[str]


_PREPARED: dict[int, tuple[ServiceCheck, _Prepared]] = {}


def _prepared(check: ServiceCheck) -> _Prepared:
    # Keyed by identity (the check holds unhashable lists); the stored check guards against id reuse.
    entry = _PREPARED.get(id(check))
    if entry is not None and entry[0] is check:
        return entry[1]
    if len(_PREPARED) > 4096:
        _PREPARED.clear()
    url: httpx.URL | None = None
    url_error = ""
    if check.url:
        try:
            url = httpx.URL(check.url)
        except transport_errors() as exc:
            url_error = describe_error(exc)
            url_error = url_error if url_error.startswith("invalid URL") else f"invalid URL: {url_error}"
    prepared = _Prepared(
        url=url,
        url_error=url_error,
        target=describe_target(check),
        conditions=parsed_conditions(tuple(check.conditions)),
        secrets=frozenset(check_secrets(check)),
    )
    _PREPARED[id(check)] = (check, prepared)
    return prepared


async def run_check(
    client: httpx.AsyncClient, check: ServiceCheck, *, secrets: Iterable[str] = (), clock: Now = utc_now
) -> CheckResult:
    """Run one check once; every failure becomes a result with a one-line reason, never an exception.

    This is the check's fault boundary: a bug met on the way (ours, or a library's) is an `unknown` result
    flagged `internal_error`, logged to the crash log; the other checks never notice.
    """
    hidden = frozenset(s for s in secrets if len(s) >= 4)
    return await isolated(
        _run_check(client, check, hidden, clock),
        context=f"check {check.name!r}",
        on_fault=lambda reason: fault_result(check, reason, hidden, clock),
        secrets=hidden | _safe_secrets(check),
    )


async def _run_check(
    client: httpx.AsyncClient, check: ServiceCheck, secrets: frozenset[str], clock: Now
) -> CheckResult:
    prepared = _prepared(check)
    if check.statuspage:
        result = await _run_statuspage(client, check, prepared, clock)
    else:
        result = await _run_http(client, check, prepared, clock)
    return _cleaned(result, prepared.secrets | secrets)


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
    result = CheckResult(
        name=check.name,
        group=check.group,
        kind="statuspage" if check.statuspage else "http",
        target=target,
        state="unknown",
        reason=reason,
        checked_at=clock(),
        latency_ms=None,
        internal_error=True,
    )
    return _cleaned(result, secrets | _safe_secrets(check))


async def _run_http(client: httpx.AsyncClient, check: ServiceCheck, prepared: _Prepared, clock: Now) -> CheckResult:
    deadline = check.timeout.total_seconds()
    url = check.url or ""
    target = prepared.url or url
    if prepared.url_error:
        outcome = HttpOutcome(error=prepared.url_error)
        return _result("http", check, prepared, outcome, clock(), "down", outcome.error)
    outcome = await fetch(client, check.method, target, headers=check.headers, body=check.body, deadline=deadline)
    conditions = prepared.conditions
    observation = Observation(
        status=outcome.status,
        response_time_ms=outcome.elapsed_ms,
        body=outcome.body,
        connected=outcome.connected,
        ip=await _resolved_ip(url) if _uses(conditions, "[IP]") else "",
        certificate_expiration_ms=await _certificate_expiry_ms(url, deadline)
        if _uses(conditions, "[CERTIFICATE_EXPIRATION]")
        else 0,
        headers=outcome.headers,
    )
    results = tuple(evaluate_all(conditions, observation))
    state, reason = _http_state(check, outcome, results)
    return _result("http", check, prepared, outcome, clock(), state, reason, conditions=results)


def _result(
    kind: Literal["http", "statuspage"],
    check: ServiceCheck,
    prepared: _Prepared,
    outcome: HttpOutcome,
    checked_at: datetime,
    state: CheckState,
    reason: str,
    *,
    conditions: tuple[ConditionResult, ...] = (),
    vendor: VendorStatus | None = None,
) -> CheckResult:
    """The result of one run, from what the request produced and what it means."""
    return CheckResult(
        name=check.name,
        group=check.group,
        kind=kind,
        target=prepared.target,
        state=state,
        reason=reason,
        checked_at=checked_at,
        latency_ms=outcome.elapsed_ms,
        http_status=outcome.status or None,
        conditions=conditions,
        excerpt=excerpt(outcome.body),
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


async def _run_statuspage(
    client: httpx.AsyncClient, check: ServiceCheck, prepared: _Prepared, clock: Now
) -> CheckResult:
    base = (check.statuspage or "").rstrip("/")
    deadline = check.timeout.total_seconds()
    outcome = await fetch(client, "GET", f"{base}/api/v2/summary.json", deadline=deadline)
    if not outcome.error and outcome.status == 404:
        outcome = await fetch(client, "GET", f"{base}/api/v2/status.json", deadline=deadline)

    def result(state: CheckState, reason: str, vendor: VendorStatus | None = None) -> CheckResult:
        return _result("statuspage", check, prepared, outcome, clock(), state, reason, vendor=vendor)

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


def _uses(conditions: tuple[Condition, ...], placeholder: str) -> bool:
    return any(placeholder in c.text for c in conditions)


async def _resolved_ip(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        async with asyncio.timeout(2):
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except (OSError, TimeoutError):
        return ""
    return str(infos[0][4][0]) if infos else ""


async def _certificate_expiry_ms(url: str, deadline: float) -> float:
    """Milliseconds until the server certificate expires (0 when there is none or it cannot be read)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return 0
    context = ssl.create_default_context()
    try:
        async with asyncio.timeout(deadline):
            _, writer = await asyncio.open_connection(parts.hostname, parts.port or 443, ssl=context)
    except (OSError, TimeoutError, ssl.SSLError):
        return 0
    try:
        cert = writer.get_extra_info("peercert") or {}
        not_after = cert.get("notAfter")
        if not isinstance(not_after, str):
            return 0
        expires = ssl.cert_time_to_seconds(not_after)
        return max(0.0, (expires - datetime.now(UTC).timestamp()) * 1000)
    finally:
        writer.close()


def _cleaned(result: CheckResult, secrets: frozenset[str]) -> CheckResult:
    """The same result with its texts on one sanitised line each and every secret replaced by ****."""

    def clean(text: str) -> str:
        # Lone surrogates (a JSON `\ud800`) cannot be printed or encoded: U+FFFD, as the excerpt does.
        return redact_text(sanitize(clean_surrogates(text)), secrets) if text else text

    return replace(
        result,
        reason=clean(result.reason),
        excerpt=redact_text(clean_surrogates(result.excerpt), secrets) if result.excerpt else "",
        conditions=tuple(ConditionResult(c.condition, c.success, clean(c.display)) for c in result.conditions),
    )
