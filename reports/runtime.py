"""Everything a process needs, built once from settings: engine, sessions, SLA clock, classifier.

The runtime's shape lives here, beside the database core, so the bot and the console (above
``reports``) can be handed one without importing the layer that builds it. Its ports are typed by
protocols declared here or below (:class:`reports.classifier.Classifier`): ``nlu`` implements the
classifier, and the outermost layer (``webhooks.runtime.build_runtime``) plugs it in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from escalation.deadlines import SlaClock, clock_from_settings
from reports.classifier import Classifier
from reports.db import engine_from_settings, session_factory


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: SlaClock
    #: The deployment's NLU; one per process (no module-level cache): models load on first use.
    classifier: Classifier

    @classmethod
    def from_settings(cls, settings: Settings, *, classifier: Classifier) -> Runtime:
        engine = engine_from_settings(settings)
        return cls(
            settings, engine, session_factory(engine), clock_from_settings(settings), classifier
        )
