"""One HTTP request with a total deadline, a decoded-body cap and safe redirects, reported as data.

Requests go straight to aiohttp, on the session that make_client's client owns: at fan-out httpx's request
and response models cost more CPU than the exchange itself (benchmarks/poll_fanout.py). httpx stays as the
client type callers hold and as the URL model (validation, redirect joining), so a URL means what it meant.
aiohttp's own timeouts are off: they are per operation (a server dripping a byte every 0.5 s never trips a
read timeout), so the whole exchange runs under one asyncio deadline. Redirects are followed here, not by
aiohttp, so that configured headers (API keys, tokens) are dropped when the origin changes.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from tessa_tui import __version__
from tessa_tui.base.redact import clip

if TYPE_CHECKING:
    from collections.abc import Mapping

    import aiohttp
    import yarl

USER_AGENT = f"tessa-tui/{__version__}"
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
    certificate: bytes = b""
    """The server's certificate (DER) on the connection that answered, when asked for and there was one."""


@dataclass(frozen=True)
class Target:
    """A request URL parsed once: httpx's model of it and the already-encoded form aiohttp sends as is."""

    url: httpx.URL
    wire: yarl.URL

    def __str__(self) -> str:
        return str(self.url)


def request_target(url: str | httpx.URL) -> Target:
    """Parse `url` for fetch (raises httpx.InvalidURL, or a ValueError such as an IDNA error, when it cannot be)."""
    import yarl

    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    _ = parsed.host  # decodes an IDNA host: a malformed `xn--` label is refused here, as httpx's request would
    # httpx's text is percent-encoded with an IDNA host: aiohttp must send exactly it, not re-encode it.
    return Target(parsed, yarl.URL(str(parsed), encoded=True))


