"""One HTTP request with a total deadline, a decoded-body cap and safe redirects, reported as data.

httpx's timeouts are per operation (a server dripping a byte every 0.5 s never trips a 1 s read
timeout), so the whole exchange runs under one asyncio deadline. Redirects are followed here, not
by httpx, so that configured headers (API keys, tokens) are dropped when the origin changes.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from tessa_tui.base.redact import clip

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_BODY_BYTES = 1024 * 1024
MAX_REDIRECTS = 10
_REDIRECT_CODES = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class HttpOutcome:
    """What one request produced: a response, or the one-line reason there was none."""

    status: int = 0
    body: bytes = b""
    body_truncated: bool = False
    elapsed_ms: float = 0.0
    connected: bool = False
    error: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing: one check's Set-Cookie must never ride along on another's request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class _CheckClient(httpx.AsyncClient):
    """httpx's client without the shared cookie jar (isolation between checks, and less work per response)."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport, **kwargs: Any) -> None:
        super().__init__(transport=transport, **kwargs)
        self._cookies = _NoCookies()
        self.check_transport = transport


def _transport(client: httpx.AsyncClient) -> httpx.AsyncBaseTransport:
    """The transport requests go through; any httpx client works, ours skips a lookup."""
    if isinstance(client, _CheckClient):
        return client.check_transport
    return client._transport


def make_client(max_connections: int = 1000) -> httpx.AsyncClient:
    """One shared client for every check: httpx's API over aiohttp's much cheaper connection handling."""
    import aiohttp
    from httpx_aiohttp import AiohttpTransport

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=max_connections, ttl_dns_cache=60, ssl=ssl.create_default_context())
        return aiohttp.ClientSession(connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar())

    transport = AiohttpTransport(client=session)
    return _CheckClient(transport=transport, follow_redirects=False, trust_env=False)


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


