"""Certificates the tests make (openssl): a private CA, a server and a client certificate it signs, and a
self-signed one; and TLS loopback servers using them (HTTPS, mutual TLS, raw TLS, STARTTLS), each on its own
free 127.0.0.1 port."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from tests.loopback import serving

VALID_DAYS = 2
"""Certificates made here expire in two days: [CERTIFICATE_EXPIRATION] reads about 48h."""


@dataclass(frozen=True)
class Pki:
    """PEM files: a private CA, a server certificate for localhost / 127.0.0.1 and a client certificate it signed,
    and a self-signed server certificate no CA vouches for."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    self_signed_cert: Path
    self_signed_key: Path

    def server_context(self, *, self_signed: bool = False, require_client: bool = False) -> ssl.SSLContext:
        """A server-side context; `require_client`: mutual TLS, a client certificate from the CA is required."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if self_signed:
            context.load_cert_chain(self.self_signed_cert, self.self_signed_key)
        else:
            context.load_cert_chain(self.server_cert, self.server_key)
        if require_client:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.ca)
        return context


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60, cwd=cwd)


_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")


def make_pki(folder: Path) -> Pki | None:
    """Make the certificates in `folder`; None when openssl is not installed."""
    if shutil.which("openssl") is None:
        return None
    days = str(VALID_DAYS)
    _openssl("req", "-x509", *_KEY, "-keyout", "ca.key", "-out", "ca.pem", "-days", days, "-subj",
             "/CN=tessa test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    (folder / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    (folder / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        _openssl("req", *_KEY, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", days, "-extfile", f"{name}.ext", cwd=folder)  # fmt: skip
    _openssl("req", "-x509", *_KEY, "-keyout", "self.key", "-out", "self.pem", "-days", days, "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", cwd=folder)  # fmt: skip
    return Pki(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        client_cert=folder / "client.pem",
        client_key=folder / "client.key",
        self_signed_cert=folder / "self.pem",
        self_signed_key=folder / "self.key",
    )


@dataclass(frozen=True)
class TlsServers:
    """HTTPS origins answering `/ok` with `{"status": "ok"}`: one with the CA's certificate, one self-signed, one
    that requires a client certificate (mutual TLS)."""

    pki: Pki
    private_ca: str
    self_signed: str
    mutual: str


def _ok_app() -> web.Application:
    async def ok(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/ok", ok)
    return app


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    made = make_pki(tmp_path_factory.mktemp("pki"))
    if made is None:
        pytest.skip("openssl is not installed: no certificates to test TLS with")
    return made


@pytest.fixture(scope="session")
def tls_servers(pki: Pki) -> Iterator[TlsServers]:
    def apps() -> list[web.Application | tuple[web.Application, ssl.SSLContext]]:
        return [
            (_ok_app(), pki.server_context()),
            (_ok_app(), pki.server_context(self_signed=True)),
            (_ok_app(), pki.server_context(require_client=True)),
        ]

    with serving(apps, "tls-servers") as urls:
        yield TlsServers(pki, *urls)
