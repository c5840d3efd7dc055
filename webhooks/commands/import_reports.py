"""``suarawarga import reports FILE``: bring a city's earlier reports into SuaraWarga.

Mounted lazily by the main CLI (``webhooks/cli.py``). Validation first (every bad row with its line
number), then one transaction (``escalation.history_replay``); a progress bar on stderr when it
is a terminal.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Bring in data from another system.", no_args_is_help=True, pretty_exceptions_enable=False
)

#: Shown by ``--help``; the same mapping as ``reports.history_import`` and the README.
MAPPING_HELP = """Import a city's earlier reports from a CSV or XLSX file (first sheet).

\b
Columns (header row, any order, case-insensitive; others ignored):
  text          required  the report as the citizen wrote it
  submitted_at  required  when it was submitted
  type          required  pengaduan|complaint, aspirasi|aspiration,
                          permintaan informasi|information request
  status        required  received (diterima, baru), forwarded (verified,
                          diverifikasi, diteruskan, diproses), answered
                          (dijawab, ditindaklanjuti), closed (finished,
                          selesai), rejected (archived, ditolak),
                          not our authority (bukan wewenang)
  agency        forwarded+  agency code or name (config/agencies.yml)
  forwarded_at  forwarded+  when the verifier forwarded it
  answered_at   answered+   when the agency answered
  answer        answered+   the agency's answer
  closed_at     optional  when closed/rejected (default: closed = end of the
                          citizen's window, rejected = on submission)
  privacy       optional  public|biasa, anonymous|anonim,
                          confidential|rahasia (empty: confidential)
  location      optional  place, or "latitude, longitude"
  title         optional  default: the start of the text
  id            optional  source id: the import key (else a hash of the row)

\b
Dates: ISO 8601 (2024-03-05T09:30:00+07:00, 2024-03-05 09:30, 2024-03-05);
without an offset in SUARAWARGA_TIMEZONE. XLSX date cells are read the same.

\b
Each report is replayed through the lifecycle with its own dates, so
its deadlines, breaches, escalations and auto-close are what SuaraWarga
would have recorded; nobody is notified. The whole file is checked
first: any bad row (listed with its line number) stops the import
unless --skip-invalid. The import is one transaction: interrupted, it
leaves nothing behind. Rows imported before (same id, or same content)
are skipped, so running it twice changes nothing. Verified imports feed
`suarawarga nlu train --from-db`.
"""


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


@app.command("reports", help=MAPPING_HELP)
def import_reports(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="A .csv or .xlsx file."),
    ],
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows and list the bad ones.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only check the file; import nothing.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    now: Annotated[
        str | None,
        typer.Option(help="Import as of this instant (ISO 8601); default: the current time."),
    ] = None,
) -> None:
    from tqdm import tqdm

    from config.domain_files import load_agencies
    from escalation.history_replay import ImportFailed, import_history
    from reports.history_import import parse_history
    from reports.spreadsheet import FileError
    from reports.staff import sync_agencies
    from webhooks.commands.common import parse_instant, runtime

    rt = runtime()
    at = parse_instant(now) if now else datetime.now(UTC)
    agencies = load_agencies(rt.settings.agencies_file)
    try:
        parsed = parse_history(
            file, agencies={a.code: a.name for a in agencies}, tz=rt.settings.tz, now=at
        )
    except FileError as exc:
        _fail(str(exc))
    if parsed.ignored_columns:
        typer.echo(f"ignored columns: {', '.join(parsed.ignored_columns)}", err=True)
    for error in parsed.errors:
        typer.echo(f"{file.name}: {error}", err=True)
    invalid = len(parsed.errors)
    if invalid and not skip_invalid:
        _fail(
            f"{invalid} invalid row(s); nothing imported (fix them, or --skip-invalid to import "
            f"the {len(parsed.rows)} valid row(s))",
            code=2,
        )
    if dry_run:
        typer.echo(
            f"checked: {len(parsed.rows)} valid, {invalid} invalid, "
            f"{parsed.duplicates} duplicate row(s); nothing imported (--dry-run)"
        )
        return
    with rt.sessions() as db, db.begin():
        sync_agencies(db, agencies)
    show = not quiet and sys.stderr.isatty()
    bar: Any = tqdm(total=len(parsed.rows), desc="importing", unit="report", disable=not show)
    try:
        summary = import_history(
            rt.sessions, clock=rt.clock, rows=parsed.rows, now=at, skip_invalid=skip_invalid,
            progress=bar.update,
        )  # fmt: skip
    except ImportFailed as exc:
        bar.close()
        _fail(f"{file.name}: {exc}; nothing imported", code=2)
    bar.close()
    for error in summary.errors:
        typer.echo(f"{file.name}: {error}", err=True)
    typer.echo(
        f"imported {summary.imported}, skipped {summary.already_imported} already imported"
        f"{f' and {parsed.duplicates} duplicate row(s)' if parsed.duplicates else ''}, "
        f"invalid {invalid + summary.invalid}"
    )
