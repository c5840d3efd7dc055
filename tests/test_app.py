"""The ASGI app: /health reports a stopped (or time-travelling) scheduler honestly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from config.settings import Settings
from escalation.sweep import run_sweep, write_heartbeat
from reports.migrate import upgrade
from reports.models import Heartbeat
from reports.runtime import Runtime
from webhooks.app import create_app
from webhooks.runtime import build_runtime


def _set_beat(runtime: Runtime, at: datetime) -> None:
    with runtime.sessions() as db, db.begin():
        beat = db.get(Heartbeat, "sweep")
        assert beat is not None
        beat.beat_at = at


def test_health_is_degraded_after_three_missed_sweeps(settings: Settings) -> None:
    settings = settings.model_copy(
        update={"run_scheduler_in_process": False, "sweep_interval_seconds": 60}
    )
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    with TestClient(create_app(runtime=runtime)) as client:
        response = client.get("/health")
        assert response.status_code == 503 and response.json()["status"] == "degraded"
        now = datetime.now(UTC)
        write_heartbeat(runtime.sessions, now=now, actions=0, failed=0, started=now)
        response = client.get("/health")
        assert response.status_code == 200 and response.json()["status"] == "ok"
        _set_beat(runtime, now - timedelta(seconds=150))  # two missed sweeps: still ok
        assert client.get("/health").json()["status"] == "ok"
        _set_beat(runtime, now - timedelta(seconds=200))  # three missed: degraded
        response = client.get("/health")
        assert response.status_code == 503 and response.json()["status"] == "degraded"
    runtime.engine.dispose()


def test_a_sweep_as_of_the_future_never_stores_a_future_heartbeat(settings: Settings) -> None:
    settings = settings.model_copy(update={"run_scheduler_in_process": False})
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    months_ahead = datetime.now(UTC) + timedelta(days=120)
    with TestClient(create_app(runtime=runtime)) as client:
        run_sweep(runtime.sessions, clock=runtime.clock, now=months_ahead)
        with runtime.sessions() as db:
            beat = db.get(Heartbeat, "sweep")
            assert beat is not None and beat.beat_at <= datetime.now(UTC)
        # A future beat stored by an older version says nothing about the scheduler...
        _set_beat(runtime, months_ahead)
        response = client.get("/health")
        assert response.status_code == 503 and response.json()["status"] == "degraded"
        # ...and the next real sweep replaces it with the real time.
        run_sweep(runtime.sessions, clock=runtime.clock, now=datetime.now(UTC))
        assert client.get("/health").json()["status"] == "ok"
    runtime.engine.dispose()


def test_health_says_the_database_is_not_migrated(settings: Settings) -> None:
    """``suarawarga serve`` on a fresh data dir without ``db upgrade``: a 503 with the fix."""
    settings = settings.model_copy(update={"run_scheduler_in_process": False})
    runtime = build_runtime(settings)  # no upgrade: the SQLite file has no tables
    with TestClient(create_app(runtime=runtime)) as client:
        response = client.get("/health")
    runtime.engine.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert "suarawarga db upgrade" in response.json()["database"]


def test_in_process_scheduler_sweeps_on_start(settings: Settings) -> None:
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    with TestClient(create_app(runtime=runtime)) as client:
        for _ in range(50):
            if client.get("/health").status_code == 200:
                break
            import time

            time.sleep(0.1)
        assert client.get("/health").json()["status"] == "ok"
    runtime.engine.dispose()


def test_home_page_reads_in_the_chosen_language(settings: Settings) -> None:
    """The front page's words come from the console catalogue, Indonesian unless ``?lang=en``."""
    app = create_app(settings.model_copy(update={"run_scheduler_in_process": False}))
    client = TestClient(app)  # no lifespan: the page needs no runtime
    indonesian = client.get("/").text
    assert "<html lang=id>" in indonesian and "laporkan masalah Anda" in indonesian
    english = client.get("/?lang=en").text
    assert "<html lang=en>" in english and "report your problem" in english
    assert "laporkan" not in english
    assert "<html lang=id>" in client.get("/?lang=xx").text
