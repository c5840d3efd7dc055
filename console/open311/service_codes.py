"""The Open311 service catalogue: every agency x report type, as ``<agency code>-<type>``.

Why apart from the routes: the catalogue is read by three of them (list, definition, filing)
and by the list's ``service_code`` filter, and the code format (with its legacy spelling) is a
protocol decision documented once, in :mod:`console.open311.views`.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy.orm import Session

from reports import agencies
from reports.enums import ReportType
from reports.models import Agency

CATCH_ALL_AGENCY: Final = "lainnya"
SERVICE_SEPARATOR: Final = "-"  # pupr-complaint
LEGACY_SEPARATOR: Final = "."  # pupr.complaint, still accepted


def code(agency_code: str, report_type: ReportType) -> str:
    return f"{agency_code}{SERVICE_SEPARATOR}{report_type.value}"


def catalogue(db: Session) -> dict[str, tuple[Agency, ReportType]]:
    """Every active agency but the catch-all, by code, times every report type."""
    listed = [a for a in agencies.active_agencies(db) if a.code != CATCH_ALL_AGENCY]
    return {
        code(agency.code, rtype): (agency, rtype)
        for agency in sorted(listed, key=lambda a: a.code)
        for rtype in ReportType
    }


def canonical(code: str, catalogue: dict[str, tuple[Agency, ReportType]]) -> str | None:
    """The catalogue's code for ``code``, given as now (``pupr-complaint``) or as first published
    (``pupr.complaint``: agency codes have no dot, so the first dot is the separator)."""
    code = code.strip()
    if code in catalogue:
        return code
    legacy = code.replace(LEGACY_SEPARATOR, SERVICE_SEPARATOR, 1)
    return legacy if LEGACY_SEPARATOR in code and legacy in catalogue else None
