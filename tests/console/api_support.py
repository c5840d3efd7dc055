"""Scenario shared by the API, Open311, tracking-page, matrix and schemathesis tests.

Reports in every privacy level, held by two agencies, created through the real use cases; each
reporter has a unique, greppable identity so a test can assert it appears in no response body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from console.tokens import create_token
from escalation.deadlines import SlaClock
from reports.enums import Channel, Privacy
from reports.models import Citizen, StaffUser
from tests import factories


@dataclass
class Scenario:
    #: name -> tracking code
    codes: dict[str, str] = field(default_factory=dict)
    #: name -> strings that identify that report's reporter (external id, display name)
    identities: dict[str, list[str]] = field(default_factory=dict)
    #: name -> title (to check content visibility)
    titles: dict[str, str] = field(default_factory=dict)


#: name -> (agency or None = still with the verifier, privacy)
REPORTS: dict[str, tuple[str | None, Privacy]] = {
    "pupr_public": ("pupr", Privacy.PUBLIC),
    "pupr_anonymous": ("pupr", Privacy.ANONYMOUS),
    "pupr_confidential": ("pupr", Privacy.CONFIDENTIAL),
    "other_public": ("lingkungan", Privacy.PUBLIC),
    "other_anonymous": ("lingkungan", Privacy.ANONYMOUS),
    "new_public": (None, Privacy.PUBLIC),
    "new_anonymous": (None, Privacy.ANONYMOUS),
    "new_confidential": (None, Privacy.CONFIDENTIAL),
}


def _citizen(db: Session, name: str, now: datetime) -> tuple[Citizen, list[str]]:
    external_id = f"wa-secret-{name.replace('_', '-')}-628123"
    display = f"Pelapor Rahasia {name.title().replace('_', '')}"
    return factories.citizen(db, now, Channel.WHATSAPP, external_id, display), [
        external_id,
        display,
    ]


def build_scenario(
    sessions: sessionmaker[Session],
    clock: SlaClock,
    users: dict[str, StaffUser],
    now: datetime | None = None,
) -> Scenario:
    """Submit every report of :data:`REPORTS` a day ago and forward those with an agency."""
    now = now or datetime.now(UTC)
    t0 = now - timedelta(days=1)
    scenario = Scenario()
    with sessions() as db, db.begin():
        for name, (agency, privacy) in REPORTS.items():
            citizen, identity = _citizen(db, name, t0)
            title = f"Laporan {name.replace('_', ' ')}"
            report = factories.report(
                db,
                clock,
                t0,
                who=citizen,
                channel=Channel.WHATSAPP,
                title=title,
                body=f"Isi laporan {name}: jalan rusak <script>alert(1)</script>",
                privacy=privacy,
                location_text="Jl. Melati",
                latitude=-6.2,
                longitude=106.8,
            )
            if agency is not None:
                factories.forward(
                    db, clock, report, users["verifier"], t0 + timedelta(hours=1), agency
                )
            scenario.codes[name] = report.tracking_code
            scenario.identities[name] = identity
            scenario.titles[name] = title
    return scenario


def make_tokens(sessions: sessionmaker[Session], users: dict[str, StaffUser]) -> dict[str, str]:
    """One API token per seeded account: username -> secret."""
    secrets: dict[str, str] = {}
    with sessions() as db, db.begin():
        for username, user in users.items():
            _, secret = create_token(db, staff=db.merge(user), name="tests", now=datetime.now(UTC))
            secrets[username] = secret
    return secrets


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
