"""``suarawarga chat`` with piped stdin (no TTY), as a newcomer would try it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.settings import get_settings
from webhooks.cli import app

runner = CliRunner()
STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SUARAWARGA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SUARAWARGA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_terminal_chat_files_a_report_from_piped_lines(data_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    lines = ["halo", STORY, "lewati", "1", "ya", "status", "/quit", "never read"]
    result = runner.invoke(app, ["chat", "--as", "demo1"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "bot> Halo! Saya SuaraWarga" in out
    assert "[1] Buat laporan" in out
    assert "Kerahasiaan: biasa" in out  # "1" pressed the first privacy button
    code = re.search(r"dengan kode (SW-[0-9A-Z]{4}-[0-9A-Z]{4})", out)
    assert code is not None
    assert f"{code.group(1)} - Jalan di Jl. Melati" in out  # the status listing
    assert "never read" not in out
    # Talking again as the same contact continues the same conversation; nothing is repeated.
    again = runner.invoke(app, ["chat", "--as", "demo1"], input="cek " + code.group(1) + "\n")
    assert again.exit_code == 0
    assert again.output.count("bot>") == 1 and "Menunggu verifikasi" in again.output


def test_terminal_chat_without_a_database_explains_what_to_do(data_dir: Path) -> None:
    result = runner.invoke(app, ["chat"], input="halo\n")
    assert result.exit_code == 1
    assert "suarawarga db upgrade" in result.output
