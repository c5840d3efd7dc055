"""The ASGI app: /health reports a stale scheduler honestly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from config.settings import Settings
from escalation.sweep import write_heartbeat
from reports.migrate import upgrade
from webhooks.app import create_app
from webhooks.runtime import Runtime


def test_health_goes_stale_when_sweeps_stop(settings: Settings) -> None:
    settings = settings.model_copy(update={"run_scheduler_in_process": False})
    upgrade(settings.sqlalchemy_url)
    runtime = Runtime.from_settings(settings)
    with TestClient(create_app(runtime=runtime)) as client:
        response = client.get("/health")
        assert response.status_code == 503 and response.json()["status"] == "stale"
        now = datetime.now(UTC)
        write_heartbeat(runtime.sessions, now=now, actions=0, failed=0, started=now)
        response = client.get("/health")
        assert response.status_code == 200 and response.json()["status"] == "ok"
        old = now - timedelta(seconds=settings.heartbeat_stale_seconds + 60)
        with runtime.sessions() as db, db.begin():
            from reports.models import Heartbeat

            beat = db.get(Heartbeat, "sweep")
            assert beat is not None
            beat.beat_at = old
        assert client.get("/health").status_code == 503
    runtime.engine.dispose()


def test_health_says_the_database_is_not_migrated(settings: Settings) -> None:
    """``suarawarga serve`` on a fresh data dir without ``db upgrade``: a 503 with the fix."""
    settings = settings.model_copy(update={"run_scheduler_in_process": False})
    runtime = Runtime.from_settings(settings)  # no upgrade: the SQLite file has no tables
    with TestClient(create_app(runtime=runtime)) as client:
        response = client.get("/health")
    runtime.engine.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert "suarawarga db upgrade" in response.json()["database"]


def test_in_process_scheduler_sweeps_on_start(settings: Settings) -> None:
    upgrade(settings.sqlalchemy_url)
    runtime = Runtime.from_settings(settings)
    with TestClient(create_app(runtime=runtime)) as client:
        for _ in range(50):
            if client.get("/health").status_code == 200:
                break
            import time

            time.sleep(0.1)
        assert client.get("/health").json()["status"] == "ok"
    runtime.engine.dispose()
