"""A report as an Open311 ``service_request`` document: what is public of it, in words.

Why apart from the routes: the list and the single request answer with the same document, and
its privacy rule (no content before verification or for a confidential report, never the
reporter) is easier to check in one function than in two routes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from console.i18n.public import stage_label
from console.open311 import service_codes
from reports.access import content_public
from reports.enums import OPEN_STATUSES, Status
from reports.messages import TYPE_NAMES
from reports.models import Agency, Report

DUE_COLUMN: Final = {
    Status.SUBMITTED: "verify_due_at",
    Status.FORWARDED: "response_due_at",
    Status.ANSWERED: "feedback_due_at",
}


def request_doc(row: Any, agencies: dict[int, Agency], tz: ZoneInfo, lang: str) -> dict[str, Any]:
    """The public document of one report row (``reports.public_requests.PUBLIC_COLUMNS``), as
    :class:`~console.open311.schemas.ServiceRequest`."""
    agency = agencies.get(row.agency_id) if row.agency_id else None
    # The row has the attributes the access rules read (privacy, verified_at).
    show = content_public(cast(Report, row))
    due_column = DUE_COLUMN.get(row.status)

    def iso(instant: datetime | None) -> str | None:
        return instant.astimezone(tz).isoformat(timespec="seconds") if instant else None

    return {
        "service_request_id": row.tracking_code,
        "status": "open" if row.status in OPEN_STATUSES else "closed",
        "status_notes": stage_label(row.status, lang),
        "service_name": (
            f"{agency.name}: {TYPE_NAMES.text(row.type.value, lang)}" if agency and show else None
        ),
        "service_code": service_codes.code(agency.code, row.type) if agency and show else None,
        "description": row.body if show else None,
        "agency_responsible": agency.name if agency and show else None,
        "service_notice": None,
        "requested_datetime": iso(row.created_at),
        "updated_datetime": iso(row.updated_at),
        "expected_datetime": iso(getattr(row, due_column)) if due_column else None,
        "address": row.location_text if show else None,
        "address_id": None,
        "zipcode": None,
        "lat": row.latitude if show else None,
        "long": row.longitude if show else None,
        "media_url": None,
    }
