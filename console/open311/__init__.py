"""Open311 GeoReport v2 endpoints (see :mod:`console.open311.views` for the design choices)."""

from console.open311.views import router

__all__ = ["router"]
