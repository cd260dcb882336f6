"""What a check's `url` names (Gatus's endpoint types, told by the scheme or a `dns:` section) and which
condition placeholders each type fills: what no run could evaluate is refused at load, with the reason, so a
mistake never becomes a check that is down forever (`[DNS_RCODE]` on an HTTP check, `[DOMAIN_EXPIRATION]` of an
IP address)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args
from urllib.parse import urlsplit

from tessa_tui.config.fields import CONTROL, http_url

EndpointType = Literal["http", "statuspage", "tcp", "tls", "starttls", "dns"]
ENDPOINT_TYPES: tuple[EndpointType, ...] = get_args(EndpointType)
SOCKET_TYPES: tuple[EndpointType, ...] = ("tcp", "tls", "starttls")
DNS_PORT = 53


def _icmp_reason() -> str:
    return (
        "ICMP echo needs raw sockets (root) or unprivileged ping sockets; "
        + (
            "this machine allows them, but tessa-tui has no ICMP check yet"
            if _ping_sockets()
            else "this machine does not allow them (sysctl net.ipv4.ping_group_range)"
        )
        + "; check a port with tcp://host:port instead"
    )


@cache
def _ping_sockets() -> bool:
    """Whether this process may open an unprivileged ICMP socket (Linux's ping_group_range)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
    except OSError:
        return False
    return True


_REFUSED_SCHEMES = {
    "udp": "a UDP port answers nothing when nobody listens, so up and down look alike; not supported",
    "sctp": "SCTP needs a kernel module most machines lack; not supported",
    "grpc": "the gRPC health protocol needs a gRPC client tessa-tui does not ship; check an HTTP health route",
    "grpcs": "the gRPC health protocol needs a gRPC client tessa-tui does not ship; check an HTTP health route",
    "ws": "WebSocket checks are not built; check the server's HTTP health route or tcp://host:port",
    "wss": "WebSocket checks are not built; check the server's HTTP health route or tls://host:port",
    "ssh": "SSH checks are not built; check the banner's port with tcp://host:22",
}


@dataclass(frozen=True)
class Endpoint:
    """What a check talks to, read once from its config."""

    type: EndpointType
    host: str = ""
    port: int = 0
    https: bool = False
    sends_body: bool = False
    """A tcp:// or tls:// check that writes `body` and reads the reply into [BODY] (as Gatus does)."""

    @property
    def host_is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


def endpoint_of(url: str | None, statuspage: str | None, dns: bool, body: str | None) -> Endpoint:
    """The endpoint a check's fields name; ValueError (starting with the field) when it cannot be checked."""
    if statuspage is not None:
        if dns:
            raise ValueError("`dns`: not supported on a status page check (give `url`, the resolver)")
        http_url(statuspage, "statuspage")
        return Endpoint("statuspage", host=urlsplit(statuspage).hostname or "", https=statuspage.startswith("https"))
    if url is None:
        raise ValueError("give exactly one of `url` (a check) or `statuspage` (a status page)")
    if dns:
        if body is not None:
            raise ValueError("`body`: not supported (a dns check sends its query, nothing else)")
        host, port = resolver_address(url)
        return Endpoint("dns", host=host, port=port)
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "icmp":
        raise ValueError(f"`url`: not supported ({_icmp_reason()})")
    if scheme in _REFUSED_SCHEMES:
        raise ValueError(f"`url`: not supported ({scheme}:// {_REFUSED_SCHEMES[scheme]})")
    if scheme in SOCKET_TYPES:
        host, port = socket_address(url)
        kind: EndpointType = "tcp" if scheme == "tcp" else "tls" if scheme == "tls" else "starttls"
        if body is not None and kind == "starttls":
            raise ValueError("`body`: not supported (a starttls:// check sends nothing after the handshake)")
        return Endpoint(kind, host=host, port=port, sends_body=body is not None)
    if "://" not in url and url:
        raise ValueError(
            "`url` needs a scheme: http://, https://, tcp://, tls:// or starttls:// (a `dns:` check names its "
            "resolver, e.g. 8.8.8.8)"
        )
    http_url(url, "url")
    parts = urlsplit(url)
    return Endpoint("http", host=parts.hostname or "", port=parts.port or 0, https=parts.scheme == "https")


def socket_address(url: str) -> tuple[str, int]:
    """`tcp://host:port` (and tls://, starttls://) as host and port; ValueError naming `url` otherwise."""
    message = "`url` must be scheme://host:port, e.g. tcp://db.internal:5432"
    if CONTROL.search(url):
        raise ValueError(f"{message}, without control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{message}: {str(exc).split(' as ')[0]}") from None
    if not parts.hostname or port is None or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(message)
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{message}, without a user or password")
    if port == 0:
        raise ValueError("`url`: port 0 is not a port to connect to (1-65535)")
    return parts.hostname, port


def resolver_address(url: str) -> tuple[str, int]:
    """A dns check's `url`, its resolver: `8.8.8.8`, `dns.internal:5353`, `[::1]:53` or `::1` (port 53 unless
    given); ValueError naming `url` otherwise."""
    message = "`url`: a dns check's url names its resolver: an address or host, and a port if not 53 (8.8.8.8:53)"
    text = url.strip()
    if not text or CONTROL.search(text) or any(c in text for c in " /?#@") or "://" in text:
        raise ValueError(message)
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValueError(message)
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    if not host or (text.count(":") > 1 and not _is_ip(host)):
        raise ValueError(message)
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(f"{message}; the port is 1-65535")
        return host, int(port_text)
    return host, DNS_PORT


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_NO_STATUS = "only HTTP checks have a status code and headers"
_NO_CERTIFICATE = {
    "http": "http:// has no certificate; use https://",
    "tcp": "tcp:// has no TLS; use tls:// or starttls://",
    "dns": "a DNS query over UDP has no certificate",
}


def placeholder_refusal(placeholder: str, endpoint: Endpoint) -> str | None:
    """Why `placeholder` (one of condition.PLACEHOLDERS) can never be filled for `endpoint`; None when it is.

    The check runners fill exactly what this accepts (tests/test_endpoint_placeholders.py walks every pair).
    """
    kind = endpoint.type
    if kind == "statuspage":
        return "a status page check reads the vendor's own status; conditions apply to `url` checks"
    if placeholder == "[CONTEXT]":
        return "tessa-tui has no suites, so nothing fills [CONTEXT]"
    if placeholder in ("[STATUS]", "[HEADER]."):
        return None if kind == "http" else f"{_NO_STATUS}, not a {kind} check"
    if placeholder in ("[BODY]", "[BODY]."):
        if kind in ("http", "dns") or endpoint.sends_body:
            return None
        if kind == "starttls":
            return "a starttls:// check reads no data after the handshake"
        return f"a {kind}:// check reads a reply only to a `body` it sends; set `body`"
    if placeholder == "[DNS_RCODE]":
        return None if kind == "dns" else "only a check with a `dns:` section gets a DNS response code"
    if placeholder == "[CERTIFICATE_EXPIRATION]":
        if kind == "http" and endpoint.https:
            return None
        return _NO_CERTIFICATE.get(kind)
    if placeholder == "[DOMAIN_EXPIRATION]":
        if kind == "dns":
            return "a dns check's url is its resolver; check the domain's expiration on an https:// or tcp:// check"
        if endpoint.host_is_ip:
            return "an IP address has no domain registration"
        return None
    return None  # [RESPONSE_TIME], [CONNECTED], [IP]: every type with a host
