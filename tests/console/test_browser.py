"""Browser tests: the real app under uvicorn, Debian's Chromium driven by Playwright.

A day in the console: the verifier forwards reports (one click on the NLU suggestion, and the full
form), the agency officer answers one, the manager sees it on the dashboard and exports CSV.
Screenshots of the main pages go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reports.citizen_cases import NluSuggestion
from reports.demo import STAFF, seed
from reports.enums import Channel, Privacy
from reports.runtime import Runtime
from tests import factories
from tests.console.browser import VIEWPORTS, new_page, serve_site, shot, sign_in

pytestmark = pytest.mark.browser

NLU_TITLE = "Lampu lalu lintas mati di simpang Pasar Baru"
UNSURE_TITLE = "Genangan air di depan Puskesmas Melati"


def _seed(db: Session, runtime: Runtime) -> None:
    """The demo data, its accounts made first by ``factories.staff`` (so the demo keeps them:
    a cheap hash of ``factories.PASSWORD``), and two reports with an NLU suggestion."""
    clock, now = runtime.clock, datetime.now(UTC)
    for username, name, role, agency in STAFF:
        factories.staff(db, role, now, agency, username, full_name=name)
    seed(db, clock=clock, now=now, password=factories.PASSWORD)
    citizen = factories.citizen(db, now, Channel.TELEGRAM, "browser-warga")
    factories.report(
        db, clock, now, who=citizen, title=NLU_TITLE, privacy=Privacy.ANONYMOUS,
        body="Lampu lalu lintas di simpang Pasar Baru mati sejak kemarin, rawan tabrakan.",
        location_text="Simpang Pasar Baru", latitude=-6.21, longitude=106.82,
        nlu=NluSuggestion(type="complaint", type_confidence=0.88,
                          agency_code="pupr", agency_confidence=0.81),
    )  # fmt: skip
    factories.report(
        db, clock, now, who=citizen, title=UNSURE_TITLE,
        body="Air menggenang di depan Puskesmas Melati tiap hujan, pasien kesulitan masuk.",
        nlu=NluSuggestion(type="complaint", type_confidence=0.9,
                          agency_code="kesehatan", agency_confidence=0.28),
    )  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_site(tmp_path_factory.mktemp("browser") / "var", _seed) as (base, _):
        yield base


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    page = new_page(browser, server, VIEWPORTS["desktop"], accept_downloads=True)
    yield page
    page.context.close()


def test_a_day_in_the_console(page: Any) -> None:
    # -- verifier: one click on the NLU suggestion, then the full form on another report --------
    sign_in(page, "verifikator")
    assert page.url.endswith("/console/queue")
    row = page.locator("tr[data-row]", has_text=NLU_TITLE)
    assert "Dinas Pekerjaan Umum" in row.inner_text() and "keyakinan 81%" in row.inner_text()
    # Below the one-click threshold (80%): the suggestion by name, no accept button.
    unsure = page.locator("tr[data-row]", has_text=UNSURE_TITLE)
    assert "Dinas Kesehatan" in unsure.inner_text() and "keyakinan 28%" in unsure.inner_text()
    assert unsure.locator("button[data-accept]").count() == 0
    assert unsure.get_by_role("link", name="Pilih instansi").count() == 1
    shot(page, "01-verifier-queue")
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
    shot(page, "02-verifier-report")
    form.get_by_role("button", name="Verifikasi & teruskan").click()
    page.wait_for_selector("p.flash")
    assert "Diverifikasi dan diteruskan" in page.inner_text("#timeline")

    # -- agency officer: answer the report forwarded with one click ----------------------------
    sign_in(page, "pupr.petugas")
    assert page.url.endswith("/console/inbox")
    shot(page, "03-agency-inbox")
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
    shot(page, "04-agency-report-answered")

    # -- manager: the dashboard shows it; CSV export -------------------------------------------
    sign_in(page, "manajer")
    assert page.url.endswith("/console/dashboard")
    answered = page.locator("#open-by-stage td[data-status='answered']").inner_text()
    assert int(answered) == 2  # the demo's answered report + the one just answered
    assert page.locator("#open-by-stage svg.chart rect").count() == 4
    shot(page, "05-manager-dashboard")
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    download = info.value
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert download.suggested_filename.endswith(".csv")
    assert "Laporan terbuka per tahap" in content and "Sudah ditindaklanjuti,2" in content
    # read-only: no action forms on a report, and the queue is refused
    page.goto("/console/queue")
    assert "Peran Anda tidak mengizinkan" in page.content()


def test_language_switch_and_keyboard_queue(page: Any) -> None:
    sign_in(page, "verifikator")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Verification queue"
    page.keyboard.press("j")
    first = page.locator("tr[data-row]").first
    assert "current" in (first.get_attribute("class") or "")
    page.keyboard.press("o")
    page.wait_for_url("**/console/reports/SW-*")
    assert "Timeline" in page.content()
    shot(page, "06-report-english")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    page.wait_for_selector("h1")
    assert "Laporan SW-" in page.inner_text("h1")


def test_web_chat_keeps_both_sides_across_a_reload(page: Any) -> None:
    """The citizen's own lines are kept by the browser and put back in order after a reload."""
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
    shot(page, "web-chat-after-reload")


@pytest.mark.parametrize("tag", list(VIEWPORTS))
def test_assign_and_search_on_phone_and_desktop(browser: Any, server: str, tag: str) -> None:
    """The head assigns a report to an officer, who finds it under "Tugas saya" and by searching;
    on a phone the lists fit the screen (no sideways scroll) with the due column showing."""
    viewport = VIEWPORTS[tag]
    page = new_page(browser, server, viewport)
    try:
        sign_in(page, "pupr.kepala")
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

        sign_in(page, "pupr.petugas")
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
        shot(page, f"07-inbox-mine-{tag}")

        page.goto("/console/reports")
        page.get_by_label("Cari").fill("saluran mampet")
        page.get_by_role("button", name="Terapkan").click()
        page.wait_for_url("**q=saluran*")
        assert page.locator("tr[data-row]").count() == 1
        assert "Drainase mampet" in page.inner_text("tr[data-row]")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        shot(page, f"08-search-{tag}")
        # Another agency's report is not found by its words.
        page.get_by_label("Cari").fill("sampah menumpuk")
        page.get_by_role("button", name="Terapkan").click()
        page.wait_for_url("**q=sampah*")
        assert page.locator("tr[data-row]").count() == 0
        # ... nor by its address: the console's own 404 page.
        page.goto("/console/reports/SW-0000-0000")
        assert "Laporan tidak ditemukan" in page.inner_text("p.flash")
    finally:
        page.context.close()
