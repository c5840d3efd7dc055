"""Precision and recall of the possible-duplicate suggestions on the written set (issue 15).

Every report of ``reports.jsonl`` is submitted, in time order, through the real use case
(``reports.citizen_cases.submit_report``) into a fresh, migrated SQLite database, each by its own
citizen; what the report then stores as ``possible_duplicates`` (at most 3, best first) is
compared with the truth: the earlier reports of the same group (one problem at one place) that
are at most 30 days older.

- precision: suggested reports that are true duplicates / all suggestions;
- recall: true earlier duplicates suggested / all true earlier duplicates (each report counts at
  most 3 of them, since at most 3 are suggested);
- top-1 hit rate: reports with an earlier duplicate whose first suggestion is one;
- false alarms: reports with no earlier duplicate that got a suggestion anyway.

Run ``python -m benchmarks.duplicates.quality`` (prints JSON; ``--out FILE`` writes it too).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.recording import percentile
from config.domain_files import load_agencies
from config.settings import CONFIG_DIR
from escalation.calendar import WorkingCalendar
from escalation.deadlines import SlaClock
from escalation.policy import SlaPolicy
from reports import citizen_cases, duplicate_scoring
from reports.db import make_engine, session_factory
from reports.enums import Channel, Privacy, ReportType
from reports.migrate import upgrade
from reports.staff import sync_agencies

SET = Path(__file__).with_name("reports.jsonl")
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def load(path: Path = SET) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as rows:
        return [json.loads(line) for line in rows if line.strip()]


def truth(rows: list[dict[str, Any]]) -> dict[int, set[int]]:
    """For each report id: the ids of earlier reports of its group within the 30-day window."""
    out: dict[int, set[int]] = {}
    for row in rows:
        out[row["id"]] = {
            other["id"]
            for other in rows
            if other["group"] == row["group"]
            and other["id"] != row["id"]
            and 0 <= row["days"] - other["days"] <= duplicate_scoring.WINDOW.days
            and (other["days"], other["id"]) < (row["days"], row["id"])
        }
    return out


def suggest_all(rows: list[dict[str, Any]]) -> tuple[dict[int, list[int]], list[float]]:
    """Submit every row in order; each row's stored suggestions (as set ids) and submit times."""
    clock = SlaClock(WorkingCalendar("Asia/Jakarta"), SlaPolicy.from_yaml(CONFIG_DIR / "sla.yml"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'dups.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine)
        with sessions() as db, db.begin():
            sync_agencies(db, load_agencies(CONFIG_DIR / "agencies.yml"))
        by_db_id: dict[int, int] = {}
        found: dict[int, list[int]] = {}
        timings: list[float] = []
        for row in rows:
            now = T0 + timedelta(days=row["days"])
            with sessions() as db, db.begin():
                citizen = citizen_cases.get_or_create_citizen(
                    db, channel=Channel.WEB, external_id=f"set-{row['id']}", now=now
                )
                started = time.perf_counter()
                report = citizen_cases.submit_report(
                    db,
                    clock=clock,
                    citizen=citizen,
                    channel=Channel.WEB,
                    report_type=ReportType.COMPLAINT,
                    title=row["title"],
                    body=row["body"],
                    now=now,
                    privacy=Privacy.PUBLIC,
                    location_text=row["location_text"],
                    latitude=row["latitude"],
                    longitude=row["longitude"],
                )
                timings.append(time.perf_counter() - started)
                by_db_id[report.id] = row["id"]
                found[row["id"]] = [
                    by_db_id[int(item["id"])] for item in (report.possible_duplicates or [])
                ]
        engine.dispose()
    return found, timings


def measure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    expected = truth(rows)
    found, timings = suggest_all(rows)
    suggested = sum(len(v) for v in found.values())
    correct = sum(len(set(found[i]) & expected[i]) for i in found)
    relevant = sum(min(len(expected[i]), duplicate_scoring.TOP) for i in found)
    with_dup = [i for i in found if expected[i]]
    without = [i for i in found if not expected[i]]
    top1 = sum(1 for i in with_dup if found[i] and found[i][0] in expected[i])
    return {
        "reports": len(rows),
        "groups": len({r["group"] for r in rows}),
        "reports_with_an_earlier_duplicate": len(with_dup),
        "suggestions": suggested,
        "correct_suggestions": correct,
        "precision_top3": round(correct / suggested, 3) if suggested else None,
        "recall_top3": round(correct / relevant, 3) if relevant else None,
        "top1_hit_rate": round(top1 / len(with_dup), 3) if with_dup else None,
        "false_alarm_rate": round(sum(1 for i in without if found[i]) / len(without), 3)
        if without
        else None,
        "submit_ms_p50": round(1000 * percentile(timings, 50), 2),
        "submit_ms_p95": round(1000 * percentile(timings, 95), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=SET)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = measure(load(args.set))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
