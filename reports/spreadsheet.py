"""A CSV or XLSX file as its header row and numbered rows of cells: the file format only.

Why apart from ``reports.history_import``: what a file's bytes are (a UTF-8 CSV with a BOM from a
spreadsheet, ``;`` or tab separators, an XLSX workbook) is a different question from what a row
means for a report. The importer asks for cells with their line numbers, so its messages can
name the line an operator sees in their spreadsheet, and never looks at the format again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class FileError(ValueError):
    """The file as a whole cannot be read (format, missing columns); no row is looked at."""


def read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Headers and ``(line number, cells)`` of a CSV or XLSX file (blank rows skipped)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path)
    raise FileError(f"{path.name}: expected a .csv or .xlsx file")


def _read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
        sample = handle.read(64_000)
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(f"{path.name}: cannot read ({exc}); save it as UTF-8 CSV") from None
    handle.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(handle, dialect)
    try:
        headers = next(reader)
    except StopIteration:
        handle.close()
        raise FileError(f"{path.name}: the file is empty") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with handle:
            start = reader.line_num + 1
            try:
                for cells in reader:
                    if any(c.strip() for c in cells):
                        yield start, cells
                    start = reader.line_num + 1
            except (csv.Error, UnicodeDecodeError) as exc:
                raise FileError(f"{path.name}: line {start}: {exc}") from None

    return headers, rows()


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise FileError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    try:
        headers = [str(c) if c is not None else "" for c in next(lines)]
    except StopIteration:
        book.close()
        raise FileError(f"{path.name}: the first sheet is empty") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(lines, start=2):
                if any(c is not None and str(c).strip() for c in cells):
                    yield number, list(cells)
        finally:
            book.close()

    return headers, rows()
