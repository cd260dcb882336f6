"""Checking what reaches a contract server against the vendor's published API description (openapi-core): the
requests the console sends and, where a test server answers, the 2xx answers it gives."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

SPECS = Path(__file__).parent / "vendor_specs"


@cache
def openapi(name: str) -> Any:
    """The description in tests/vendor_specs/`name`, parsed once."""
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(json.loads((SPECS / name).read_text(encoding="utf-8")))


def _mock(base: str, request: web.Request, raw: bytes) -> Any:
    """The request as the vendor would have seen it at `base` (a host, and a path prefix such as Slack's /api)."""
    from openapi_core.testing import MockRequest
    from werkzeug.datastructures import ImmutableMultiDict

    scheme, _, rest = base.partition("://")
    host, _, prefix = rest.partition("/")
    return MockRequest(
        f"{scheme}://{host}",
        request.method.lower(),
        f"/{prefix}{request.path}" if prefix else request.path,
        args=ImmutableMultiDict(list(request.query.items())),
        headers=dict(request.headers),
        data=raw or None,
        content_type=request.headers.get("Content-Type", "").split(";")[0].strip() or "application/json",
    )


def _why(exc: Exception) -> str:
    """What is wrong, not the whole document: the schema errors when openapi-core has them."""
    causes = [str(e).splitlines()[0][:300] for e in getattr(exc.__cause__, "schema_errors", None) or ()]
    return f"{str(exc)[:300]} ({'; '.join(causes)})" if causes else str(exc)[:500]


def request_violation(spec: str, base: str, request: web.Request, raw: bytes) -> str | None:
    """Why this request does not match the description `spec` of the API at `base`, or None when it does."""
    try:
        openapi(spec).validate_request(_mock(base, request, raw))
    except Exception as exc:  # openapi-core's validation errors
        return f"{request.method} {request.path}: {_why(exc)}"
    return None


def response_violation(spec: str, base: str, request: web.Request, raw: bytes, response: web.Response) -> str | None:
    """Why this answer does not match the description of it, or None when it does."""
    from openapi_core.testing import MockResponse

    body = response.body if isinstance(response.body, bytes) else b""
    answer = MockResponse(body, status_code=response.status, content_type=response.content_type or "application/json")
    try:
        openapi(spec).validate_response(_mock(base, request, raw), answer)
    except Exception as exc:  # openapi-core's validation errors
        return f"answer to {request.method} {request.path} ({response.status}): {_why(exc)}"
    return None
