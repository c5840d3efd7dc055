"""Browser tests of what a citizen opens: the tracking page and the web chat's files and places.

The real app under uvicorn, Debian's Chromium driven by Playwright, on a phone-sized and a
desktop viewport. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from config.domain_files import load_agencies
from config.settings import Settings
from reports import attachments, citizen_cases, staff_cases
from reports.case_steps import Actor
from reports.enums import Channel, Privacy, ReportType, Role
from reports.migrate import upgrade
from reports.models import Agency, StaffUser
from reports.staff import sync_agencies
from tests.console.test_browser import CHROMIUM_ARGS, _chromium, _free_port
from webhooks.runtime import build_runtime

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
#: A real 1x1 PNG and a minimal PDF: the server checks the bytes, not the names.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPORTER = "Bu Siti Rahasia"


def _seed(settings: Settings) -> dict[str, str]:
    """A late, answered public report with a photo, and a confidential one: name -> code."""
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    t0 = datetime.now(UTC) - timedelta(days=60)
    codes: dict[str, str] = {}
    try:
        with runtime.sessions() as db, db.begin():
            sync_agencies(db, load_agencies(settings.agencies_file))
            pupr = db.scalar(select(Agency.id).where(Agency.code == "pupr"))
            staff = {}
            for name, role, agency in (("v", Role.VERIFIER, None), ("o", Role.OFFICER, pupr)):
                user = StaffUser(
                    username=name, full_name=name, password_hash="x", role=role,
                    agency_id=agency, language="id", active=True, failed_logins=0, created_at=t0,
                )  # fmt: skip
                db.add(user)
                staff[name] = user
            db.flush()
            for name, privacy in (("public", Privacy.PUBLIC), ("secret", Privacy.CONFIDENTIAL)):
                citizen = citizen_cases.get_or_create_citizen(
                    db, channel=Channel.TELEGRAM, external_id=f"tg-{name}", now=t0
                )
                citizen.display_name = REPORTER
                report = citizen_cases.submit_report(
                    db, clock=runtime.clock, citizen=citizen, channel=Channel.TELEGRAM,
                    report_type=ReportType.COMPLAINT, title=f"Jalan berlubang ({name})",
                    body="Lubang besar di depan SD", privacy=privacy, now=t0,
                )  # fmt: skip
                attachments.store(
                    db, root=settings.attachments_dir, data=PNG, content_type="image/png",
                    filename="foto.png", citizen_id=citizen.id, now=t0, report_id=report.id,
                )  # fmt: skip
                staff_cases.verify_and_forward(
                    db, clock=runtime.clock, report=report, actor=Actor.staff(staff["v"]),
                    agency_code="pupr", now=t0 + timedelta(hours=1),
                )  # fmt: skip
                staff_cases.answer(
                    db, clock=runtime.clock, report=report, actor=Actor.staff(staff["o"]),
                    text="Lubang sudah ditambal oleh tim UPT Jalan.", now=t0 + timedelta(days=30),
                )  # fmt: skip
                codes[name] = report.tracking_code
    finally:
        runtime.engine.dispose()
    return codes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("citizen") / "var"
    env = {
        **os.environ,
        "SUARAWARGA_DATA_DIR": str(data_dir),
        "SUARAWARGA_DATABASE_URL": f"sqlite:///{data_dir / 'suarawarga.sqlite3'}",
        "SUARAWARGA_ENVIRONMENT": "test",
        "SUARAWARGA_RUN_SCHEDULER_IN_PROCESS": "false",
        "SUARAWARGA_RUN_WORKER_IN_PROCESS": "false",
        "SUARAWARGA_SESSION_SECRET": "browser-test-secret-" + "z" * 32,
        "SUARAWARGA_MAP_TILE_URL": "",
    }
    codes = _seed(Settings(data_dir=data_dir, database_url=env["SUARAWARGA_DATABASE_URL"]))
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
                httpx.get(f"{base}/chat", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((data_dir / "uvicorn.log").read_text()) from None
                time.sleep(0.2)
        yield base, codes
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


@pytest.fixture(params=sorted(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Any, site: tuple[str, dict[str, str]]) -> Any:
    context = browser.new_context(
        base_url=site[0],
        viewport=VIEWPORTS[request.param],
        locale="id-ID",
        is_mobile=request.param == "phone",
        has_touch=request.param == "phone",
        geolocation={"latitude": -6.2001, "longitude": 106.8167},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.viewport_name = request.param
    yield page
    context.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.viewport_name}.png"), full_page=True)


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_tracking_page_tells_the_whole_story(page: Any, site: tuple[str, dict[str, str]]) -> None:
    code = site[1]["public"]
    page.goto(f"/t/{code}")
    timeline = page.locator("[data-testid=timeline] li").all_inner_texts()
    assert [t.split("\n")[-1] for t in timeline] == [
        "Laporan diterima",
        "Diverifikasi",
        "Diteruskan ke Dinas Pekerjaan Umum dan Penataan Ruang",
        "Ditanggapi instansi",
    ]
    assert "Lubang sudah ditambal" in page.inner_text("[data-testid=answer]")
    overdue = page.locator("[data-testid=deadlines] li.overdue").all_inner_texts()
    assert any("Batas tindak lanjut instansi" in o and "terlambat" in o for o in overdue)
    assert "Balas 1" in page.inner_text("[data-testid=next]")
    photo = page.locator("[data-testid=photos] img")
    assert photo.count() == 1
    photo.scroll_into_view_if_needed()  # loading="lazy": below the fold on a phone
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=photos] img');"
        " return i.complete && i.naturalWidth === 1; }"
    )
    assert REPORTER not in page.content()
    _no_sideways_scroll(page)
    _shot(page, "tracking-page")
    page.get_by_role("link", name="English").click()
    page.wait_for_selector("[data-testid=timeline]")
    assert "What you can do next" in page.content()


def test_tracking_page_of_a_confidential_report_shows_no_content(
    page: Any, site: tuple[str, dict[str, str]]
) -> None:
    page.goto(f"/t/{site[1]['secret']}")
    text = page.inner_text("main")
    assert "bersifat rahasia" in text and "Diteruskan ke instansi yang berwenang" in text
    assert "Dinas" not in text and "Lubang sudah ditambal" not in text
    assert "Jalan berlubang" not in text and REPORTER not in text
    assert page.locator("[data-testid=photos] img").count() == 0
    _shot(page, "tracking-page-confidential")


def test_web_chat_sends_a_photo_a_pdf_and_a_confirmed_location(page: Any) -> None:
    page.goto("/chat")
    page.wait_for_selector(".msg.bot")
    page.fill(
        "#text", "Jalan berlubang besar di depan SD Negeri 3, sudah dua motor jatuh minggu ini"
    )
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.msg.bot').length >= 2")
    file_input = page.locator("input[type=file]")
    assert file_input.get_attribute("accept") == "image/*,application/pdf"
    assert file_input.get_attribute("capture") is not None
    # -- location: the browser's position, moved one step east on the plain (tile-less) map --
    bots = page.locator(".msg.bot").count()
    page.get_by_role("button", name="Bagikan lokasi").click()
    page.wait_for_selector("#mapbox:not([hidden])")
    assert page.locator("#map img.tile").count() == 0  # no tile URL: nothing fetched
    assert "-6.200100, 106.816700" in page.inner_text("#coords")
    _no_sideways_scroll(page)
    _shot(page, "web-chat-location")
    page.focus("#map")
    page.keyboard.press("ArrowRight")
    moved = page.inner_text("#coords")
    assert "-6.200100" in moved and "106.816700" not in moved
    page.get_by_role("button", name="Kirim lokasi ini").click()
    page.wait_for_function(f"document.querySelectorAll('.msg.bot').length > {bots}")
    assert "Lokasi: -6.200100, 106.8168" in page.locator(".msg.me").last.inner_text()
    # -- a photo (by the camera on a phone) and a PDF ---------------------------------------
    bots = page.locator(".msg.bot").count()
    file_input.set_input_files({"name": "lubang.png", "mimeType": "image/png", "buffer": PNG})
    page.wait_for_function(f"document.querySelectorAll('.msg.bot').length > {bots}")
    assert "Lampiran diterima" in page.locator(".msg.bot").last.inner_text()
    bots = page.locator(".msg.bot").count()
    file_input.set_input_files({"name": "surat.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.wait_for_function(f"document.querySelectorAll('.msg.bot').length > {bots}")
    assert "Lampiran diterima (2)" in page.locator(".msg.bot").last.inner_text()
    assert page.inner_text("#err") == ""
    # -- a file that only claims to be a PDF: a polite word on the page and in the chat ----
    file_input.set_input_files({"name": "x.pdf", "mimeType": "application/pdf", "buffer": b"hi"})
    page.wait_for_function("document.getElementById('err').textContent.includes('diterima')")
    assert "Jenis berkas ini tidak diterima" in page.inner_text("#err")
    _no_sideways_scroll(page)
    _shot(page, "web-chat-files")


def test_public_list_shows_public_reports_and_on_time_shares(
    page: Any, site: tuple[str, dict[str, str]]
) -> None:
    page.goto("/laporan")
    listed = page.inner_text("[data-testid=reports]")
    assert site[1]["public"] in listed and "Jalan berlubang (public)" in listed
    assert site[1]["secret"] not in page.content() and REPORTER not in page.content()
    # Both reports were answered 30 days after forwarding: late, so 0% on time for the agency.
    shares = page.inner_text("[data-testid=on-time]")
    assert "Dinas Pekerjaan Umum dan Penataan Ruang\t0.0%\t2" in shares
    page.select_option("select[name=status]", "finished")
    page.get_by_role("button", name="Saring").click()
    page.wait_for_selector("[data-testid=none]")
    _no_sideways_scroll(page)
    page.goto("/laporan")
    _no_sideways_scroll(page)
    _shot(page, "public-reports")
    page.get_by_role("link", name=site[1]["public"]).click()
    page.wait_for_selector("[data-testid=timeline]")
