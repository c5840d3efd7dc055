"""APScheduler wiring: the periodic sweep and the managers' digest.

Jobs live only in memory on purpose: there are no per-report jobs, the database is the source of
truth, so a restart re-creates these two jobs and the next sweep finds whatever is due.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from escalation.digest import queue_digest
from escalation.sweep import run_sweep

log = logging.getLogger(__name__)


def sweep_job(factory: sessionmaker[Session], clock: SlaClock, batch_size: int) -> None:
    actions = run_sweep(factory, clock=clock, now=datetime.now(UTC), batch_size=batch_size)
    if actions:
        log.info("sweep: %d actions", len(actions))


def digest_job(factory: sessionmaker[Session], clock: SlaClock) -> None:
    with factory() as db, db.begin():
        sent = queue_digest(db, clock, datetime.now(UTC))
    log.info("digest: %d messages queued", sent)


def build_scheduler(
    factory: sessionmaker[Session],
    clock: SlaClock,
    *,
    interval_seconds: int,
    batch_size: int,
    blocking: bool,
) -> BaseScheduler:
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone=clock.calendar.tz)
        if blocking
        else BackgroundScheduler(timezone=clock.calendar.tz)
    )
    scheduler.add_job(
        sweep_job,
        IntervalTrigger(seconds=interval_seconds),
        args=(factory, clock, batch_size),
        id="sla-sweep",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    policy = clock.policy
    scheduler.add_job(
        digest_job,
        CronTrigger(
            day_of_week="mon-fri",
            hour=policy.digest_hour,
            minute=policy.digest_minute,
            timezone=clock.calendar.tz,
        ),
        args=(factory, clock),
        id="manager-digest",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    return scheduler
