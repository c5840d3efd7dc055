"""Errors of the REST API (``/api``) as ``application/problem+json``.

RFC 9457 gives clients one shape for every failure: ``type`` (a URI naming the kind of problem),
``title`` (constant per type), ``status``, ``detail`` (this occurrence, for a person) and
``instance`` (the request path: never the query string, which may hold an ``api_key``). A
refusal of the domain adds its ``code`` and ``params`` (``reports.lifecycle.DomainError``): clients
branch on the code, never on the wording of ``detail``.

The console's HTML pages keep their own error handling: :func:`install` wraps whatever handlers
are registered for HTTP errors and only answers for machine paths, delegating everything else, so
it must be called after the console has installed its handlers. Open311 clients expect the
GeoReport v2 error list instead, so ``/open311`` installs its own pair through
:func:`install_for` (see :mod:`console.open311.errors`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from reports.lifecycle import DomainError, IllegalTransition, NotPermitted

MEDIA_TYPE: Final = "application/problem+json"
MACHINE_PREFIXES: Final = ("/api/",)
TYPE_PREFIX: Final = "urn:suarawarga:problem:"

Handler = Callable[[Request, Any], Awaitable[Response] | Response]

#: JSON schema of our problem documents, for the OpenAPI ``responses`` of API routes.
PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:suarawarga:problem:illegal-transition"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "examples": ["/api/v1/reports/SW-7KQ4-M2XD/answer"]},
        "code": {
            "type": "string",
            "description": "a refusal's stable code (``detail`` is its English text)",
            "examples": ["same_agency"],
        },
        "params": {
            "type": "object",
            "description": "the values that explain a refusal, by name",
            "examples": [{"limit": 14, "used": 2}],
        },
        "errors": {
            "type": "array",
            "description": "validation errors (422 only)",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


def documented(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries saying these statuses come as problem+json."""
    return {
        status: {
            "description": descriptions.get(f"s{status}", HTTPStatus(status).phrase),
            "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


class Problem(StarletteHTTPException):
    """An HTTP error with a problem type of ours; raise it from API and Open311 routes."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.type = TYPE_PREFIX + slug
        self.title = title
        self.extensions = extensions


def is_machine_path(path: str) -> bool:
    return path.startswith(MACHINE_PREFIXES)


def problem_body(
    request: Request,
    status: int,
    *,
    detail: str | None,
    type_: str = "about:blank",
    title: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description or HTTPStatus(status).phrase,
        "instance": request.url.path,
    }
    body.update(extensions)
    return body


def http_problem(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    if isinstance(exc, Problem):
        body = problem_body(
            request,
            exc.status_code,
            detail=str(exc.detail),
            type_=exc.type,
            title=exc.title,
            **exc.extensions,
        )
    else:
        body = problem_body(request, exc.status_code, detail=str(exc.detail))
    return ProblemResponse(body, status_code=exc.status_code, headers=exc.headers)


def validation_problem(request: Request, exc: RequestValidationError) -> ProblemResponse:
    # The offending input is not echoed back: it may be a secret (api_key) or personal data.
    errors = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors()
    ]
    where = ", ".join(".".join(e["loc"]) for e in errors[:5]) or "the request"
    body = problem_body(
        request,
        422,
        detail=f"invalid input: {where}",
        type_=TYPE_PREFIX + "validation",
        title="Invalid request",
        errors=errors,
    )
    return ProblemResponse(body, status_code=422)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn the domain's refusals into problems: 403 not permitted, 409 wrong stage, 422 other.

    The request's transaction is rolled back by the raised exception (``console.deps.get_db``).
    """
    try:
        yield
    except NotPermitted as exc:
        raise Problem(
            403, "not-permitted", "Not permitted", exc.text(), code=exc.code, params=exc.params
        ) from None
    except IllegalTransition as exc:
        raise Problem(
            409,
            "illegal-transition",
            "Not possible in the report's current stage",
            exc.text(),
            status_now=exc.status.value if exc.status else None,
            code=exc.code,
            params=exc.params,
        ) from None
    except DomainError as exc:
        raise Problem(
            422, "domain-rule", "Request refused", exc.text(), code=exc.code, params=exc.params
        ) from None


def _wrap(
    fallback: Handler, applies: Callable[[str], bool], answer: Callable[[Request, Any], Response]
) -> Handler:
    async def handler(request: Request, exc: Any) -> Response:
        if applies(request.url.path):
            return answer(request, exc)
        result = fallback(request, exc)
        if isinstance(result, Response):
            return result
        return await result

    return handler


def install_for(
    app: FastAPI,
    applies: Callable[[str], bool],
    http_error: Callable[[Request, Any], Response],
    validation_error: Callable[[Request, Any], Response],
) -> None:
    """Answer HTTP and validation errors on the paths ``applies`` accepts with these handlers,
    keeping every handler already registered for the other paths."""
    handlers = app.exception_handlers
    handlers.setdefault(StarletteHTTPException, http_exception_handler)
    handlers.setdefault(RequestValidationError, request_validation_exception_handler)
    for exc_class, existing in list(handlers.items()):
        if isinstance(exc_class, type) and issubclass(exc_class, StarletteHTTPException):
            handlers[exc_class] = _wrap(existing, applies, http_error)
        elif exc_class is RequestValidationError:
            handlers[exc_class] = _wrap(existing, applies, validation_error)


def install(app: FastAPI) -> None:
    """Serve problem+json on machine paths, keeping every existing handler for the rest."""
    install_for(app, is_machine_path, http_problem, validation_problem)
