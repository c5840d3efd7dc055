"""``GET /api/v1/reports/export``: every report the list's filters select, as CSV or XLSX.

Same filters and the same access rule as ``GET /api/v1/reports`` (an officer exports their
agency's reports only). Instants are written in the deployment's time zone: ISO 8601 with offset
in CSV, real date cells (local time, the zone named in the header) in XLSX, so a spreadsheet can
sort and subtract them. Citizen text never reaches the file, but agency names go through the same
formula guard as the dashboard export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Query, Request, Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from console.api.reports import FiltersDep
from console.deps import CurrentStaff, SessionDep, actor_of, get_runtime
from console.problems import Problem, documented
from console.views.exports import safe_cell
from reports import listing
from reports.export import COLUMNS, ExportRow, export_rows

#: Beyond this many reports the caller is asked to narrow the period (memory, not a policy).
MAX_ROWS: Final = 200_000
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT: Final = "yyyy-mm-dd hh:mm"

router = APIRouter(
    tags=["reports"],
    responses=documented(401, 422, s401="not signed in (bearer token or session)"),
)


def _csv(rows: Iterable[ExportRow], tz: Any) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                v.astimezone(tz).isoformat()
                if isinstance(v, datetime)
                else ("" if v is None else safe_cell(v))
                for v in row.values()
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(rows: Iterable[ExportRow], tz: Any) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("reports")
    sheet.append([f"{c} ({tz})" if c.endswith("_at") else c for c in COLUMNS])
    for row in rows:
        values: list[Any] = []
        for value in row.values():
            if isinstance(value, datetime):
                # Excel has no time zones: local wall-clock time, the zone named in the header.
                cell = WriteOnlyCell(sheet, value=value.astimezone(tz).replace(tzinfo=None))
                cell.number_format = DATE_FORMAT
                values.append(cell)
            else:
                values.append(safe_cell(value))
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@router.get(
    "/reports/export",
    summary="Export reports (CSV or XLSX)",
    response_class=Response,
    responses={
        200: {
            "description": "one row per report: " + ", ".join(COLUMNS),
            "content": {"text/csv": {}, XLSX: {}},
        },
        **documented(413, s413="too many reports: narrow the filters"),
    },
)
def export_reports(
    request: Request,
    db: SessionDep,
    staff: CurrentStaff,
    filters: FiltersDep,
    format: Annotated[Literal["csv", "xlsx"], Query(description="file format")] = "csv",
) -> Response:
    """Every report the same filters as ``GET /reports`` select, oldest first, one row each.

    Columns: the report's type, agency name, status, dates and current deadlines; per stage
    (verification, agency follow-up) whether it was ever late and by how many working days in
    total (the report's ``sla_history``); and the citizen's satisfaction score (IKM scale 25-100,
    empty without a rating).
    """
    actor = actor_of(staff)
    now = datetime.now(UTC)
    calendar = get_runtime(request).clock.calendar
    query = filters.query(db, actor, now)
    count = listing.count(db, query)
    if count and count > MAX_ROWS:
        raise Problem(
            413,
            "export-too-large",
            "Too many reports",
            f"{count} reports match; narrow the period or filters to at most {MAX_ROWS}",
        )
    rows = export_rows(db, query, calendar=calendar, now=now)
    stamp = now.astimezone(calendar.tz).strftime("%Y%m%d-%H%M")
    headers = {
        "Content-Disposition": f'attachment; filename="suarawarga-laporan-{stamp}.{format}"',
        "Cache-Control": "no-store",
    }
    if format == "csv":
        return Response(
            _csv(rows, calendar.tz), media_type="text/csv; charset=utf-8", headers=headers
        )
    return Response(_xlsx(rows, calendar.tz), media_type=XLSX, headers=headers)
