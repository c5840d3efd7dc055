"""Errors under ``/open311`` in the GeoReport v2 shape, in the format the URL asked for.

Open311 clients parse a failure as a list of ``{"code", "description"}`` (JSON) or
``<errors><error><code/><description/></error></errors>`` (XML); some hand whatever they got back
to their caller as data, so an RFC 9457 object (what ``/api/v1`` answers) would be read as a
request. ``code`` is the HTTP status, as in the specification's examples.

Statuses follow the specification: every invalid parameter (a missing required field, a bad
``page``/``page_size``, a format other than json/xml) is a 400, not FastAPI's 422. The input is
never echoed back: it may be the ``api_key`` or a reporter's contact.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from console import problems
from console.open311.formats import XML_MEDIA_TYPE, Format, render

PREFIX: Final = "/open311/"
VALIDATION_STATUS: Final = 400

#: OpenAPI: one error document of the specification.
ERROR_SCHEMA: Final[dict[str, Any]] = {
    "title": "Open311Errors",
    "description": "GeoReport v2 errors; in XML: <errors><error><code/><description/></error>",
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer", "description": "the HTTP status"},
            "description": {"type": "string"},
        },
    },
}


def documented(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these statuses as GeoReport v2 errors."""
    return {
        status: {
            "description": descriptions.get(f"s{status}", HTTPStatus(status).phrase),
            "content": {
                "application/json": {"schema": ERROR_SCHEMA},
                XML_MEDIA_TYPE.split(";")[0]: {"schema": {"type": "string"}},
            },
        }
        for status in statuses
    }


def applies(path: str) -> bool:
    return path.startswith(PREFIX)


def format_of(path: str) -> Format:
    """XML when the URL asked for it (``requests.xml``), JSON otherwise (the spec's default)."""
    return "xml" if path.lower().endswith(".xml") else "json"


def errors_response(
    request: Request,
    status: int,
    descriptions: list[str],
    headers: dict[str, str] | None = None,
) -> Response:
    document = [{"code": status, "description": text} for text in descriptions]
    return render(format_of(request.url.path), "errors", document, status, headers)


def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = str(exc.detail) if exc.detail else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers) if exc.headers else None  # e.g. Allow on a 405
    return errors_response(request, exc.status_code, [detail], headers)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "lat") -> "lat"; ("query", "page") -> "page"; ("path", "fmt") -> "format"
    parts = [str(p) for p in loc[1:]] or [str(p) for p in loc]
    where = ".".join(parts)
    return "format" if where == "fmt" else where


def validation_error(request: Request, exc: RequestValidationError) -> Response:
    descriptions = [
        f"{_where(err.get('loc', ()))}: {err.get('msg', 'invalid')}" for err in exc.errors()
    ] or ["invalid request"]
    return errors_response(request, VALIDATION_STATUS, descriptions)


def install(app: FastAPI) -> None:
    """Answer errors on ``/open311`` paths in the specification's shape (after the console's and
    the API's handlers are installed: the other paths keep theirs)."""
    problems.install_for(app, applies, http_error, validation_error)
