"""report assignee

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

An agency's inbox was one shared pile: every officer saw every report and every reminder went to
all of them. ``assignee_id`` names the one officer following a report up (set by the agency head
or by the officer themself), so the inbox can show "mine" and "unassigned" and the reminders go to
the person who holds the report. Nullable: reports are unassigned until someone takes them.
Indexed for the "mine" view.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_reports_assignee_id", ["assignee_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_reports_assignee_id_staff_users", "staff_users", ["assignee_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reports_assignee_id_staff_users", type_="foreignkey")
        batch_op.drop_index("ix_reports_assignee_id")
        batch_op.drop_column("assignee_id")
