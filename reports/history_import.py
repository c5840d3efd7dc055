"""Reading a city's earlier reports from CSV or XLSX, and checking every row before any is imported.

``suarawarga import reports FILE`` validates the whole file first (this module, no database
writes; the CSV or XLSX format itself is read by ``reports.spreadsheet``), then replays the valid
rows through the use cases (``escalation.history_replay``). The column mapping below is the
documented one (README, ``--help``):

============== ======== ===================================================================
column         required meaning
============== ======== ===================================================================
text           yes      the report as the citizen wrote it
submitted_at   yes      when it was submitted
type           yes      ``pengaduan``/``complaint``, ``aspirasi``/``aspiration``,
                        ``permintaan informasi``/``information request``
status         yes      where it ended up; see :data:`STATUS_WORDS`
agency         for fwd  responsible agency, by code (``pupr``) or by name (``config/agencies.yml``)
forwarded_at   for fwd  when the verifier forwarded it to the agency
answered_at    for ans  when the agency answered
answer         for ans  the agency's answer
closed_at      no       when it was closed or rejected (default: see below)
privacy        no       ``public``/``biasa``, ``anonymous``/``anonim``,
                        ``confidential``/``rahasia``; empty: confidential
location       no       place as text, or ``latitude, longitude``
title          no       short title; default: the start of the text
id             no       the source system's id: the import key (else a hash of the row)
============== ======== ===================================================================

Instants: ISO 8601 with or without offset (``2024-03-05T09:30:00+07:00``, ``2024-03-05 09:30``,
``2024-03-05``); without one they are read in the deployment's zone. XLSX date cells are read as
local instants too. Headers are matched case-insensitively; other columns are ignored.

Why validation is separate and complete: an operator fixing a 12,000-row export wants every bad
row with its line number in one pass, and nothing imported until the file is clean (or they say
``--skip-invalid``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from config.domain_files import UNDECIDED_AGENCY
from reports.enums import Privacy, ReportType
from reports.spreadsheet import FileError, read_table

KEY_MAX = 80


class HistoryStatus(StrEnum):
    """Where an imported report ended up, and so which use cases replay it."""

    RECEIVED = "received"  # submitted, never verified
    FORWARDED = "forwarded"  # verified and forwarded, not answered yet
    ANSWERED = "answered"  # answered; the citizen's window runs (or ran out: auto-closed)
    CLOSED = "closed"  # answered and finished
    REJECTED = "rejected"  # archived by the verifier
    NOT_OUR_AUTHORITY = "not_our_authority"  # archived as outside the government's authority


#: Accepted words per status (lower case, ``_``/``-`` read as spaces), Indonesian and English.
STATUS_WORDS: Final[dict[HistoryStatus, tuple[str, ...]]] = {
    HistoryStatus.RECEIVED: ("received", "submitted", "new", "diterima", "baru", "masuk"),
    HistoryStatus.FORWARDED: (
        "verified", "forwarded", "in progress", "diverifikasi", "diteruskan", "didisposisikan",
        "disposisi", "diproses", "proses",
    ),
    HistoryStatus.ANSWERED: ("answered", "dijawab", "ditindaklanjuti", "tindak lanjut"),
    HistoryStatus.CLOSED: ("closed", "finished", "done", "selesai", "ditutup"),
    HistoryStatus.REJECTED: ("rejected", "archived", "ditolak", "diarsipkan", "arsip"),
    HistoryStatus.NOT_OUR_AUTHORITY: ("not our authority", "bukan wewenang"),
}  # fmt: skip

TYPE_WORDS: Final[dict[ReportType, tuple[str, ...]]] = {
    ReportType.COMPLAINT: ("complaint", "pengaduan", "aduan", "keluhan"),
    ReportType.ASPIRATION: ("aspiration", "aspirasi", "saran", "usulan"),
    ReportType.INFORMATION_REQUEST: (
        "information request", "permintaan informasi", "permintaan konfirmasi",
        "information or confirmation request",
    ),
}  # fmt: skip

PRIVACY_WORDS: Final[dict[Privacy, tuple[str, ...]]] = {
    Privacy.PUBLIC: ("public", "biasa", "publik", "umum"),
    Privacy.ANONYMOUS: ("anonymous", "anonim"),
    Privacy.CONFIDENTIAL: ("confidential", "rahasia"),
}

REQUIRED: Final = ("text", "submitted_at", "type", "status")
OPTIONAL: Final = (
    "agency", "forwarded_at", "answered_at", "answer", "closed_at", "privacy", "location",
    "title", "id",
)  # fmt: skip
#: Statuses whose report went through forwarding / answering.
FORWARDED_OR_LATER: Final = frozenset(
    {HistoryStatus.FORWARDED, HistoryStatus.ANSWERED, HistoryStatus.CLOSED}
)
ANSWERED_OR_LATER: Final = frozenset({HistoryStatus.ANSWERED, HistoryStatus.CLOSED})
CLOSING: Final = frozenset(
    {HistoryStatus.CLOSED, HistoryStatus.REJECTED, HistoryStatus.NOT_OUR_AUTHORITY}
)
_LAT_LON = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def _vocabulary(words: Mapping[Any, tuple[str, ...]]) -> dict[str, Any]:
    return {word: value for value, all_words in words.items() for word in all_words} | {
        str(value).replace("_", " "): value for value in words
    }


_STATUSES = _vocabulary(STATUS_WORDS)
_TYPES = _vocabulary(TYPE_WORDS)
_PRIVACIES = _vocabulary(PRIVACY_WORDS)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One valid row, in the domain's terms, with the line it came from."""

    line: int
    key: str
    text: str
    title: str | None
    report_type: ReportType
    status: HistoryStatus
    submitted_at: datetime
    agency_code: str | None = None
    forwarded_at: datetime | None = None
    answered_at: datetime | None = None
    answer: str | None = None
    closed_at: datetime | None = None
    privacy: Privacy = Privacy.CONFIDENTIAL
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ParsedFile:
    rows: list[HistoryRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: int = 0  # rows identical to an earlier row of the same file
    ignored_columns: list[str] = field(default_factory=list)


# -- values ----------------------------------------------------------------------------------------


def _header(name: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(name or "").strip().lower())


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\x00", "").strip()


def parse_instant(value: Any, tz: ZoneInfo) -> datetime | None:
    """An ISO 8601 text or a spreadsheet date cell as an aware instant; naive means ``tz``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not an ISO 8601 date/time (e.g. 2024-03-05T09:30:00+07:00)"
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _word(value: Any, vocabulary: Mapping[str, Any], what: str) -> Any:
    word = re.sub(r"[\s_\-]+", " ", _text(value).lower())
    if word in vocabulary:
        return vocabulary[word]
    known = ", ".join(sorted({w for w in vocabulary if " " not in w or w.count(" ") < 3}))
    raise ValueError(f"unknown {what} {_text(value)!r} (known: {known})")


def agency_lookup(agencies: Mapping[str, str]) -> dict[str, str]:
    """Code -> name of the deployment's agencies as a lookup by code or by name (lower case)."""
    lookup: dict[str, str] = {}
    for code, name in agencies.items():
        lookup[name.strip().lower()] = code
        lookup[code.strip().lower()] = code
    return lookup


def _row_key(source_id: str, values: Mapping[str, Any]) -> str:
    """The import key: the source id when given (hashed if long), else the row's content hash.

    The hash is over the *parsed* values (instants in UTC, canonical type and status), so the
    same history saved as CSV or as XLSX, or with other spellings of a status, imports once.
    """
    if source_id:
        key = f"id:{source_id}"
        if len(key) <= KEY_MAX:
            return key
        return "id#" + hashlib.sha256(source_id.encode()).hexdigest()
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


# -- the file --------------------------------------------------------------------------------------


def parse_history(
    path: Path, *, agencies: Mapping[str, str], tz: ZoneInfo, now: datetime
) -> ParsedFile:
    """Every row of ``path`` checked: valid rows in file order, bad ones with line and reason.

    ``agencies`` maps the deployment's agency codes to names. ``now`` bounds the instants:
    history cannot be in the future. Raises :class:`FileError` when the file itself is unusable.
    """
    headers, rows = read_table(path)
    names = [_header(h) for h in headers]
    if "source_id" in names and "id" not in names:
        names[names.index("source_id")] = "id"
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise FileError(
            f"{path.name}: missing column(s) {', '.join(missing)}; "
            f"the header row must name at least {', '.join(REQUIRED)}"
        )
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise FileError(f"{path.name}: column(s) named twice: {', '.join(repeated)}")
    known = set(REQUIRED) | set(OPTIONAL)
    result = ParsedFile(
        ignored_columns=[h for h, n in zip(headers, names, strict=True) if n and n not in known]
    )
    lookup = agency_lookup(agencies)
    seen: dict[str, int] = {}
    for line, cells in rows:
        record = {n: (cells[i] if i < len(cells) else None) for i, n in enumerate(names) if n}
        try:
            row = _parse_row(line, record, lookup, tz, now)
        except ValueError as exc:
            result.errors.append(RowError(line, str(exc)))
            continue
        first = seen.get(row.key)
        if first is not None:
            if row.key.startswith("sha256:"):
                result.duplicates += 1  # the very same row twice: one report
            else:
                result.errors.append(RowError(line, f"id already used on line {first}"))
            continue
        seen[row.key] = line
        result.rows.append(row)
    return result


def _parse_row(
    line: int, record: Mapping[str, Any], agencies: Mapping[str, str], tz: ZoneInfo, now: datetime
) -> HistoryRow:
    problems: list[str] = []

    def check(what: str, parse: Any) -> Any:
        try:
            return parse()
        except ValueError as exc:
            problems.append(f"{what}: {exc}")
            return None

    text = _text(record.get("text"))
    if not text:
        problems.append("text: empty")
    report_type = check("type", lambda: _word(record.get("type"), _TYPES, "report type"))
    status = check("status", lambda: _word(record.get("status"), _STATUSES, "status"))
    privacy_raw = _text(record.get("privacy"))
    privacy = (
        check("privacy", lambda: _word(privacy_raw, _PRIVACIES, "privacy"))
        if privacy_raw
        else Privacy.CONFIDENTIAL
    )
    instants = {
        name: check(name, lambda name=name: parse_instant(record.get(name), tz))
        for name in ("submitted_at", "forwarded_at", "answered_at", "closed_at")
    }
    agency_raw = _text(record.get("agency"))
    agency = agencies.get(agency_raw.lower()) if agency_raw else None
    if agency_raw and agency is None:
        problems.append(f"agency: unknown agency {agency_raw!r} (neither a code nor a name)")
    answer = _text(record.get("answer")) or None

    submitted = instants["submitted_at"]
    if submitted is None and "submitted_at" not in " ".join(problems):
        problems.append("submitted_at: empty")
    if status is not None:
        problems += _status_problems(status, instants, agency, agency_raw, answer)
    order = [(n, v) for n, v in instants.items() if v is not None]
    for (earlier, a), (later, b) in itertools.pairwise(order):
        if b < a:
            problems.append(f"{later} ({b.isoformat()}) is before {earlier} ({a.isoformat()})")
    for name, value in order:
        if value > now:
            problems.append(f"{name} ({value.isoformat()}) is in the future")
    if problems:
        raise ValueError("; ".join(problems))
    assert submitted is not None and report_type is not None and status is not None

    location = _text(record.get("location")) or None
    latitude = longitude = None
    match = _LAT_LON.match(location or "")
    if match and abs(float(match[1])) <= 90 and abs(float(match[2])) <= 180:
        latitude, longitude, location = float(match[1]), float(match[2]), None
    title = _text(record.get("title")) or None
    canonical = {
        "text": text, "title": title, "type": report_type.value, "status": status.value,
        "agency": agency, "answer": answer, "privacy": privacy.value, "location": location,
        "latitude": latitude, "longitude": longitude,
        **{n: v.astimezone(UTC).isoformat() if v else None for n, v in instants.items()},
    }  # fmt: skip
    return HistoryRow(
        line=line,
        key=_row_key(_text(record.get("id")), canonical),
        text=text,
        title=title,
        report_type=report_type,
        status=status,
        submitted_at=submitted,
        agency_code=agency,
        forwarded_at=instants["forwarded_at"],
        answered_at=instants["answered_at"],
        answer=answer,
        closed_at=instants["closed_at"],
        privacy=privacy,
        location_text=location,
        latitude=latitude,
        longitude=longitude,
    )


def _status_problems(
    status: HistoryStatus,
    instants: Mapping[str, datetime | None],
    agency: str | None,
    agency_raw: str,
    answer: str | None,
) -> list[str]:
    """What ``status`` needs (and forbids) of the other columns, so the replay cannot fail."""
    problems: list[str] = []
    needs_forward = status in FORWARDED_OR_LATER
    needs_answer = status in ANSWERED_OR_LATER
    if needs_forward:
        if instants["forwarded_at"] is None:
            problems.append(f"status {status.value}: forwarded_at is empty")
        if not agency_raw:
            problems.append(f"status {status.value}: agency is empty")
        elif agency == UNDECIDED_AGENCY:
            problems.append(f"status {status.value}: agency {agency_raw!r} is not a real agency")
    elif instants["forwarded_at"] is not None:
        problems.append(f"status {status.value}: a report never forwarded has no forwarded_at")
    if needs_answer:
        if instants["answered_at"] is None:
            problems.append(f"status {status.value}: answered_at is empty")
        if not answer:
            problems.append(f"status {status.value}: answer is empty")
    elif instants["answered_at"] is not None:
        problems.append(f"status {status.value}: a report never answered has no answered_at")
    if status not in CLOSING and instants["closed_at"] is not None:
        problems.append(f"status {status.value}: an open report has no closed_at")
    return problems
