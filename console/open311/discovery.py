"""GeoReport v2 discovery: ``/open311/discovery.json`` and ``.xml``, from the settings.

The specification requires it next to the versioned endpoints; clients such as ``three`` read it
to find the endpoint and the formats. Everything in it is deployment-specific, so it comes from
the settings (``open311_contact``, ``open311_key_service``, ``open311_changeset``,
``open311_endpoints``); by default it lists this deployment's own endpoint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from config.settings import Open311Endpoint, Settings
from console.deps import get_runtime
from console.open311.errors import documented
from console.open311.formats import XML_CONTENT, Format, render

VERSION_PATH: Final = "/open311/v2"
FORMATS: Final = ["application/json", "text/xml"]

router = APIRouter(prefix="/open311", tags=["open311"], responses=documented(400))


class DiscoveryEndpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[DiscoveryEndpoint]


def _iso(instant: datetime) -> str:
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def discovery_document(settings: Settings) -> dict[str, Any]:
    endpoints = settings.open311_endpoints or [
        Open311Endpoint(
            url=settings.public_base_url.rstrip("/") + VERSION_PATH,
            type="production" if settings.environment == "production" else "test",
        )
    ]
    changeset = _iso(settings.open311_changeset)
    return Discovery(
        changeset=changeset,
        contact=settings.open311_contact,
        key_service=settings.open311_key_service,
        endpoints=[
            DiscoveryEndpoint(
                specification=e.specification,
                url=e.url,
                changeset=_iso(e.changeset) if e.changeset else changeset,
                type=e.type,
                formats=list(FORMATS),
            )
            for e in endpoints
        ],
    ).model_dump()


@router.get(
    "/discovery.{fmt}",
    response_model=Discovery,
    summary="Discovery: endpoints, formats, contact",
    responses={200: {"content": XML_CONTENT}},
)
def discovery(request: Request, fmt: Format = Path(description="json or xml")) -> Response:
    """Where the GeoReport v2 endpoints are and what they speak (from the settings)."""
    return render(fmt, "discovery", discovery_document(get_runtime(request).settings))
