"""A realistic history of a city's reports, as the CSV or XLSX a city would bring to SuaraWarga.

Deterministic for a seed. Texts are the written citizen-style routing examples
(``nlu/data/routing.yml``) with a place and a small variation appended, so the routing labels
are plausible; agencies are given by code or by name, statuses and types in Indonesian or English,
instants with or without an offset, as real exports mix them. Timings follow the LAPOR! flow with
some late verifications and late answers (so the import has breaches and escalations to record),
some rejections, and the most recent reports still open.

    python -m benchmarks.importer.generate 12000 /tmp/history.csv [--seed 7] [--end ISO]
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from config.domain_files import load_agencies
from config.settings import CONFIG_DIR
from nlu.dataset import DATA_DIR, read_rasa_yaml

COLUMNS = (
    "id", "text", "submitted_at", "type", "agency", "status", "forwarded_at", "answered_at",
    "answer", "closed_at", "privacy", "location",
)  # fmt: skip
TZ = ZoneInfo("Asia/Jakarta")
STATUS = [("closed", 58), ("answered", 6), ("forwarded", 8), ("received", 5), ("rejected", 20),
          ("not_our_authority", 3)]  # fmt: skip
STATUS_WORDS = {
    "closed": ("closed", "selesai", "finished"),
    "answered": ("answered", "ditindaklanjuti"),
    "forwarded": ("forwarded", "diteruskan", "verified"),
    "received": ("received", "diterima"),
    "rejected": ("rejected", "ditolak"),
    "not_our_authority": ("bukan wewenang", "not our authority"),
}
TYPES = [(("pengaduan", "complaint"), 72), (("aspirasi", "aspiration"), 14),
         (("permintaan informasi", "information request"), 14)]  # fmt: skip
PRIVACY = [(("public", "biasa", ""), 70), (("anonymous", "anonim"), 20),
           (("confidential", "rahasia"), 10)]  # fmt: skip
PLACES = [
    "Kel. Sukamaju", "RT 03 RW 05", "Jl. Melati", "Kec. Tengah", "dekat pasar induk",
    "depan SDN 4", "Perumahan Griya Asri", "Jl. Ahmad Yani km 3", "Desa Karanganyar",
]  # fmt: skip
ANSWERS = [
    "Terima kasih atas laporannya. Tim kami sudah meninjau lokasi dan perbaikan dijadwalkan "
    "minggu ini.",
    "Laporan sudah kami tindak lanjuti; petugas telah menangani di lapangan.",
    "Informasi yang Bapak/Ibu minta: persyaratan dapat dilihat di laman resmi dinas, "
    "layanan gratis.",
    "Usulan diterima dan akan dibahas dalam musrenbang kecamatan tahun depan.",
]  # fmt: skip


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _office_time(rng: random.Random, day: datetime) -> datetime:
    local = day.astimezone(TZ).replace(hour=rng.randint(7, 20), minute=rng.randint(0, 59),
                                       second=rng.randint(0, 59), microsecond=0)  # fmt: skip
    return local


def _show(rng: random.Random, instant: datetime) -> str:
    """As exports write dates: naive local, with an offset, or in UTC."""
    style = rng.random()
    if style < 0.6:
        return instant.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")
    if style < 0.9:
        return instant.astimezone(TZ).isoformat()
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def generate(
    n: int, *, seed: int = 7, end: datetime | None = None, span_days: int = 730
) -> list[dict[str, Any]]:
    """``n`` rows (dicts of ``COLUMNS``) submitted over ``span_days`` before ``end``, oldest first.

    Instants are datetimes (write them with :func:`write_csv` or :func:`write_xlsx`).
    """
    rng = random.Random(seed)
    end = end or datetime.now(UTC)
    examples = [e for e in read_rasa_yaml(DATA_DIR / "routing.yml")]
    names = {a.code: a.name for a in load_agencies(CONFIG_DIR / "agencies.yml")}
    rows: list[dict[str, Any]] = []
    submitted_all = sorted(
        _office_time(rng, end - timedelta(days=rng.uniform(1, span_days))) for _ in range(n)
    )
    for i, submitted in enumerate(submitted_all, start=1):
        example = rng.choice(examples)
        status = _pick(rng, STATUS)
        verify = timedelta(hours=rng.uniform(1, 60)) if rng.random() < 0.8 else timedelta(
            days=rng.uniform(4, 14))  # fmt: skip
        forwarded = submitted + verify
        respond = timedelta(days=rng.uniform(0.2, 6)) if rng.random() < 0.75 else timedelta(
            days=rng.uniform(7, 25))  # fmt: skip
        answered = forwarded + respond
        closed = answered + timedelta(days=rng.uniform(0.1, 8))
        if status in ("closed", "answered") and answered > end:
            status = "forwarded"
        if status == "forwarded" and forwarded > end:
            status = "received"
        row: dict[str, Any] = {c: "" for c in COLUMNS}
        row.update(
            id=f"LPR-{seed}-{i:07d}",
            text=f"{example.text} ({rng.choice(PLACES)}, laporan {i})",
            submitted_at=submitted,
            type=rng.choice(_pick(rng, TYPES)),
            status=rng.choice(STATUS_WORDS[status]),
            privacy=rng.choice(_pick(rng, PRIVACY)),
            location=rng.choice(PLACES) if rng.random() < 0.5 else
            f"{-6.2 - rng.random() / 10:.5f}, {106.8 + rng.random() / 10:.5f}",
        )  # fmt: skip
        agency = example.label
        if status in ("closed", "answered", "forwarded") or rng.random() < 0.3:
            row["agency"] = names[agency] if rng.random() < 0.3 else agency
        if status in ("closed", "answered", "forwarded"):
            row["forwarded_at"] = forwarded
        if status in ("closed", "answered"):
            row["answered_at"] = answered
            row["answer"] = rng.choice(ANSWERS)
        if status == "closed" and rng.random() < 0.5 and closed <= end:
            row["closed_at"] = closed
        if status in ("rejected", "not_our_authority") and rng.random() < 0.7:
            at = submitted + timedelta(hours=rng.uniform(1, 100))
            row["closed_at"] = at if at <= end else ""
        rows.append(row)
    return rows


def write_csv(path: Path, rows: Sequence[dict[str, Any]], *, seed: int = 7) -> Path:
    rng = random.Random(seed + 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: _show(rng, v) if isinstance(v, datetime) else v for k, v in row.items()}
            )
    return path


def write_xlsx(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """Instants as real date cells (naive local time, as spreadsheets hold them)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("laporan")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(
            [
                row[c].astimezone(TZ).replace(tzinfo=None) if isinstance(row[c], datetime)
                else row[c]
                for c in COLUMNS
            ]
        )  # fmt: skip
    book.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", help="ISO 8601 instant the history ends at (default: now)")
    args = parser.parse_args()
    end = datetime.fromisoformat(args.end) if args.end else None
    rows = generate(args.n, seed=args.seed, end=end)
    if args.out.suffix == ".xlsx":
        write_xlsx(args.out, rows)
    else:
        write_csv(args.out, rows, seed=args.seed)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
