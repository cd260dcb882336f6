"""A server certificate's expiry read from its DER bytes: the same answer whether the certificate was verified
(a CA, a private CA) or not (`insecure`), where the standard library's parsed form is empty.

Only the path to `notAfter` is walked (Certificate > TBSCertificate > Validity); anything malformed, too long
or truncated gives None, never an exception: the bytes come from whoever answered.
"""

from __future__ import annotations

from datetime import UTC, datetime

_SEQUENCE = 0x30
_VERSION = 0xA0  # [0] EXPLICIT, present from X.509 v2 on
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18


class _Malformed(Exception):
    pass


def _element(data: bytes, position: int) -> tuple[int, int, int]:
    """The tag at `position`, where its content starts and where it ends (DER definite lengths only)."""
    if position + 2 > len(data):
        raise _Malformed
    tag, length = data[position], data[position + 1]
    position += 2
    if length & 0x80:
        size = length & 0x7F
        if not 1 <= size <= 4 or position + size > len(data):
            raise _Malformed
        length = int.from_bytes(data[position : position + size], "big")
        position += size
    end = position + length
    if end > len(data):
        raise _Malformed
    return tag, position, end


def not_after(der: bytes) -> datetime | None:
    """When the certificate stops being valid (UTC), or None when `der` is not a readable certificate."""
    try:
        tag, start, _ = _element(der, 0)
        if tag != _SEQUENCE:
            return None
        tag, position, _ = _element(der, start)  # TBSCertificate
        if tag != _SEQUENCE:
            return None
        tag, _, end = _element(der, position)
        if tag == _VERSION:
            position = end
        for _ in range(3):  # serialNumber, signature algorithm, issuer
            _, _, position = _element(der, position)
        tag, position, _ = _element(der, position)  # Validity
        if tag != _SEQUENCE:
            return None
        _, _, position = _element(der, position)  # notBefore
        tag, start, end = _element(der, position)
        return _time(tag, der[start:end])
    except _Malformed:
        return None


def _time(tag: int, value: bytes) -> datetime | None:
    """UTCTime (YYMMDDHHMMSSZ, 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), as RFC 5280 requires them."""
    text = value.decode("ascii", errors="replace")
    if tag == _UTC_TIME and len(text) == 13:
        if not text[:2].isdigit():
            return None
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != _GENERALIZED_TIME or len(text) != 15:
        return None
    if not text.endswith("Z") or not text[:-1].isdigit():
        return None
    try:
        return datetime.strptime(text[:-1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def expires_in_ms(der: bytes, now: datetime) -> float:
    """Milliseconds from `now` until the certificate expires (0 when expired, absent or unreadable)."""
    expiry = not_after(der) if der else None
    return max(0.0, (expiry - now).total_seconds() * 1000) if expiry is not None else 0.0
