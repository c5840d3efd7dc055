"""dashboard per-agency indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Measured at 1M reports on PostgreSQL with a new period on every request (no cache): the period
metrics read the period through indexes led by the period column, then sorted ~150k rows by
agency for the GROUP BY (spilling to disk) before the percentiles sorted them again. The
dashboard now reads one agency at a time (``reports.stats.sql.per_agency``), so the period indexes
are led by the agency and replace the 0003 ones they cover:

- reports verified / answered in a period, per agency (time to verify, time to answer and
  compliance), covering the columns those aggregates read (INCLUDE, on PostgreSQL);
- satisfaction ratings in a period, per agency (the SKM index);
- the currently escalated open reports, highest level first: a partial index in the order of the
  list, so the top 50 are read directly instead of sorting every escalated report;
- PostgreSQL only: ``reports (id) INCLUDE (agency_id, type)``, so the breach count joins its
  ~25k escalation actions of a period to their reports by index-only lookups, not by a hash join
  over the whole reports table. SQLite finds a row by its rowid already and gets no such index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ESCALATED = "escalation_level > 0 AND status IN ('submitted', 'forwarded')"


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_verified_cover")
        batch_op.drop_index("ix_reports_answered_cover")
        batch_op.create_index(
            "ix_reports_agency_verified",
            ["agency_id", "verified_at"],
            postgresql_include=["created_at", "type"],
        )
        batch_op.create_index(
            "ix_reports_agency_answered",
            ["agency_id", "answered_at"],
            postgresql_include=["verified_at", "response_due_at", "type"],
        )
        batch_op.create_index(
            "ix_reports_escalated_list",
            [sa.text("escalation_level DESC"), "id"],
            postgresql_where=sa.text(OPEN_ESCALATED),
            sqlite_where=sa.text(OPEN_ESCALATED),
        )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_reports_id_cover", "reports", ["id"], postgresql_include=["agency_id", "type"]
        )
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_satisfaction_ratings_created_cover")
        batch_op.create_index(
            "ix_satisfaction_ratings_agency_created",
            ["agency_id", "created_at"],
            postgresql_include=["element", "score", "report_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_satisfaction_ratings_agency_created")
        batch_op.create_index(
            "ix_satisfaction_ratings_created_cover",
            ["created_at"],
            postgresql_include=["agency_id", "element", "score", "report_id"],
        )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_reports_id_cover", table_name="reports")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_escalated_list")
        batch_op.drop_index("ix_reports_agency_answered")
        batch_op.drop_index("ix_reports_agency_verified")
        batch_op.create_index(
            "ix_reports_answered_cover",
            ["answered_at"],
            postgresql_include=["agency_id", "verified_at", "response_due_at", "type"],
        )
        batch_op.create_index(
            "ix_reports_verified_cover",
            ["verified_at"],
            postgresql_include=["agency_id", "created_at", "type"],
        )
