"""Who may see what. Enforced here, in the domain, so every surface (console pages, REST API,
Open311, the public tracking page, exports) applies the same rules.

- verifiers and admins see every report; managers see every report, read-only;
- officers and agency heads see only reports currently with their agency;
- the reporter's identity is shown only to verifiers and admins, and to agency roles only when the
  report is public (anonymous and confidential reporters stay hidden from the agency);
- the public sees public and anonymous reports (never the reporter), and of a confidential report
  nothing but its stage and dates on the tracking page.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from reports.actor import Actor
from reports.enums import AGENCY_ROLES, ActorKind, Privacy, Role
from reports.models import Report

FULL_VIEW_ROLES = frozenset({Role.ADMIN, Role.VERIFIER, Role.MANAGER})
IDENTITY_ROLES = frozenset({Role.ADMIN, Role.VERIFIER})


def visible_filter(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause limiting a report query to what ``actor`` may see."""
    if actor.kind is not ActorKind.STAFF or actor.role is None:
        return false()
    if actor.role in FULL_VIEW_ROLES:
        return true()
    if actor.role in AGENCY_ROLES and actor.agency_id is not None:
        return Report.agency_id == actor.agency_id
    return false()


def can_view(actor: Actor, report: Report) -> bool:
    if actor.kind is ActorKind.CITIZEN:
        return actor.id == report.citizen_id
    if actor.kind is not ActorKind.STAFF or actor.role is None:
        return False
    if actor.role in FULL_VIEW_ROLES:
        return True
    return actor.role in AGENCY_ROLES and report.agency_id == actor.agency_id


def can_see_reporter(actor: Actor, report: Report) -> bool:
    if not can_view(actor, report):
        return False
    if actor.kind is ActorKind.CITIZEN:
        return True
    if actor.role in IDENTITY_ROLES:
        return True
    return actor.role in AGENCY_ROLES and report.privacy is Privacy.PUBLIC


def publicly_listed(report: Report) -> bool:
    """May this report appear in public lists (Open311, dashboards shown to citizens)?"""
    return report.privacy is not Privacy.CONFIDENTIAL


def public_content_visible(report: Report) -> bool:
    """May the public read its title and text (the tracking page, Open311 descriptions)?"""
    return report.privacy is not Privacy.CONFIDENTIAL


def content_public(report: Report) -> bool:
    """May strangers read this report's title, agency and location?

    Stricter than :func:`public_content_visible`: the report must also have been
    verified, because until then nobody has checked whether it must be confidential.
    """
    return report.verified_at is not None and public_content_visible(report)
