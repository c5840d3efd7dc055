"""Browser tests: the real app under uvicorn, Debian's Chromium driven by Playwright.

A day in the console: the verifier forwards reports (one click on the NLU suggestion, and the full
form), the agency officer answers one, the manager sees it on the dashboard and exports CSV.
Screenshots of the main pages go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from config.domain_files import load_agencies
from config.settings import Settings
from reports import citizen_cases
from reports.demo import STAFF, seed
from reports.enums import Channel, Privacy, ReportType
from reports.migrate import upgrade
from reports.models import Agency, StaffAddress, StaffUser
from reports.staff import sync_agencies
from webhooks.runtime import build_runtime

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "screenshots"
PASSWORD = "demo-password-123"
NLU_TITLE = "Lampu lalu lintas mati di simpang Pasar Baru"
UNSURE_TITLE = "Genangan air di depan Puskesmas Melati"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for candidate in (os.environ.get("SUARAWARGA_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):  # fmt: skip
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(settings: Settings) -> None:
    """Demo data, with the demo accounts' password hashed cheaply (the real argon2 code path)."""
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    now = datetime.now(UTC)
    try:
        with runtime.sessions() as db, db.begin():
            sync_agencies(db, load_agencies(settings.agencies_file))
            agencies = {a.code: a.id for a in db.scalars(select(Agency))}
            for username, name, role, agency in STAFF:
                user = StaffUser(
                    username=username, full_name=name, password_hash=cheap, role=role,
                    agency_id=agencies[agency] if agency else None, language="id", active=True,
                    failed_logins=0, created_at=now,
                )  # fmt: skip
                user.addresses = [StaffAddress(channel=Channel.EMAIL, address=f"{username}@x.test")]
                db.add(user)
            db.flush()
            seed(db, clock=runtime.clock, now=now, password=PASSWORD)
            citizen = citizen_cases.get_or_create_citizen(
                db, channel=Channel.TELEGRAM, external_id="browser-warga", now=now
            )
            citizen_cases.submit_report(
                db, clock=runtime.clock, citizen=citizen, channel=Channel.TELEGRAM,
                report_type=ReportType.COMPLAINT, title=NLU_TITLE, privacy=Privacy.ANONYMOUS,
                body="Lampu lalu lintas di simpang Pasar Baru mati sejak kemarin, rawan tabrakan.",
                now=now, location_text="Simpang Pasar Baru", latitude=-6.21, longitude=106.82,
                nlu=citizen_cases.NluSuggestion(type="complaint", type_confidence=0.88,
                                          agency_code="pupr", agency_confidence=0.81),
            )  # fmt: skip
            citizen_cases.submit_report(
                db, clock=runtime.clock, citizen=citizen, channel=Channel.TELEGRAM,
                report_type=ReportType.COMPLAINT, title=UNSURE_TITLE, now=now,
                body="Air menggenang di depan Puskesmas Melati tiap hujan, pasien kesulitan masuk.",
                nlu=citizen_cases.NluSuggestion(type="complaint", type_confidence=0.9,
                                          agency_code="kesehatan", agency_confidence=0.28),
            )  # fmt: skip
    finally:
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("browser") / "var"
    env = {
        **os.environ,
        "SUARAWARGA_DATA_DIR": str(data_dir),
        "SUARAWARGA_DATABASE_URL": f"sqlite:///{data_dir / 'suarawarga.sqlite3'}",
        "SUARAWARGA_ENVIRONMENT": "test",
        "SUARAWARGA_RUN_SCHEDULER_IN_PROCESS": "false",
        "SUARAWARGA_RUN_WORKER_IN_PROCESS": "false",
        "SUARAWARGA_SESSION_SECRET": "browser-test-secret-" + "y" * 32,
    }
    _seed(Settings(data_dir=data_dir, database_url=env["SUARAWARGA_DATABASE_URL"]))
    port = _free_port()
    log = (data_dir / "uvicorn.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "webhooks.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/console/login", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((data_dir / "uvicorn.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required on CI (.ci/run installs Debian's chromium)")
        pytest.skip("Chromium not found: apt-get install chromium (or set SUARAWARGA_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def _sign_in(page: Any, username: str) -> None:
    page.goto("/console/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("p.flash")


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_day_in_the_console(new_page: Any) -> None:
    page = new_page
    # -- verifier: one click on the NLU suggestion, then the full form on another report --------
    _sign_in(page, "verifikator")
    assert page.url.endswith("/console/queue")
    row = page.locator("tr[data-row]", has_text=NLU_TITLE)
    assert "Dinas Pekerjaan Umum" in row.inner_text() and "keyakinan 81%" in row.inner_text()
    # Below the one-click threshold (80%): the suggestion by name, no accept button.
    unsure = page.locator("tr[data-row]", has_text=UNSURE_TITLE)
    assert "Dinas Kesehatan" in unsure.inner_text() and "keyakinan 28%" in unsure.inner_text()
    assert unsure.locator("button[data-accept]").count() == 0
    assert unsure.get_by_role("link", name="Pilih instansi").count() == 1
    _shot(page, "01-verifier-queue")
    row.get_by_role("button", name="Terima saran & teruskan").click()
    page.wait_for_selector("p.flash")
    assert "diverifikasi dan diteruskan ke Dinas Pekerjaan Umum" in page.inner_text("p.flash")
    assert page.locator("tr[data-row]", has_text=NLU_TITLE).count() == 0

    page.get_by_role("link", name="Semua laporan").click()
    page.locator("tr[data-row]", has_text="Jalan berlubang di Jl. Melati").get_by_role(
        "link"
    ).first.click()
    form = page.locator("form[action$='/actions/verify_forward']")
    form.get_by_label("Instansi").select_option("pupr")
    form.get_by_label("Kategori").fill("Jalan dan jembatan")
    _shot(page, "02-verifier-report")
    form.get_by_role("button", name="Verifikasi & teruskan").click()
    page.wait_for_selector("p.flash")
    assert "Diverifikasi dan diteruskan" in page.inner_text("#timeline")

    # -- agency officer: answer the report forwarded with one click ----------------------------
    page.context.clear_cookies()
    _sign_in(page, "pupr.petugas")
    assert page.url.endswith("/console/inbox")
    _shot(page, "03-agency-inbox")
    page.get_by_role("link", name=page.locator("tr[data-row]", has_text=NLU_TITLE)
                     .locator("a[data-open]").inner_text()).click()  # fmt: skip
    assert "Identitas pelapor dirahasiakan" in page.inner_text("#reporter")  # anonymous
    assert "Tepat waktu" in page.inner_text("#due-clock")
    page.get_by_label("Jawaban (tindak lanjut)").fill(
        "Petugas sudah memperbaiki lampu lalu lintas pada pukul 14.00. Terima kasih."
    )
    page.get_by_role("button", name="Kirim jawaban ke pelapor").click()
    page.wait_for_selector("p.flash")
    assert "dikirim ke pelapor" in page.inner_text("p.flash")
    assert "Dijawab instansi" in page.inner_text("#timeline")
    assert "Petugas sudah memperbaiki" in page.inner_text(".thread")
    _shot(page, "04-agency-report-answered")

    # -- manager: the dashboard shows it; CSV export -------------------------------------------
    page.context.clear_cookies()
    _sign_in(page, "manajer")
    assert page.url.endswith("/console/dashboard")
    answered = page.locator("#open-by-stage td[data-status='answered']").inner_text()
    assert int(answered) == 2  # the demo's answered report + the one just answered
    assert page.locator("#open-by-stage svg.chart rect").count() == 4
    _shot(page, "05-manager-dashboard")
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    download = info.value
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert download.suggested_filename.endswith(".csv")
    assert "Laporan terbuka per tahap" in content and "Sudah ditindaklanjuti,2" in content
    # read-only: no action forms on a report, and the queue is refused
    page.goto("/console/queue")
    assert "Peran Anda tidak mengizinkan" in page.content()


def test_language_switch_and_keyboard_queue(new_page: Any) -> None:
    page = new_page
    _sign_in(page, "verifikator")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Verification queue"
    page.keyboard.press("j")
    first = page.locator("tr[data-row]").first
    assert "current" in (first.get_attribute("class") or "")
    page.keyboard.press("o")
    page.wait_for_url("**/console/reports/SW-*")
    assert "Timeline" in page.content()
    _shot(page, "06-report-english")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    page.wait_for_selector("h1")
    assert "Laporan SW-" in page.inner_text("h1")


def test_web_chat_keeps_both_sides_across_a_reload(new_page: Any) -> None:
    """The citizen's own lines are kept by the browser and put back in order after a reload."""
    page = new_page
    page.goto("/chat")
    page.wait_for_selector(".msg.bot")  # the page greets on its own ("halo")
    story = "Lampu jalan di Jl. Kenanga No. 4 mati sudah dua minggu, gelap dan rawan"
    page.fill("#text", story)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.msg.bot').length >= 2")
    before = page.locator("#log .msg").all_inner_texts()
    page.reload()
    page.wait_for_function(f"document.querySelectorAll('#log .msg').length >= {len(before)}")
    after = page.locator("#log .msg").all_inner_texts()
    assert after == before
    mine = page.locator("#log .msg.me").all_inner_texts()
    assert mine == ["halo", story]
    assert after.index(story) == after.index(mine[0]) + 2  # greeting reply, then the story
    _shot(page, "web-chat-after-reload")


@pytest.mark.parametrize(
    "viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}]
)
def test_assign_and_search_on_phone_and_desktop(browser: Any, server: str, viewport: Any) -> None:
    """The head assigns a report to an officer, who finds it under "Tugas saya" and by searching;
    on a phone the lists fit the screen (no sideways scroll) with the due column showing."""
    context = browser.new_context(base_url=server, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    phone = viewport["width"] < 600
    tag = "phone" if phone else "desktop"
    try:
        _sign_in(page, "pupr.kepala")
        page.goto("/console/inbox?view=unassigned")
        row = page.locator("tr[data-row]", has_text="Drainase mampet")
        if row.count() == 0:  # the other viewport's run assigned it already: release it
            page.goto("/console/inbox?view=all")
            row = page.locator("tr[data-row]", has_text="Drainase mampet")
        row.locator("a[data-open]").click()
        form = page.locator("#assign-form")
        form.get_by_label("Ditangani oleh").select_option(label="Agus (Dinas PUPR)")
        form.get_by_role("button", name="Tugaskan").click()
        page.wait_for_selector("p.flash")
        assert "Agus (Dinas PUPR)" in page.inner_text("#assignee")
        assert "Penugasan petugas diubah" in page.inner_text("#timeline")

        page.context.clear_cookies()
        _sign_in(page, "pupr.petugas")
        page.get_by_role("link", name="Tugas saya").click()
        page.wait_for_url("**view=mine")
        mine = page.locator("tr[data-row]", has_text="Drainase mampet")
        assert mine.count() == 1
        due = mine.locator(".due")
        assert (
            due.is_visible()
            and due.bounding_box()["x"] + due.bounding_box()["width"] <= (viewport["width"])
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        code = mine.locator("a[data-open]")
        assert code.bounding_box()["height"] < 30  # one line: the code never wraps
        _shot(page, f"07-inbox-mine-{tag}")

        page.goto("/console/reports")
        page.get_by_label("Cari").fill("saluran mampet")
        page.get_by_role("button", name="Terapkan").click()
        page.wait_for_url("**q=saluran*")
        assert page.locator("tr[data-row]").count() == 1
        assert "Drainase mampet" in page.inner_text("tr[data-row]")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        _shot(page, f"08-search-{tag}")
        # Another agency's report is not found by its words.
        page.get_by_label("Cari").fill("sampah menumpuk")
        page.get_by_role("button", name="Terapkan").click()
        page.wait_for_url("**q=sampah*")
        assert page.locator("tr[data-row]").count() == 0
        # ... nor by its address: the console's own 404 page.
        page.goto("/console/reports/SW-0000-0000")
        assert "Laporan tidak ditemukan" in page.inner_text("p.flash")
    finally:
        context.close()
