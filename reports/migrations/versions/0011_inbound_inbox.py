"""inbound inbox: provider updates acknowledged before they are processed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

The Telegram and Twilio webhooks used to run the whole conversation pipeline before their 200.
They now store the raw update in ``inbox`` (one INSERT, unique on channel + provider id, so a
redelivery is a no-op), commit and answer; ``bot.inbox`` processes the rows in order per chat.
The two partial indexes cover pending rows only, so they stay small however many rows are done.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reports.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")
DEAD = sa.text("status = 'dead'")


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_message_id", sa.String(length=120), nullable=False),
        sa.Column("chat_id", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("processed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint(
            "channel", "external_message_id", name=op.f("uq_inbox_channel_external_message_id")
        ),
    )
    op.create_index(
        "ix_inbox_pending", "inbox", ["id"], postgresql_where=PENDING, sqlite_where=PENDING
    )
    op.create_index(
        "ix_inbox_pending_chat",
        "inbox",
        ["channel", "chat_id", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index("ix_inbox_dead", "inbox", ["id"], postgresql_where=DEAD, sqlite_where=DEAD)


def downgrade() -> None:
    op.drop_index("ix_inbox_dead", table_name="inbox")
    op.drop_index("ix_inbox_pending_chat", table_name="inbox")
    op.drop_index("ix_inbox_pending", table_name="inbox")
    op.drop_table("inbox")