class _SessionTransport(httpx.AsyncBaseTransport):
    """Owns the aiohttp session fetch sends on, created on first use (it needs the running loop)."""

    def __init__(self, max_connections: int) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            import aiohttp

            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=60, ssl=shared_tls_context())
            self._session = aiohttp.ClientSession(
                connector=connector,
                # Who is asking, in the monitored service's access log; a check's own User-Agent header wins.
                headers={"User-Agent": USER_AGENT},
                trust_env=False,
                # One check's Set-Cookie must never ride along on another's request.
                cookie_jar=aiohttp.DummyCookieJar(),
                # No per-operation timeouts: fetch's deadline bounds the whole exchange.
                timeout=aiohttp.ClientTimeout(total=None, connect=None, sock_connect=None, sock_read=None),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError("a check client sends through fetch(), not httpx's request methods")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _CheckClient(httpx.AsyncClient):
    """The client callers hold: an httpx.AsyncClient by type, whose requests fetch sends on its aiohttp session."""

    def __init__(self, transport: _SessionTransport) -> None:
        super().__init__(transport=transport, follow_redirects=False, trust_env=False)
        self.check_transport = transport


def shared_tls_context() -> ssl.SSLContext:
    """The system trust store, loaded once per process (tens of milliseconds each time), shared by every client
    and every check without `tls:` settings of its own."""
    from tessa_tui.base.tls_contexts import TlsSettings, client_context

    return client_context(TlsSettings())


def make_client(max_connections: int = 1000) -> httpx.AsyncClient:
    """One shared client for every check; close it (`async with`) to close its connections."""
    return _CheckClient(_SessionTransport(max_connections))


def _same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


async def fetch(
    client: httpx.AsyncClient,
    method: str,
    url: str | httpx.URL | Target,
    *,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    deadline: float,
    max_body: int = MAX_BODY_BYTES,
    tls: ssl.SSLContext | None = None,
    want_certificate: bool = False,
) -> HttpOutcome:
    """Request `url`; never raises for network trouble, returns an HttpOutcome with `error` set instead.

    `client` must come from make_client(); a Target (request_target) saves parsing the same URL on every call.
    `tls` replaces the shared context (a check's own CA, client certificate or `insecure`); `want_certificate`
    keeps the answering connection's certificate, read before the connection goes back to the pool.
    """
    if not isinstance(client, _CheckClient):
        raise TypeError("fetch needs a client from make_client()")
    started = time.perf_counter()
    try:
        async with asyncio.timeout(deadline):
            target = url if isinstance(url, Target) else request_target(url)
            session = client.check_transport.session()
            exchange = _Exchange(method, headers or {}, body, max_body, tls, want_certificate)
            return await _exchange(session, exchange, target, started)
    except TimeoutError:
        return HttpOutcome(elapsed_ms=_ms(started), error=f"timed out after {deadline:g}s without a complete response")
    except transport_errors() as exc:
        return HttpOutcome(elapsed_ms=_ms(started), error=describe_error(exc))


def transport_errors() -> tuple[type[BaseException], ...]:
    """Every exception a server, the network or a URL can cause: a down result, never a crash.

    aiohttp raises its ClientError family and its parser's HttpProcessingError (a malformed status line or
    chunked body); a bad URL is httpx.InvalidURL, which is no httpx.HTTPError; UnicodeError and the `idna`
    errors are ValueErrors. Anything else is our bug and goes to the caller's fault boundary. Evaluated only
    when an exception is being matched.
    """
    errors: list[type[BaseException]] = [httpx.HTTPError, httpx.InvalidURL, OSError, ValueError, EOFError]
    aiohttp = sys.modules.get("aiohttp")  # only a loaded aiohttp can have raised
    if aiohttp is not None:
        errors += [aiohttp.ClientError, aiohttp.http_exceptions.HttpProcessingError]
    return tuple(errors)


@dataclass(frozen=True)
class _Exchange:
    """What one fetch sends and keeps, apart from the URL (which redirects change)."""

    method: str
    headers: Mapping[str, str]
    body: str | None
    max_body: int
    tls: ssl.SSLContext | None
    want_certificate: bool


async def _exchange(session: aiohttp.ClientSession, exchange: _Exchange, target: Target, started: float) -> HttpOutcome:
    method, headers, body, max_body = exchange.method, exchange.headers, exchange.body, exchange.max_body
    origin = target.url
    for _ in range(MAX_REDIRECTS + 1):
        response = await session.request(
            method,
            target.wire,
            headers=headers,
            data=None if body is None else body.encode(),
            # The body goes as configured: no Content-Type is made up for it.
            skip_auto_headers=("Content-Type",) if body is not None else None,
            allow_redirects=False,
            ssl=exchange.tls if exchange.tls is not None else True,
        )
        try:
            if not _utf8(response.reason or ""):
                return HttpOutcome(elapsed_ms=_ms(started), error="invalid HTTP response: status line is not UTF-8")
            location = response.headers.get("Location")
            if response.status in _REDIRECT_CODES and location:
                url = target.url.join(location)
                if not _same_origin(origin, url):
                    headers = {}  # configured headers may be credentials: never to another origin
                if response.status == 303 or (response.status in {301, 302} and method == "POST"):
                    method, body = "GET", None
                target = request_target(url)
                continue
            certificate = _peer_certificate(response) if exchange.want_certificate else b""
            data, truncated = await _read_capped(response, max_body)
            return HttpOutcome(
                certificate=certificate,
                status=response.status,
                body=data,
                body_truncated=truncated,
                elapsed_ms=_ms(started),
                connected=True,
                headers=response.headers,
            )
        finally:
            response.release()  # an unread or cut body closes the connection instead of returning it to the pool
    return HttpOutcome(
        elapsed_ms=_ms(started), connected=True, error=f"redirect loop: more than {MAX_REDIRECTS} redirects"
    )


def _peer_certificate(response: aiohttp.ClientResponse) -> bytes:
    """The DER certificate of the TLS connection `response` came on (also when it was not verified).

    A small answer is read whole with its headers and its connection is back in the pool before we see it
    (`response.connection` is None by then), so the connection's protocol is read, aiohttp's own reference to it.
    """
    protocol = getattr(response, "_protocol", None)
    transport = getattr(protocol, "transport", None)
    tls = transport.get_extra_info("ssl_object") if transport is not None else None
    if not isinstance(tls, ssl.SSLObject | ssl.SSLSocket):
        return b""
    return tls.getpeercert(binary_form=True) or b""


def _utf8(text: str) -> bool:
    """False for text aiohttp decoded with surrogate escapes: bytes that are not UTF-8."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


async def _read_capped(response: aiohttp.ClientResponse, max_body: int) -> tuple[bytes, bool]:
    """Read the decoded body up to `max_body` bytes; a gzip bomb stops at the cap too (aiohttp inflates in
    bounded steps and stops reading the socket while its buffer is full)."""
    content = response.content
    if content.is_eof() and content.total_bytes <= max_body:  # a small answer has usually arrived whole
        return content.read_nowait(), False
    chunks: list[bytes] = []
    size = 0
    while chunk := await content.read(max_body + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_body:
            return b"".join(chunks)[:max_body], True
    return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), False


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
    if isinstance(exc, httpx.UnsupportedProtocol) or names & {"NonHttpUrlClientError", "InvalidUrlClientError"}:
        return "unsupported URL (only http:// and https://)"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return clip(f"{type(exc).__name__}: {text}", 200)  # a message may quote the URL, password and all
