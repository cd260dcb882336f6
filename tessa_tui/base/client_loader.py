"""The HTTP client's factory for a watcher, imported off the event loop: httpx and aiohttp take a noticeable
moment to import, and a watcher that starts with a view or the dashboard must not stall its first frames."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


async def client_factory(max_connections: int) -> Callable[[], httpx.AsyncClient]:
    """A factory of shared-setting clients (`tessa_tui.base.http_fetch.make_client`), its module imported in a
    thread."""

    def load() -> Callable[[], httpx.AsyncClient]:
        from tessa_tui.base.http_fetch import make_client

        return lambda: make_client(max_connections=max_connections)

    return await asyncio.to_thread(load)
