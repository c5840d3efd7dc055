"""Everything a process needs, built once from settings: engine, sessions, SLA clock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from escalation.deadlines import SlaClock, clock_from_settings
from reports.db import engine_from_settings, session_factory


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: SlaClock

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        engine = engine_from_settings(settings)
        return cls(settings, engine, session_factory(engine), clock_from_settings(settings))
