"""possible duplicates, merging and "saya juga mengalami ini"

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

One problem, many reports (issue 15). ``reports.duplicate_of_id`` links a merged report to the
report that now speaks for it. ``dup_place_key`` (normalised street, else area) and ``dup_cell``
(a ~220 m map cell) are what the duplicate search filters on, each with a partial index on
(key, created_at) so the 30-day window of one street or nine cells is an index range even at a
million rows; ``dup_sig`` is the report's text as the scorer compares it, parsed once at
submission; ``possible_duplicates`` keeps what was found then. ``report_supporters``
holds the citizens who joined someone else's public report. Existing rows get no keys: only new
reports are searched for and searched among (older reports are past the 30-day window soon).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reports.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dup_place_key", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("dup_cell", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("dup_sig", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("possible_duplicates", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            "fk_reports_duplicate_of_id_reports", "reports", ["duplicate_of_id"], ["id"]
        )
        batch_op.create_index("ix_reports_duplicate_of_id", ["duplicate_of_id"], unique=False)
        batch_op.create_index(
            "ix_reports_dup_place",
            ["dup_place_key", "created_at"],
            unique=False,
            postgresql_where=sa.text("dup_place_key IS NOT NULL"),
            sqlite_where=sa.text("dup_place_key IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_reports_dup_cell",
            ["dup_cell", "created_at"],
            unique=False,
            postgresql_where=sa.text("dup_cell IS NOT NULL"),
            sqlite_where=sa.text("dup_cell IS NOT NULL"),
        )
    op.create_table(
        "report_supporters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name="fk_report_supporters_citizen_id_citizens",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name="fk_report_supporters_report_id_reports",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_report_supporters"),
        sa.UniqueConstraint(
            "report_id", "citizen_id", name="uq_report_supporters_report_id_citizen_id"
        ),
    )
    op.create_index(
        "ix_report_supporters_report_id", "report_supporters", ["report_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_report_supporters_report_id", table_name="report_supporters")
    op.drop_table("report_supporters")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_dup_cell")
        batch_op.drop_index("ix_reports_dup_place")
        batch_op.drop_index("ix_reports_duplicate_of_id")
        batch_op.drop_constraint("fk_reports_duplicate_of_id_reports", type_="foreignkey")
        batch_op.drop_column("possible_duplicates")
        batch_op.drop_column("dup_sig")
        batch_op.drop_column("dup_cell")
        batch_op.drop_column("dup_place_key")
        batch_op.drop_column("duplicate_of_id")
