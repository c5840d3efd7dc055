"""Browser tests of what a citizen opens: the tracking page and the web chat's files and places.

The real app under uvicorn, Debian's Chromium driven by Playwright, on a phone-sized and a
desktop viewport. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reports import attachments, staff_cases
from reports.actor import Actor
from reports.enums import Channel, Privacy, Role
from reports.runtime import Runtime
from tests import factories
from tests.console.browser import VIEWPORTS, new_page, no_sideways_scroll, serve_site, shot

pytestmark = pytest.mark.browser

#: A real 1x1 PNG and a minimal PDF: the server checks the bytes, not the names.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPORTER = "Bu Siti Rahasia"


def _seed(db: Session, runtime: Runtime) -> dict[str, str]:
    """A late, answered public report with a photo, and a confidential one: name -> code."""
    clock = runtime.clock
    t0 = datetime.now(UTC) - timedelta(days=60)
    verifier = factories.staff(db, Role.VERIFIER, t0)
    officer = factories.staff(db, Role.OFFICER, t0, "pupr")
    codes: dict[str, str] = {}
    for name, privacy in (("public", Privacy.PUBLIC), ("secret", Privacy.CONFIDENTIAL)):
        citizen = factories.citizen(db, t0, Channel.TELEGRAM, f"tg-{name}", REPORTER)
        report = factories.report(
            db, clock, t0, who=citizen, title=f"Jalan berlubang ({name})",
            body="Lubang besar di depan SD", privacy=privacy,
        )  # fmt: skip
        attachments.store(
            db, root=runtime.settings.attachments_dir, data=PNG, content_type="image/png",
            filename="foto.png", citizen_id=citizen.id, now=t0, report_id=report.id,
        )  # fmt: skip
        factories.forward(db, clock, report, verifier, t0 + timedelta(hours=1))
        staff_cases.answer(
            db, clock=clock, report=report, actor=Actor.staff(officer),
            text="Lubang sudah ditambal oleh tim UPT Jalan.", now=t0 + timedelta(days=30),
        )  # fmt: skip
        codes[name] = report.tracking_code
    return codes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    with serve_site(tmp_path_factory.mktemp("citizen") / "var", _seed, ready="/chat") as served:
        yield served


@pytest.fixture(params=sorted(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser: Any, site: tuple[str, dict[str, str]]) -> Any:
    phone = request.param == "phone"
    page = new_page(
        browser, site[0], VIEWPORTS[request.param], locale="id-ID", is_mobile=phone,
        has_touch=phone, geolocation={"latitude": -6.2001, "longitude": 106.8167},
        permissions=["geolocation"],
    )  # fmt: skip
    page.viewport_name = request.param
    yield page
    page.context.close()


def _shot(page: Any, name: str) -> None:
    shot(page, f"{name}-{page.viewport_name}")


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
    no_sideways_scroll(page)
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
    no_sideways_scroll(page)
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
    no_sideways_scroll(page)
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
    no_sideways_scroll(page)
    page.goto("/laporan")
    no_sideways_scroll(page)
    _shot(page, "public-reports")
    page.get_by_role("link", name=site[1]["public"]).click()
    page.wait_for_selector("[data-testid=timeline]")
