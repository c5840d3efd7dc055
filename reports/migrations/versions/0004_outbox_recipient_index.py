"""outbox recipient index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Two queries look up a recipient's outbox rows: the conversation engine's "our last message to
this contact" (ORDER BY id DESC LIMIT 1) and the sender's "an older row to this address is still
undelivered" check. Without an index both scan the whole outbox, which grows with every message.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_recipient', ['channel', 'address', 'id'])


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_recipient')
