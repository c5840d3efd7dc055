"""HTML routes under ``/console``."""

from __future__ import annotations

from fastapi import APIRouter

from console.views import auth

router = APIRouter(prefix="/console", tags=["console"])
router.include_router(auth.router)
