"""Browser tests of issue 13's remaining tools: the public map of reports, and canned answers
from the agency head's page to an officer's sent answer.

The real app under uvicorn, Debian's Chromium driven by Playwright, on a phone-sized and a
desktop viewport, without a tile server (the map must work without one). Screenshots go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reports.enums import Channel, Privacy, Role
from reports.runtime import Runtime
from tests import factories
from tests.console.browser import (
    VIEWPORTS,
    new_page,
    no_sideways_scroll,
    serve_site,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser

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


def _seed(db: Session, runtime: Runtime) -> dict[str, str]:
    t0 = datetime.now(UTC) - timedelta(days=1)
    verifier = factories.staff(db, Role.VERIFIER, t0, name="verifikator")
    factories.staff(db, Role.AGENCY_HEAD, t0, "pupr", "kepala", full_name="Ir. Sri (Kepala)")
    factories.staff(db, Role.OFFICER, t0, "pupr", "petugas", full_name="Agus (Petugas)")
    codes: dict[str, str] = {}
    for n, (name, (title, agency_code, privacy, lat, lon)) in enumerate(REPORTS.items()):
        citizen = factories.citizen(db, t0, Channel.WHATSAPP, f"+62812000{n:04d}", REPORTER)
        report = factories.report(
            db, runtime.clock, t0 + timedelta(minutes=n), who=citizen, channel=Channel.WHATSAPP,
            title=title, privacy=privacy, body=f"{title}. Mohon segera ditindaklanjuti.",
            location_text=title.split(" di ")[-1], latitude=lat, longitude=lon,
        )  # fmt: skip
        factories.forward(db, runtime.clock, report, verifier, t0 + timedelta(hours=1), agency_code)
        codes[name] = report.tracking_code
    return codes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    with serve_site(tmp_path_factory.mktemp("officer-tools") / "var", _seed, ready="/laporan") as s:
        yield s


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Any, site: tuple[str, dict[str, str]]) -> Any:
    """A fresh page on the phone and on the desktop viewport; ``page.tag`` names which."""
    page = new_page(browser, site[0], VIEWPORTS[request.param])
    page.tag = request.param
    yield page
    page.context.close()


def test_public_map_shows_markers_and_filters(page: Any, site: tuple[str, dict[str, str]]) -> None:
    codes, tag = site[1], page.tag
    viewport = VIEWPORTS[tag]
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
        assert box["x"] <= marker["x"] and marker["x"] + marker["width"] <= box["x"] + box["width"]
        assert marker["width"] >= 12  # a finger can hit it on a phone
    no_sideways_scroll(page)
    shot(page, f"09-public-map-{tag}")

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


def test_head_writes_a_canned_answer_and_an_officer_sends_it(
    page: Any, site: tuple[str, dict[str, str]]
) -> None:
    codes, tag = site[1], page.tag
    title = f"Jadwal perbaikan ({tag})"
    sign_in(page, "kepala")
    page.get_by_role("link", name="Jawaban siap pakai").click()
    page.get_by_label("Judul").fill(title)
    page.get_by_label("Teks jawaban").fill(CANNED)
    page.get_by_role("button", name="Tambahkan").click()
    page.wait_for_selector("p.flash")
    assert f'"{title}" ditambahkan' in page.inner_text("p.flash")
    assert page.locator("#canned-list li", has_text=title).count() == 1
    no_sideways_scroll(page)
    shot(page, f"10-canned-head-{tag}")

    sign_in(page, "petugas")
    page.goto(f"/console/reports/{codes[tag]}")
    answer = page.get_by_label("Jawaban (tindak lanjut)")
    answer.fill("Yth. Bapak/Ibu,")
    page.get_by_label("Jawaban siap pakai").select_option(label=title)
    page.get_by_role("button", name="Sisipkan ke jawaban").click()
    assert answer.input_value() == "Yth. Bapak/Ibu,\n\n" + CANNED
    assert page.url.endswith(f"/console/reports/{codes[tag]}")  # in place: no round trip
    no_sideways_scroll(page)
    shot(page, f"11-canned-inserted-{tag}")
    page.get_by_role("button", name="Kirim jawaban ke pelapor").click()
    page.wait_for_selector("p.flash")
    assert "dikirim ke pelapor" in page.inner_text("p.flash")
    assert CANNED in page.inner_text(".thread")


def test_inserting_works_without_javascript(browser: Any, site: tuple[str, dict[str, str]]) -> None:
    base, codes = site
    page = new_page(browser, base, VIEWPORTS["phone"], java_script_enabled=False)
    try:
        sign_in(page, "kepala")
        page.goto("/console/canned")
        page.get_by_label("Judul").fill("Tanpa skrip")
        page.get_by_label("Teks jawaban").fill(CANNED)
        page.get_by_role("button", name="Tambahkan").click()
        page.wait_for_selector("p.flash")
        sign_in(page, "petugas")
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
