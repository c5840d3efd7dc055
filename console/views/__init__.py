"""HTML routes under ``/console``."""

from __future__ import annotations

from fastapi import APIRouter

from console.views import auth, dashboard, inbox, queue, reports

router = APIRouter(prefix="/console", tags=["console"])
for module in (auth, queue, inbox, reports, dashboard):
    router.include_router(module.router)
