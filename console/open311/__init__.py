"""Open311 GeoReport v2 endpoints (see :mod:`console.open311.views` for the design choices)."""

from fastapi import FastAPI

from console.open311 import discovery, errors
from console.open311.views import router

__all__ = ["install", "router"]


def install(app: FastAPI) -> None:
    """The versioned endpoints, discovery, and errors in the specification's shape.

    Call it after the console's and the API's error handlers are installed: it answers only for
    ``/open311`` paths and leaves theirs to the others.
    """
    app.include_router(router)
    app.include_router(discovery.router)
    errors.install(app)
