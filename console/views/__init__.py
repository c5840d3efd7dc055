"""HTML routes under ``/console``."""

from __future__ import annotations

from fastapi import APIRouter

from console.views import (
    admin,
    auth,
    canned,
    dashboard,
    duplicates,
    inbox,
    profile,
    queue,
    reports,
)

router = APIRouter(prefix="/console", tags=["console"])
for module in (auth, queue, inbox, reports, duplicates, dashboard, admin, canned, profile):
    router.include_router(module.router)
