"""Browser tests of issue 13's remaining tools: the public map of reports, and canned answers
from the agency head's page to an officer's sent answer.

The real app under uvicorn, Debian's Chromium driven by Playwright, on a phone-sized and a
desktop viewport, without a tile server (the map must work without one). Screenshots go to
``test-artifacts/screenshots/``.
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
from argon2 import PasswordHasher
from sqlalchemy import select

from config.domain_files import load_agencies
from config.settings import Settings
from reports import citizen_cases, staff_cases
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
PASSWORD = "officer-tools-password"
REPORTER = "Bu Siti Rahasia"
CANNED = "Perbaikan dijadwalkan dalam dua minggu oleh UPT Jalan. Terima kasih atas laporan Anda."

#: name -> (title, agency, privacy, latitude, longitude); every one verified and forwarded.
REPORTS: dict[str, tuple[str, str, Privacy, float, float]] = {
    "sudirman": ("Jalan berlubang di Jl. Sudirman", "pupr", Privacy.PUBLIC, -6.2088, 106.8227),
    "thamrin": ("Lampu jalan mati di Jl. Thamrin", "pupr", Privacy.ANONYMOUS, -6.1935, 106.8230),
    "senen": ("Sampah menumpuk di Pasar Senen", "lingkungan", Privacy.PUBLIC, -6.1760, 106.8410),
    "secret": ("Pungutan liar di kantor kelurahan", "pupr", Privacy.CONFIDENTIAL, -6.22, 106.85),
    "phone": ("Trotoar rusak di Kuningan", "pupr", Privacy.PUBLIC, -6.2300, 106.8300),
    "desktop": ("Saluran tersumbat di Menteng", "pupr", Privacy.PUBLIC, -6.1960, 106.8320),
    "nojs": ("Jembatan retak di Manggarai", "pupr", Privacy.PUBLIC, -6.2100, 106.8500),
}
PUBLIC = ("sudirman", "thamrin", "senen", "phone", "desktop", "nojs")


def _seed(settings: Settings) -> dict[str, str]:
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    t0 = datetime.now(UTC) - timedelta(days=1)
    codes: dict[str, str] = {}
    try:
        with runtime.sessions() as db, db.begin():
            sync_agencies(db, load_agencies(settings.agencies_file))
            pupr = db.scalar(select(Agency.id).where(Agency.code == "pupr"))
            staff = {}
            for username, name, role, agency in (
                ("verifikator", "Rina Verifikator", Role.VERIFIER, None),
                ("kepala", "Ir. Sri (Kepala)", Role.AGENCY_HEAD, pupr),
                ("petugas", "Agus (Petugas)", Role.OFFICER, pupr),
            ):
                user = StaffUser(
                    username=username, full_name=name, password_hash=cheap, role=role,
                    agency_id=agency, language="id", active=True, failed_logins=0, created_at=t0,
                )  # fmt: skip
                db.add(user)
                staff[username] = user
            db.flush()
            verifier = Actor.staff(staff["verifikator"])
            for n, (name, (title, agency_code, privacy, lat, lon)) in enumerate(REPORTS.items()):
                citizen = citizen_cases.get_or_create_citizen(
                    db, channel=Channel.WHATSAPP, external_id=f"+62812000{n:04d}", now=t0
                )
                citizen.display_name = REPORTER
                report = citizen_cases.submit_report(
                    db, clock=runtime.clock, citizen=citizen, channel=Channel.WHATSAPP,
                    report_type=ReportType.COMPLAINT, title=title, privacy=privacy,
                    body=f"{title}. Mohon segera ditindaklanjuti.", now=t0 + timedelta(minutes=n),
                    location_text=title.split(" di ")[-1], latitude=lat, longitude=lon,
                )  # fmt: skip
                staff_cases.verify_and_forward(
                    db, clock=runtime.clock, report=report, actor=verifier,
                    agency_code=agency_code, now=t0 + timedelta(hours=1),
                )  # fmt: skip
                codes[name] = report.tracking_code
    finally:
        runtime.engine.dispose()
    return codes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("officer-tools") / "var"
    env = {
        **os.environ,
        "SUARAWARGA_DATA_DIR": str(data_dir),
        "SUARAWARGA_DATABASE_URL": f"sqlite:///{data_dir / 'suarawarga.sqlite3'}",
        "SUARAWARGA_ENVIRONMENT": "test",
        "SUARAWARGA_RUN_SCHEDULER_IN_PROCESS": "false",
        "SUARAWARGA_RUN_WORKER_IN_PROCESS": "false",
        "SUARAWARGA_SESSION_SECRET": "browser-test-secret-" + "t" * 32,
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
        deadline = time.monotonic() + 90  # a loaded 2-core machine takes a while to import
        while True:
            try:
                httpx.get(f"{base}/laporan", timeout=1)
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


def _page(browser: Any, base: str, viewport: dict[str, int], *, javascript: bool = True) -> Any:
    context = browser.new_context(base_url=base, viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/console/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("p.flash")


def _no_sideways_scroll(page: Any, viewport: dict[str, int]) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("tag", list(VIEWPORTS))
def test_public_map_shows_markers_and_filters(
    browser: Any, site: tuple[str, dict[str, str]], tag: str
) -> None:
    base, codes = site
    viewport = VIEWPORTS[tag]
    page = _page(browser, base, viewport)
    try:
        page.goto("/laporan")
        page.get_by_role("link", name="Peta", exact=True).click()
        page.wait_for_url("**/laporan/peta**")
        markers = page.locator("svg a.marker")
        assert markers.count() == len(PUBLIC)
        assert {markers.nth(i).get_attribute("data-code") for i in range(len(PUBLIC))} == {
            codes[n] for n in PUBLIC
        }
        content = page.content()
        assert REPORTS["secret"][0] not in content and codes["secret"] not in content
        assert REPORTER not in content and "+62812" not in content
        # No tile server: the note says so, and the list under the map holds the same reports.
        assert page.get_by_test_id("no-tiles").is_visible()
        assert page.locator("[data-testid=reports] li").count() == len(PUBLIC)
        box = page.locator("figure.map svg").bounding_box()
        assert box["width"] <= viewport["width"] and box["height"] > 150
        for i in range(markers.count()):
            marker = markers.nth(i).bounding_box()
            assert (
                box["x"] <= marker["x"] and marker["x"] + marker["width"] <= box["x"] + box["width"]
            )
            assert marker["width"] >= 12  # a finger can hit it on a phone
        _no_sideways_scroll(page, viewport)
        _shot(page, f"09-public-map-{tag}")

        # Filter by agency: the map keeps the filter, and so does the list tab.
        page.locator("select[name=agency]").select_option(label="Dinas Lingkungan Hidup")
        page.get_by_role("button", name="Saring").click()
        page.wait_for_url("**/laporan/peta?*agency=lingkungan*")
        assert markers.count() == 1
        assert markers.first.get_attribute("data-code") == codes["senen"]
        page.get_by_role("link", name="Daftar", exact=True).click()
        page.wait_for_url("**/laporan?*agency=lingkungan*")
        assert page.locator("[data-testid=reports] li").count() == 1
        page.get_by_role("link", name="Peta", exact=True).click()
        # A marker opens the report's tracking page.
        page.locator("svg a.marker").first.click()
        page.wait_for_url(f"**/t/{codes['senen']}*")
        assert REPORTS["senen"][0] in page.content()
    finally:
        page.context.close()


@pytest.mark.parametrize("tag", list(VIEWPORTS))
def test_head_writes_a_canned_answer_and_an_officer_sends_it(
    browser: Any, site: tuple[str, dict[str, str]], tag: str
) -> None:
    base, codes = site
    viewport = VIEWPORTS[tag]
    page = _page(browser, base, viewport)
    title = f"Jadwal perbaikan ({tag})"
    try:
        _sign_in(page, "kepala")
        page.get_by_role("link", name="Jawaban siap pakai").click()
        page.get_by_label("Judul").fill(title)
        page.get_by_label("Teks jawaban").fill(CANNED)
        page.get_by_role("button", name="Tambahkan").click()
        page.wait_for_selector("p.flash")
        assert f'"{title}" ditambahkan' in page.inner_text("p.flash")
        assert page.locator("#canned-list li", has_text=title).count() == 1
        _no_sideways_scroll(page, viewport)
        _shot(page, f"10-canned-head-{tag}")

        _sign_in(page, "petugas")
        page.goto(f"/console/reports/{codes[tag]}")
        answer = page.get_by_label("Jawaban (tindak lanjut)")
        answer.fill("Yth. Bapak/Ibu,")
        page.get_by_label("Jawaban siap pakai").select_option(label=title)
        page.get_by_role("button", name="Sisipkan ke jawaban").click()
        assert answer.input_value() == "Yth. Bapak/Ibu,\n\n" + CANNED
        assert page.url.endswith(f"/console/reports/{codes[tag]}")  # in place: no round trip
        _no_sideways_scroll(page, viewport)
        _shot(page, f"11-canned-inserted-{tag}")
        page.get_by_role("button", name="Kirim jawaban ke pelapor").click()
        page.wait_for_selector("p.flash")
        assert "dikirim ke pelapor" in page.inner_text("p.flash")
        assert CANNED in page.inner_text(".thread")
    finally:
        page.context.close()


def test_inserting_works_without_javascript(browser: Any, site: tuple[str, dict[str, str]]) -> None:
    base, codes = site
    page = _page(browser, base, VIEWPORTS["phone"], javascript=False)
    try:
        _sign_in(page, "kepala")
        page.goto("/console/canned")
        page.get_by_label("Judul").fill("Tanpa skrip")
        page.get_by_label("Teks jawaban").fill(CANNED)
        page.get_by_role("button", name="Tambahkan").click()
        page.wait_for_selector("p.flash")
        _sign_in(page, "petugas")
        page.goto(f"/console/reports/{codes['nojs']}")
        page.get_by_label("Jawaban siap pakai").select_option(label="Tanpa skrip")
        page.get_by_role("button", name="Sisipkan ke jawaban").click()
        page.wait_for_url("**/answer-draft")
        answer = page.get_by_label("Jawaban (tindak lanjut)")
        assert answer.input_value() == CANNED
        answer.fill(answer.input_value() + "\nSalam, Agus")
        page.get_by_role("button", name="Kirim jawaban ke pelapor").click()
        page.wait_for_selector("p.flash")
        assert "dikirim ke pelapor" in page.inner_text("p.flash")
        assert "Salam, Agus" in page.inner_text(".thread")
    finally:
        page.context.close()
