"""Per-check TLS (issue 23): a private CA the test makes, a self-signed certificate with and without `insecure`,
mutual TLS; [CERTIFICATE_EXPIRATION] read with each; bad TLS files refused at load naming the field."""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from tessa_tui.base.tls_contexts import client_context
from tessa_tui.checks import service_check
from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_check import plan_check, run_check
from tessa_tui.cli.main import main
from tests.checks_support import service
from tests.tls_material import VALID_DAYS, TlsServers

DAY_MS = 24 * 3600 * 1000
EXPIRY = ["[STATUS] == 200", "[CERTIFICATE_EXPIRATION] > 24h"]


async def check(client: httpx.AsyncClient, url: str, tls: dict[str, Any] | None = None, **fields: Any) -> CheckResult:
    return await run_check(client, service(url=url, tls=tls, **fields))


def _expiry_ms(result: CheckResult) -> float:
    """The [CERTIFICATE_EXPIRATION] a failing `< 0` condition shows, in milliseconds."""
    (shown,) = [c.display for c in result.conditions if c.condition.startswith("[CERTIFICATE_EXPIRATION]")]
    hours = shown.split("(")[1].split("h")[0]
    return int(hours) * 3600 * 1000


async def test_a_private_ca_is_trusted_with_ca_file(client: httpx.AsyncClient, tls_servers: TlsServers) -> None:
    url = f"{tls_servers.private_ca}/ok"
    refused = await check(client, url)
    assert (refused.state, refused.reason[:33]) == ("down", "TLS: certificate verify failed (u")
    trusted = await check(client, url, {"ca-file": str(tls_servers.pki.ca)}, conditions=EXPIRY)
    assert (trusted.state, trusted.reason) == ("up", "")
    # The expiry is the served certificate's: about VALID_DAYS days, read on the connection that answered.
    timed = await check(client, url, {"ca-file": str(tls_servers.pki.ca)}, conditions=["[CERTIFICATE_EXPIRATION] < 0"])
    assert (VALID_DAYS - 1) * DAY_MS < _expiry_ms(timed) <= VALID_DAYS * DAY_MS


async def test_self_signed_is_refused_unless_insecure(client: httpx.AsyncClient, tls_servers: TlsServers) -> None:
    url = f"{tls_servers.self_signed}/ok"
    refused = await check(client, url, conditions=EXPIRY)
    assert refused.state == "down"
    assert refused.reason.startswith("TLS: certificate verify failed (self")
    # The private CA does not vouch for it either: ca-file trusts that CA only.
    other_ca = await check(client, url, {"ca-file": str(tls_servers.pki.ca)})
    assert other_ca.reason.startswith("TLS: certificate verify failed")
    accepted = await check(client, url, {"insecure": True}, conditions=EXPIRY)
    assert (accepted.state, accepted.reason) == ("up", "")
    assert accepted.target.endswith("(insecure: certificate not verified)")
    # Not verified, still read: the expiry of an unverified certificate is known.
    timed = await check(client, url, {"insecure": True}, conditions=["[CERTIFICATE_EXPIRATION] < 0"])
    assert (VALID_DAYS - 1) * DAY_MS < _expiry_ms(timed) <= VALID_DAYS * DAY_MS


async def test_mutual_tls_needs_the_client_certificate(client: httpx.AsyncClient, tls_servers: TlsServers) -> None:
    url = f"{tls_servers.mutual}/ok"
    pki = tls_servers.pki
    anonymous = await check(client, url, {"ca-file": str(pki.ca)})
    assert anonymous.state == "down"
    assert anonymous.reason  # the server ends the handshake: the words depend on the TLS version
    with_cert = {"ca-file": str(pki.ca), "cert-file": str(pki.client_cert), "key-file": str(pki.client_key)}
    result = await check(client, url, with_cert, conditions=EXPIRY)
    assert (result.state, result.reason) == ("up", "")


async def test_one_context_per_distinct_setting_built_once(
    client: httpx.AsyncClient, tls_servers: TlsServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = {"ca-file": str(tls_servers.pki.ca)}
    checks = [service(name=f"c{i}", url=f"{tls_servers.private_ca}/ok", tls=ca) for i in range(3)]
    built = 0
    real = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        nonlocal built
        built += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    results = [await run_check(client, c) for c in checks for _ in range(2)]
    assert [r.state for r in results] == ["up"] * 6
    assert built == 0, "the config's validation built the context; runs reuse it"
    assert len({id(plan_check(c).tls) for c in checks}) == 1
    assert plan_check(checks[0]).tls is client_context(checks[0].tls.settings)  # type: ignore[union-attr]
    assert service_check.plan_check(checks[0]) is plan_check(checks[0])


def _validate(tmp_path: Path, tls: str, url: str = "https://127.0.0.1:1/") -> tuple[int, str]:
    path = tmp_path / "tessa.yaml"
    path.write_text(f"services:\n  - name: web\n    url: {url}\n    tls:\n{tls}")
    return main(["config", "validate", str(path)]), str(path)


@pytest.mark.parametrize(
    ("tls", "line", "says"),
    [
        ("      ca-file: /nonexistent/ca.pem\n", 5, "services[0].tls.ca-file: cannot read /nonexistent/ca.pem"),
        ("      cert-file: /nonexistent/c.pem\n", 5, "services[0].tls.cert-file: cannot read /nonexistent/c.pem"),
        ("      key-file: KEY\n", 5, "services[0].tls.key-file: needs `cert-file`"),
        ("      ca-file: NOTPEM\n", 5, "services[0].tls.ca-file: NOTPEM is not a PEM file"),
        ("      cert-file: CERT\n      key-file: WRONGPAIR\n", 6, "services[0].tls.key-file: the certificate and key"),
        ("      insecure: true\n      ca-file: CA\n", 5, "services[0].tls.insecure: give `insecure`"),
        ("      ca-file: FIFO\n", 5, "services[0].tls.ca-file: cannot read"),
    ],
)
def test_unusable_tls_files_are_load_errors_naming_the_field(
    tmp_path: Path, tls_servers: TlsServers, capsys: pytest.CaptureFixture[str], tls: str, line: int, says: str
) -> None:
    pki = tls_servers.pki
    (tmp_path / "notpem").write_text("hello")
    os.mkfifo(tmp_path / "fifo")  # a FIFO named by mistake is refused, never waited on
    names = {"KEY": pki.client_key, "NOTPEM": tmp_path / "notpem", "CERT": pki.client_cert, "CA": pki.ca}
    names |= {"WRONGPAIR": pki.server_key, "FIFO": tmp_path / "fifo"}
    for name, value in names.items():
        tls = tls.replace(name, str(value))
        says = says.replace(name, str(value))
    code, path = _validate(tmp_path, tls)
    assert code == 2
    assert f"{path}:{line}: {says}" in capsys.readouterr().err


def test_tls_on_a_plain_check_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, path = _validate(tmp_path, "      insecure: true\n", url="http://127.0.0.1:1/")
    assert code == 2
    assert f"{path}:4: services[0].tls: not supported (http:// uses no TLS; use https://)" in capsys.readouterr().err
