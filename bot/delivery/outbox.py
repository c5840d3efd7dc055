"""The outbox rows' side of delivery: claim with a lease, keep it, record each outcome. No sending.
What a claimed row becomes for its provider (language, WhatsApp window, parts) is
``bot.delivery.compose``.

Exactly-once, as far as providers without idempotency keys allow:

1. ``claim`` marks due rows ``sending`` with a lease (``locked_until``) and increments ``attempts``
   in its own committed transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises
   writers), so two workers never claim the same row.
   A row also waits while an older row to the same address is undelivered, so a recipient's
   messages never arrive shuffled by a retry.
2. The worker keeps the lease for as long as it holds the row: ``renew`` pushes ``locked_until``
   of every row it holds forward in one statement, several times per lease (``bot.delivery.leases``
   explains why renewal, and how a worker that cannot renew stops sending). A lease therefore runs
   out only when its worker is gone (or cut off from the database), never because a batch was long
   or a provider slow: only then may another worker take the row over.
3. The worker sends, then ``record_*`` commits the outcome at once, guarded by the claim token
   (``id``, ``status='sending'``, ``attempts``): a worker whose lease expired cannot overwrite a row
   that somebody else has since claimed, nor renew it.
4. A long text goes out in parts; each delivered part is committed (``payload.delivery``) before
   the next is sent, so a retry resumes at the first undelivered part.

A row is retried only after the provider said it was NOT delivered (429, 5xx, connection refused),
so retries never duplicate. Two outcomes stay unknown: a worker that dies between the provider's
answer and its own commit leaves the row ``sending`` (reclaimed after the lease), and a read
timeout may or may not have reached the provider. Such a claim carries ``uncertain_since``: where
the provider can list what it sent (Twilio, ``bot.channels.FindsSent``), the worker looks the part
up and records the earlier send instead of repeating it. Telegram and SMTP cannot be asked, so
there the part is sent again: at least once, because a lost agency answer is worse than a
repeated one.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from bot.delivery.compose import Claim as Claim
from bot.delivery.compose import prepare
from config.settings import Settings
from reports.enums import Channel, OutboxStatus
from reports.models import OutboxMessage


def claim(
    db: Session,
    *,
    now: datetime,
    channels: dict[Channel, int],
    limit: int,
    lease_seconds: float,
    settings: Settings,
) -> list[Claim]:
    """Take up to ``limit`` due rows for the given channels (channel -> max text length).

    Due: ``pending`` whose time has come, or ``sending`` whose lease ran out (a crashed worker).
    Rows on ``web`` are never taken: the chat page reads them itself.
    """
    if not channels:
        return []
    due = or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.locked_until < now),
    )
    # A recipient's messages go out in order: a row waits while an older row to the same address
    # is still undelivered and not due (retrying later, or held by another worker's live lease).
    older = aliased(OutboxMessage)
    blocked = (
        select(older.id)
        .where(
            older.channel == OutboxMessage.channel,
            older.address == OutboxMessage.address,
            older.id < OutboxMessage.id,
            or_(
                and_(older.status == OutboxStatus.PENDING, older.next_attempt_at > now),
                and_(older.status == OutboxStatus.SENDING, older.locked_until >= now),
            ),
        )
        .exists()
    )
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.channel.in_(list(channels)), due, ~blocked)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claims: list[Claim] = []
    for row in db.scalars(query).all():
        # A lease that ran out: that worker's send may have reached the provider before it died.
        crashed_at = (
            row.locked_until - timedelta(seconds=lease_seconds)
            if row.status == OutboxStatus.SENDING and row.locked_until is not None
            else None
        )
        row.status = OutboxStatus.SENDING
        row.locked_until = now + timedelta(seconds=lease_seconds)
        row.attempts = (row.attempts or 0) + 1
        db.flush()
        claim_ = prepare(db, row, settings=settings, now=now, limit=channels[row.channel])
        claim_.uncertain_since = crashed_at or claim_.uncertain_since
        claims.append(claim_)
    return claims


def _guard(claim_: Claim) -> Any:
    return and_(
        OutboxMessage.id == claim_.outgoing.row_id,
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.attempts == claim_.attempts,
    )


def renew(db: Session, held: list[tuple[int, int]], *, until: datetime) -> set[int]:
    """Extend the lease of every row a worker holds, given as (row id, claim token); returns the
    ids still its own. One statement however many rows: a worker holding a batch of 50 for a
    slow chat pays one round trip per renewal, not 50."""
    if not held:
        return set()
    result = db.execute(
        update(OutboxMessage)
        .where(
            tuple_(OutboxMessage.id, OutboxMessage.attempts).in_(held),
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .values(locked_until=until)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return {int(i) for i in result.scalars()}


def sends_of_others(db: Session, claim_: Claim, since: datetime) -> set[str]:
    """Provider ids recorded for the recipient's other rows that went out (or started to) since
    a little before ``since``: a lookup for this row must not take one of their messages."""
    outgoing = claim_.outgoing
    rows = db.scalars(
        select(OutboxMessage).where(
            OutboxMessage.channel == outgoing.channel,
            OutboxMessage.address == outgoing.address,
            OutboxMessage.id != outgoing.row_id,
            or_(
                OutboxMessage.sent_at >= since - timedelta(minutes=5),
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
            ),
        )
    )
    taken: set[str] = set()
    for row in rows:
        delivery = row.payload.get("delivery") or {}
        taken.update(str(i) for i in delivery.get("provider_ids") or [])
        if row.provider_message_id:
            taken.add(row.provider_message_id)
    return taken


def _owned(db: Session, claim_: Claim) -> OutboxMessage | None:
    return db.scalar(select(OutboxMessage).where(_guard(claim_)).with_for_update())


def record_part(db: Session, claim_: Claim, provider_id: str | None) -> bool:
    """One part delivered (of several): remember it so a retry never sends it again."""
    row = _owned(db, claim_)
    if row is None:
        return False
    claim_.parts_sent += 1
    if provider_id:
        claim_.provider_ids.append(provider_id)
    row.payload = {
        **row.payload,
        "delivery": {"parts_sent": claim_.parts_sent, "provider_ids": claim_.provider_ids},
    }
    return True


def record_sent(db: Session, claim_: Claim, *, now: datetime, provider_status: str | None) -> bool:
    row = _owned(db, claim_)
    if row is None:
        return False
    row.status = OutboxStatus.SENT
    row.payload = {
        **row.payload,
        "delivery": {"parts_sent": claim_.parts_sent, "provider_ids": claim_.provider_ids},
    }
    row.sent_at = now
    row.locked_until = None
    row.last_error = None
    row.provider_message_id = claim_.provider_ids[0] if claim_.provider_ids else None
    # A status callback may have arrived before this commit; never move it backwards.
    row.provider_status = row.provider_status or provider_status
    if row.provider_status in _UNDELIVERED:
        _not_delivered(row, row.provider_status, None, now)
    return True


def backoff_seconds(attempts: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: 2, 4, 8 ... seconds (capped), each scaled by 0.5-1.0."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return float(delay * rng.uniform(0.5, 1.0))


def record_retry(
    db: Session,
    claim_: Claim,
    *,
    now: datetime,
    error: str,
    delay: float,
    budget_seconds: int,
    charge: bool = True,
) -> OutboxStatus | None:
    """Not delivered: try again after ``delay`` seconds, or fail once the retry budget is spent.

    ``charge=False`` gives the attempt back (a row deferred behind its chat's failed predecessor
    or a provider pause was never tried).
    """
    row = _owned(db, claim_)
    if row is None:
        return None
    row.locked_until = None
    row.last_error = error[:2000]
    delivery = {"parts_sent": claim_.parts_sent, "provider_ids": claim_.provider_ids}
    if claim_.uncertain_since is not None:  # still unknown: the next attempt looks it up first
        delivery["uncertain_since"] = claim_.uncertain_since.isoformat()
    row.payload = {**row.payload, "delivery": delivery}
    if not charge:
        row.attempts = max(0, row.attempts - 1)
    next_at = now + timedelta(seconds=delay)
    if charge and next_at - row.created_at > timedelta(seconds=budget_seconds):
        row.status = OutboxStatus.FAILED
    else:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = next_at
    return row.status


def record_failed(db: Session, claim_: Claim, *, error: str) -> bool:
    row = _owned(db, claim_)
    if row is None:
        return False
    row.status = OutboxStatus.FAILED
    row.locked_until = None
    row.last_error = error[:2000]
    return True


#: Twilio's delivery states in order; a callback may arrive late or twice, never move backwards.
_STATUS_RANK = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5,
                "undelivered": 6, "failed": 6, "canceled": 6}  # fmt: skip


#: Twilio's error for free text outside the 24-hour window: the approved template goes instead.
OUTSIDE_WINDOW_ERROR = "63016"
_UNDELIVERED = ("failed", "undelivered")


def _row_of(db: Session, channel: Channel, sid: str, row_id: int | None) -> OutboxMessage | None:
    """The row a delivery report is about: by the ``row`` of the callback URL when it names one
    whose parts include the SID (every part of a long text has its own SID), else by the first
    part's SID (callbacks of messages sent before the URL carried the row)."""
    if row_id is not None:
        row = db.get(OutboxMessage, row_id, with_for_update=True)
        if row is not None and row.channel == channel:
            ids = (row.payload.get("delivery") or {}).get("provider_ids") or []
            if sid == row.provider_message_id or sid in ids:
                return row
    return db.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.provider_message_id == sid)
        .with_for_update()
    )


