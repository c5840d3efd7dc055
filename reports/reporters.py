"""Who reported: the channels and external ids a citizen is known by.

Personal data: read it only for a viewer :func:`reports.access.can_see_reporter` allows (the
officer's page and the REST API check before calling).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.models import CitizenIdentity


def citizen_identities(db: Session, citizen_id: int) -> list[CitizenIdentity]:
    """The citizen's identities, in the order they were first seen."""
    return list(
        db.scalars(
            select(CitizenIdentity)
            .where(CitizenIdentity.citizen_id == citizen_id)
            .order_by(CitizenIdentity.id)
        )
    )
