"""staff chats and link codes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Issue 15, officers in chat: a staff account links a Telegram or WhatsApp chat by sending a
one-time code from it. ``staff_chats`` holds the linked chats (unique per channel and address:
a message from the chat acts as that account; one chat per channel per account);
``staff_link_codes`` the codes, as SHA-256 hashes, single use, with their expiry.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reports.types import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("linked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_inbound_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_chats_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_chats")),
        sa.UniqueConstraint("channel", "address", name=op.f("uq_staff_chats_channel_address")),
        sa.UniqueConstraint("staff_id", "channel", name=op.f("uq_staff_chats_staff_id_channel")),
    )
    op.create_table(
        "staff_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_link_codes_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_staff_link_codes_code_hash")),
    )
    with op.batch_alter_table("staff_link_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_link_codes_staff_id"), ["staff_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_link_codes_staff_id"))
    op.drop_table("staff_link_codes")
    op.drop_table("staff_chats")