async def fetch(
    client: httpx.AsyncClient,
    method: str,
    url: str | httpx.URL,
    *,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    deadline: float,
    max_body: int = MAX_BODY_BYTES,
) -> HttpOutcome:
    """Request `url`; never raises for network trouble, returns an HttpOutcome with `error` set instead."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(deadline):
            target = url if isinstance(url, httpx.URL) else httpx.URL(url)
            return await _exchange(client, method, target, dict(headers or {}), body, started, max_body)
    except TimeoutError:
        return HttpOutcome(elapsed_ms=_ms(started), error=f"timed out after {deadline:g}s without a complete response")
    except transport_errors() as exc:
        return HttpOutcome(elapsed_ms=_ms(started), error=describe_error(exc))


def transport_errors() -> tuple[type[BaseException], ...]:
    """Every exception a server, the network or a URL can cause: a down result, never a crash.

    httpx maps only some of aiohttp's errors (a malformed status line or chunked body comes through as
    aiohttp's own ClientResponseError / ClientPayloadError); a bad URL is httpx.InvalidURL, which is no
    httpx.HTTPError; UnicodeError and the `idna` errors are ValueErrors. Anything else is our bug and
    goes to the caller's fault boundary. Evaluated only when an exception is being matched.
    """
    errors: list[type[BaseException]] = [httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, EOFError]
    aiohttp = sys.modules.get("aiohttp")  # only a loaded aiohttp can have raised
    if aiohttp is not None:
        errors += [aiohttp.ClientError, aiohttp.http_exceptions.HttpProcessingError]
    for name, attribute in (("h11", "ProtocolError"), ("anyio", "BrokenResourceError"), ("anyio", "EndOfStream")):
        module = sys.modules.get(name)
        if module is not None and isinstance(found := getattr(module, attribute, None), type):
            errors.append(found)
    return tuple(errors)


async def _exchange(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    headers: dict[str, str],
    body: str | None,
    started: float,
    max_body: int,
) -> HttpOutcome:
    origin = url
    for _ in range(MAX_REDIRECTS + 1):
        request = client.build_request(method, url, headers=headers, content=body)
        # Straight to the transport: the client's auth, cookie and event-hook layers do nothing for a
        # health check and cost a third of the CPU per request at fan-out (benchmarks/poll_fanout.py).
        response = await _transport(client).handle_async_request(request)
        try:
            location = response.headers.get("location")
            if response.status_code in _REDIRECT_CODES and location:
                url = url.join(location)
                if not _same_origin(origin, url):
                    headers = {}  # configured headers may be credentials: never to another origin
                if response.status_code == 303 or (response.status_code in {301, 302} and method == "POST"):
                    method, body = "GET", None
                continue
            data, truncated = await _read_capped(response, max_body)
            return HttpOutcome(
                status=response.status_code,
                body=data,
                body_truncated=truncated,
                elapsed_ms=_ms(started),
                connected=True,
                headers=response.headers,
            )
        finally:
            await response.aclose()
    return HttpOutcome(
        elapsed_ms=_ms(started), connected=True, error=f"redirect loop: more than {MAX_REDIRECTS} redirects"
    )


async def _read_capped(response: httpx.Response, max_body: int) -> tuple[bytes, bool]:
    """Read the decoded body up to `max_body` bytes; a gzip bomb stops at the cap too."""
    chunks: list[bytes] = []
    size = 0
    # Without a Content-Encoding the raw stream is the body: skip httpx's decoder layer.
    stream = response.aiter_bytes() if "content-encoding" in response.headers else response.aiter_raw()
    async for chunk in stream:
        chunks.append(chunk)
        size += len(chunk)
        if size > max_body:
            return b"".join(chunks)[:max_body], True
    return b"".join(chunks), False


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def describe_error(exc: BaseException) -> str:
    """One line a person understands, from the exception chain (httpx over aiohttp over OSError)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    names = {type(e).__name__ for e in chain}
    for e in chain:
        # aiohttp's wrappers subclass the ssl errors without their attributes: read them defensively.
        if isinstance(e, ssl.SSLCertVerificationError) and getattr(e, "verify_message", None):
            return f"TLS: certificate verify failed ({e.verify_message})"
    for e in chain:
        if isinstance(e, ssl.SSLError) and getattr(e, "reason", None):
            return f"TLS: handshake failed ({e.reason})"
    if "ClientConnectorDNSError" in names or any(isinstance(e, OSError) and e.errno in (-2, -3, -5) for e in chain):
        return "DNS: cannot resolve the host name"
    for e in chain:
        if isinstance(e, ConnectionRefusedError) or (isinstance(e, OSError) and e.errno == errno.ECONNREFUSED):
            return "connection refused"
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable"
    for e in chain:
        kinds = {cls.__name__ for cls in type(e).__mro__}
        message = getattr(e, "message", None)
        if kinds & {"ClientResponseError", "HttpProcessingError"} and isinstance(message, str):
            # aiohttp's parser: a malformed status line, chunk size, header or an oversized header.
            first = message.strip().splitlines()[0].rstrip(":") if message.strip() else type(e).__name__
            first = first.split(": b'")[0].split(': b"')[0]  # not the server's bytes, just what is wrong
            return f"invalid HTTP response: {first}"[:200]
        if "ClientPayloadError" in kinds:
            return "invalid or incomplete response body"
    if "ServerDisconnectedError" in names or isinstance(exc, httpx.RemoteProtocolError):
        return "server closed the connection without a complete response"
    if isinstance(exc, httpx.InvalidURL) or "InvalidURL" in names:
        # Only what is wrong, never the piece it quotes: with a `#` in a password that piece is the password.
        what = str(exc).split(":")[0].strip() or "cannot be parsed"
        return f"invalid URL: {what} (percent-encode # / ? @ in a user or password: # is %23)"[:200]
    if any("IDNAError" in {cls.__name__ for cls in type(e).__mro__} for e in chain):
        return "invalid URL: the host name is not a valid international (IDNA) name"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported URL (only http:// and https://)"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return clip(f"{type(exc).__name__}: {text}", 200)  # a message may quote the URL, password and all
