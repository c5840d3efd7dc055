"""Dashboard data as tables, written to CSV or XLSX.

Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at the start)
are prefixed with an apostrophe: report titles come from citizens, and an export must never turn
one into a live formula on a manager's computer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from reports.stats.figures import Dashboard

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # catalogue key of the section title; also the sheet name source
    header: list[str]
    rows: list[list[Any]]


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def tables(board: Dashboard, _: Callable[..., str], tz: Any) -> list[Table]:
    """The dashboard's sections as plain tables, headers in the viewer's language."""

    def agency(agency_id: int | None) -> str:
        return board.agencies.get(agency_id, _("no_agency")) if agency_id else _("no_agency")

    def local(value: Any) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        Table(
            "dash_open_by_stage",
            [_("col_status"), _("col_count")],
            [[_("status_" + s.value), n] for s, n in board.open_by_stage.items()],
        ),
        Table(
            "dash_deadlines",
            [_("col_stage"), _("col_count")],
            [
                [_("dash_due_today"), board.due.due_today],
                [_("dash_due_24h"), board.due.due_within_24h],
                [_("dash_overdue"), board.due.overdue],
            ],
        ),
        Table(
            "dash_breaches",
            [_("col_agency"), _("col_stage"), _("col_breaches"), _("col_escalations")],
            [
                [agency(b.agency_id), _("stage_" + b.stage.value), b.breaches, b.escalations]
                for b in board.breaches
            ],
        ),
        Table(
            "dash_durations",
            [
                _("col_agency"),
                _("col_n"),
                _("col_verify_median"),
                _("col_verify_p90"),
                _("col_n"),
                _("col_answer_median"),
                _("col_answer_p90"),
            ],
            [
                [
                    agency(d.agency_id),
                    d.verify.count,
                    d.verify.median_hours,
                    d.verify.p90_hours,
                    d.answer.count,
                    d.answer.median_hours,
                    d.answer.p90_hours,
                ]
                for d in board.durations
            ],
        ),
        Table(
            "dash_compliance",
            [
                _("col_agency"),
                _("col_on_time"),
                _("col_late"),
                _("col_overdue_open"),
                _("col_rate"),
            ],
            [
                [agency(c.agency_id), c.on_time, c.late, c.overdue_open, c.rate]
                for c in board.compliance
            ],
        ),
        Table(
            "dash_escalations",
            [
                _("col_code"),
                _("col_title"),
                _("col_agency"),
                _("col_stage"),
                _("col_level"),
                _("col_due"),
            ],
            [
                [
                    e.tracking_code,
                    e.title,
                    agency(e.agency_id),
                    _("stage_" + e.stage.value) if e.stage else "",
                    e.level,
                    local(e.due_at),
                ]
                for e in board.escalations
            ],
        ),
        Table(
            "dash_skm",
            [_("col_agency"), _("col_ikm"), _("col_grade"), _("col_responses")],
            [
                [agency(s.agency_id), s.index.ikm, s.index.grade, s.index.responses]
                for s in board.satisfaction
            ],
        ),
    ]


def to_csv(sections: list[Table], _: Callable[..., str]) -> bytes:
    """One file, one block per section (title row, header row, data rows, blank line).

    UTF-8 with a BOM so Excel opens Indonesian text correctly.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    for table in sections:
        writer.writerow([_(table.key)])
        writer.writerow(table.header)
        writer.writerows([[safe_cell(v) for v in row] for row in table.rows])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sections: list[Table], _: Callable[..., str]) -> bytes:
    """One sheet per section."""
    book = Workbook()
    book.remove(book.active)
    for table in sections:
        title = _(table.key)
        for bad in "[]:*?/\\":
            title = title.replace(bad, " ")
        sheet = book.create_sheet(title=title[:31])
        sheet.append(table.header)
        for row in table.rows:
            sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
