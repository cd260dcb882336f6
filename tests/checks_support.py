"""What the check tests share: a ServiceCheck built as the config loader builds one, and the shared HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest

from tessa_tui.base.http_fetch import make_client
from tessa_tui.config.model import ServiceCheck, decode_hook


def service(**fields: Any) -> ServiceCheck:
    """A ServiceCheck built exactly as the config loader builds one (kebab-case keys; the name `svc`)."""
    data = {"name": "svc", **{k.replace("_", "-"): v for k, v in fields.items()}}
    return msgspec.convert(data, ServiceCheck, dec_hook=decode_hook)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """One client of the kind the poller shares (its TLS context, limits and deadline handling)."""
    async with make_client() as shared:
        yield shared
