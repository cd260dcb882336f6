"""A loopback HTTP server for poll_fanout.py: every request answers a small JSON 200 after a fixed delay.

Runs in its own process so its CPU is not charged to the client under test. Prints the chosen port
on the first line of stdout, then serves until killed.

    .venv/bin/python benchmarks/fanout_server.py [DELAY_MS]
"""

from __future__ import annotations

import asyncio
import resource
import sys

from aiohttp import web


def raise_nofile_limit() -> None:
    """Each open connection is a descriptor: 1000+ of them need more than a default soft limit of 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def serve(delay: float) -> None:
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        return web.json_response({"status": "ok", "path": request.path})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    # A wide backlog: the first cycle opens every connection at once.
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    raise_nofile_limit()
    asyncio.run(serve(float(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.2))
