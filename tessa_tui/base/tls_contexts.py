"""TLS client contexts for checks with their own TLS settings: one per distinct setting, built once per process.

Building a context reads files and, for a CA, parses certificates (milliseconds each): the config's validation
builds it (so a missing or unreadable file is a load error naming the field) and every run reuses that one.
Files are read through regular_file first, so a FIFO or a device named by mistake is refused, never waited on.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from pathlib import Path

from tessa_tui.base.regular_file import read_regular
from tessa_tui.base.sanitize import sanitize

MAX_PEM_BYTES = 1024 * 1024


@dataclass(frozen=True)
class TlsSettings:
    """A check's TLS options, as written in its `tls:` section."""

    insecure: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


class TlsFileError(ValueError):
    """A TLS file that cannot be used; `field` names the setting (`ca-file`, `cert-file`, `key-file`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"`{field}`: {sanitize(reason)}")  # a path may hold newlines or escapes: made visible
        self.field = field


def _readable(path: str, field: str) -> bytes:
    try:
        data = read_regular(Path(path).expanduser(), MAX_PEM_BYTES)
    except OSError as exc:
        raise TlsFileError(field, f"cannot read {path}: {exc.strerror or exc}") from None
    if b"-----BEGIN" not in data:
        raise TlsFileError(field, f"{path} is not a PEM file (no -----BEGIN line)")
    return data


def _reason(exc: ssl.SSLError) -> str:
    return str(exc.reason or exc.strerror or exc).lower().replace("_", " ")


def _no_passphrase() -> bytes:
    return b""


@functools.lru_cache(maxsize=256)
def client_context(settings: TlsSettings) -> ssl.SSLContext:
    """The context for `settings` (cached: the same settings give the same context); TlsFileError when a file
    cannot be read or used."""
    if settings.ca_file is not None:
        data = _readable(settings.ca_file, "ca-file")
        try:
            # Only this CA is trusted: a private CA's check must not pass on a public certificate.
            context = ssl.create_default_context(cadata=data.decode("ascii", errors="replace"))
        except ssl.SSLError as exc:
            unusable = f"{settings.ca_file} holds no usable CA certificate ({_reason(exc)})"
            raise TlsFileError("ca-file", unusable) from None
    else:
        context = ssl.create_default_context()
    if settings.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.cert_file is not None:
        _readable(settings.cert_file, "cert-file")
        if settings.key_file is not None:
            _readable(settings.key_file, "key-file")
        try:
            context.load_cert_chain(
                Path(settings.cert_file).expanduser(),
                Path(settings.key_file).expanduser() if settings.key_file else None,
                password=_no_passphrase,  # an encrypted key is an error here, never a prompt on the terminal
            )
        except ssl.SSLError as exc:
            field = "key-file" if settings.key_file else "cert-file"
            raise TlsFileError(field, f"the certificate and key cannot be used together ({_reason(exc)})") from None
        except OSError as exc:
            raise TlsFileError("cert-file", f"cannot read {settings.cert_file}: {exc.strerror or exc}") from None
    return context