def _not_delivered(row: OutboxMessage, status: str, error_code: str | None, now: datetime) -> None:
    """The provider gave up on a message we recorded as sent. Outside the 24-hour window (63016)
    the row goes again as the approved template; otherwise it is failed, visibly, with the reason
    (the console and ``worker --status`` show failed rows; a silent "sent" showed nothing)."""
    reason = f"twilio reported {status}" + (f", error {error_code}" if error_code else "")
    payload = dict(row.payload)
    if error_code == OUTSIDE_WINDOW_ERROR and not payload.get("force_template"):
        payload["force_template"] = True
        payload.pop("delivery", None)
        row.payload = payload
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = now
        row.provider_message_id = None
        row.provider_status = None
        row.last_error = reason + "; sending the approved template instead"
        return
    row.status = OutboxStatus.FAILED
    row.last_error = reason[:2000]


def record_provider_status(
    db: Session,
    *,
    channel: Channel,
    provider_message_id: str,
    status: str,
    error_code: str | None,
    now: datetime,
    row_id: int | None = None,
) -> bool:
    """A provider's delivery report (Twilio status callback) on the row it belongs to."""
    row = _row_of(db, channel, provider_message_id, row_id)
    if row is None:
        return False
    new_rank = _STATUS_RANK.get(status, -1)
    old_rank = _STATUS_RANK.get(row.provider_status or "", -1)
    if new_rank >= old_rank:
        row.provider_status = status[:40]
        if error_code:
            row.last_error = f"provider status {status}, error {error_code}"[:2000]
    if status in _UNDELIVERED and row.status == OutboxStatus.SENT:
        _not_delivered(row, status, error_code, now)
    return True


def counts_by_status(db: Session) -> dict[str, int]:
    """For operators: how many rows are in each state (``suarawarga worker --status``)."""
    rows = db.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {str(status): int(n) for status, n in rows}
