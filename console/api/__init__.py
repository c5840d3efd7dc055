"""The REST API ``/api/v1``: reports (list, get), lifecycle actions, statistics.

Authentication: ``Authorization: Bearer <token>`` (``suarawarga`` API tokens) or the console's
session cookie; errors are ``application/problem+json`` (``console.problems``).
"""

from fastapi import APIRouter

from console.api import actions, canned, export, reports, stats

router = APIRouter(prefix="/api/v1")
# Before ``reports``: its ``/reports/{code}`` would otherwise take ``/reports/export``.
router.include_router(export.router)
router.include_router(reports.router)
router.include_router(actions.router)
router.include_router(stats.router)
router.include_router(canned.router)

__all__ = ["router"]
