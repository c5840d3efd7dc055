"""Who is acting on a report: a value that the use cases, the access rules, the listings and the
console all read. Its own module because most of its readers take no case step at all: an access
check or a worklist should not depend on the module that moves reports through their lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.enums import ActorKind, Role
from reports.models import StaffUser


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a staff member (with role and agency), the citizen, or the system.

    ``via`` names the channel a staff member acted from when it is not the console (an officer
    answering from their linked Telegram chat): the event log records it, so an audit can tell
    the same action taken in the console from one taken in a chat.
    """

    kind: ActorKind
    id: int | None = None
    role: Role | None = None
    agency_id: int | None = None
    via: str | None = None

    @classmethod
    def staff(cls, user: StaffUser, *, via: str | None = None) -> Actor:
        return cls(ActorKind.STAFF, user.id, user.role, user.agency_id, via)

    @classmethod
    def citizen(cls, citizen_id: int) -> Actor:
        return cls(ActorKind.CITIZEN, citizen_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)
