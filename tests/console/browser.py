"""What the browser tests share: Debian's Chromium under Playwright, the real app under uvicorn on
a seeded SQLite database, signing in through the login form, screenshots and the layout check.

Each browser module seeds its own site (its own data, one server per module, ``serve_site``);
the Chromium instance is one per test session (the ``browser`` fixture in ``conftest``). Staff
are made by ``factories.staff`` and sign in with ``factories.PASSWORD``. Screenshots go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.orm import Session

from config.domain_files import load_agencies
from config.settings import Settings
from reports.db import make_engine
from reports.migrate import upgrade
from reports.runtime import Runtime
from reports.staff import sync_agencies
from tests import factories
from tests.processes import answers, free_port, running, wait_for

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str | None:
    for candidate in (os.environ.get("SUARAWARGA_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):  # fmt: skip
        if candidate and Path(candidate).exists():
            return candidate
    return None


@contextlib.contextmanager
def launch() -> Iterator[Any]:
    """Chromium under Playwright; skipped where it is not installed (failed on CI)."""
    executable = chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required on CI (.ci/run installs Debian's chromium)")
        pytest.skip("Chromium not found: apt-get install chromium (or set SUARAWARGA_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@contextlib.contextmanager
def serve_site(
    data_dir: Path, seed: Callable[[Session, Runtime], T], *, ready: str = "/console/login"
) -> Iterator[tuple[str, T]]:
    """The real app (``uvicorn webhooks.app:create_app``) over a SQLite database that ``seed``
    filled (in one transaction on the site's runtime, agencies synced first): ``(base URL,
    what seed returned)``.

    No tile server (the map must work without one), no in-process scheduler or worker (nothing
    moves under the test's feet); the server is stopped on the way out.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / 'suarawarga.sqlite3'}"
    settings = Settings(environment="test", data_dir=data_dir, database_url=url)
    upgrade(url)
    engine = make_engine(url)
    try:
        runtime = factories.runtime(settings, engine)
        with runtime.sessions() as db, db.begin():
            sync_agencies(db, load_agencies(settings.agencies_file))
            seeded = seed(db, runtime)
    finally:
        engine.dispose()
    env = {
        **os.environ,
        "SUARAWARGA_DATA_DIR": str(data_dir),
        "SUARAWARGA_DATABASE_URL": url,
        "SUARAWARGA_ENVIRONMENT": "test",
        "SUARAWARGA_RUN_SCHEDULER_IN_PROCESS": "false",
        "SUARAWARGA_RUN_WORKER_IN_PROCESS": "false",
        "SUARAWARGA_SESSION_SECRET": "browser-test-secret-" + "x" * 32,
        "SUARAWARGA_MAP_TILE_URL": "",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = data_dir / "uvicorn.log"
    command = [sys.executable, "-m", "uvicorn", "webhooks.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with running(command, env=env, cwd=REPO, log=log, stop_timeout=10) as server:
        # A loaded 2-core machine takes a while to import the app.
        up = functools.partial(answers, base + ready)
        wait_for(up, 90, "the site to answer", interval=0.2, process=server, log=log)
        yield base, seeded


def new_page(browser: Any, base: str, viewport: dict[str, int], **options: Any) -> Any:
    """A page in a fresh browser context (no cookies), confirmation dialogs accepted."""
    context = browser.new_context(base_url=base, viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def sign_in(page: Any, username: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the login form, as whoever was signed in before signs out."""
    page.context.clear_cookies()
    page.goto("/console/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("p.flash")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> None:
    """The page fits the viewport's width: nothing to scroll sideways on a phone."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
