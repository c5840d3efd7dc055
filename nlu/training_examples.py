"""The examples each model trains on: the shipped data files, and the deployment's verified reports.

Two sources, one shape (:class:`~nlu.dataset.Example` per task). The shipped files (the written
``nlu/data/*.yml`` and the real LAPOR! messages beside them) let a fresh install classify out of
the box. Verifiers confirm or correct each report's type and agency, so those reports are the best
labelled data the deployment will ever have: :func:`examples_from_verified` turns
``(text, type, agency)`` rows into examples, and the database query lives in a thin adapter
(:func:`verified_rows_from_db`), so the logic is testable without a database.

Kept apart from :mod:`nlu.train`, which fits, calibrates and writes models from these examples:
reading files and querying reports is a different level of detail from fitting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from config.domain_files import UNDECIDED_AGENCY
from nlu.dataset import DATA_DIR, REPORT_TYPE_LABELS, Example, read_csv, read_rasa_yaml

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = [
    "DATA_FILES",
    "REAL_FILES",
    "TASKS",
    "Task",
    "VerifiedRow",
    "agency_codes",
    "base_examples",
    "examples_from_verified",
    "verified_rows_from_db",
]

Task = Literal["report_type", "routing"]
TASKS: tuple[Task, ...] = ("report_type", "routing")
DATA_FILES: dict[Task, Path] = {
    "report_type": DATA_DIR / "report_type.yml",
    "routing": DATA_DIR / "routing.yml",
}
# Real messages shipped beside the written ones (see nlu/data/README.md).
REAL_FILES: dict[Task, Path] = {
    "report_type": DATA_DIR / "report_type_lapor.csv",
    "routing": DATA_DIR / "routing_lapor.csv",
}


def agency_codes(agencies_file: Path) -> list[str]:
    """Routable agency codes from ``agencies.yml`` (``lainnya`` excluded)."""
    from config.domain_files import load_agencies

    return [a.code for a in load_agencies(agencies_file) if a.code != UNDECIDED_AGENCY]


def base_examples(task: Task, *, data_file: Path | None = None) -> list[Example]:
    """The shipped training examples of ``task``: the written ones, then the real LAPOR! ones
    (report types restricted to the three labels). ``data_file`` replaces both (tests)."""
    path = data_file or DATA_FILES[task]
    if not path.exists():
        raise FileNotFoundError(f"training data for {task} not found: {path}")
    intents = REPORT_TYPE_LABELS if task == "report_type" else None
    examples = read_rasa_yaml(path, intents=intents)
    if data_file is None:
        real = read_csv(REAL_FILES[task], source="lapor")
        examples += [e for e in real if intents is None or e.label in intents]
    return examples


#: A verified report from the database: ``(text, type, agency code)``, optionally with the
#: example's source (``"history"`` for imported reports; default ``"verified"``).
VerifiedRow = tuple[str, str | None, str | None] | tuple[str, str | None, str | None, str]


def examples_from_verified(
    rows: Iterable[VerifiedRow],
    *,
    known_agencies: Iterable[str] | None = None,
) -> dict[Task, list[Example]]:
    """Split verified ``(text, type, agency_code[, source])`` rows into examples per task.

    A row contributes to a task only when that label is usable: a report type of the three known
    ones, an agency code that is routable (not ``lainnya``; in ``known_agencies`` when given).
    """
    agencies = set(known_agencies) if known_agencies is not None else None
    out: dict[Task, list[Example]] = {"report_type": [], "routing": []}
    for row in rows:
        text, report_type, agency = row[0], row[1], row[2]
        source = row[3] if len(row) > 3 else "verified"
        text = (text or "").strip()
        if not text:
            continue
        if report_type in REPORT_TYPE_LABELS:
            out["report_type"].append(Example(text=text, label=str(report_type), source=source))
        if agency and agency != UNDECIDED_AGENCY and (agencies is None or agency in agencies):
            out["routing"].append(Example(text=text, label=agency, source=source))
    return out


def verified_rows_from_db(settings: Settings) -> Iterator[VerifiedRow]:
    """``(title. body, type, agency code, source)`` of every report a verifier has confirmed,
    oldest submission first (the recent slice of
    :func:`nlu.recent_slice.compare_on_recent_slice` is the end).

    The source is ``history`` for a report brought in by ``suarawarga import reports`` (it was
    verified in the city's previous system) and ``verified`` for one verified here; both are the
    deployment's own stream for calibration (``nlu.dataset.DEPLOYMENT_SOURCES``).

    The database is imported here, not at the top: training from the shipped data needs none.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from reports.db import engine_from_settings, session_factory
    from reports.models import Report

    engine = engine_from_settings(settings)
    try:
        with session_factory(engine)() as session:
            query = (
                select(Report)
                .where(Report.verified_at.is_not(None))
                .options(joinedload(Report.agency))
                .order_by(Report.created_at, Report.id)
                .execution_options(yield_per=500)
            )
            for report in session.scalars(query):
                title = (report.title or "").strip()
                body = (report.body or "").strip()
                text = f"{title}. {body}" if title and not body.startswith(title) else body
                agency = report.agency.code if report.agency is not None else None
                source = "history" if report.import_key is not None else "verified"
                yield text, str(report.type), agency, source
    finally:
        engine.dispose()
