"""who gave a satisfaction rating: every citizen of a merged group rates

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

A citizen who joined someone else's report ("saya juga mengalami ini") has no report of their
own, so they rate the primary as themselves: ``satisfaction_ratings.citizen_id`` says whose score
it is, and the unique key becomes (report, citizen, element) so each citizen gives one score per
element of a report. Existing rows were all given by the report's citizen and are filled in so.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("citizen_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE satisfaction_ratings SET citizen_id = (SELECT reports.citizen_id FROM reports"
        " WHERE reports.id = satisfaction_ratings.report_id)"
    )
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_satisfaction_ratings_citizen_id_citizens",
            "citizens",
            ["citizen_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_constraint("uq_satisfaction_ratings_report_id_element", type_="unique")
        batch_op.create_unique_constraint(
            "uq_satisfaction_ratings_report_id_citizen_id_element",
            ["report_id", "citizen_id", "element"],
        )


def downgrade() -> None:
    # Back to one score per element of a report: the reporter's (or the first one) is kept.
    op.execute(
        "DELETE FROM satisfaction_ratings WHERE id NOT IN (SELECT MIN(id) FROM satisfaction_ratings"
        " GROUP BY report_id, element)"
    )
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_satisfaction_ratings_report_id_citizen_id_element", type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_satisfaction_ratings_report_id_element", ["report_id", "element"]
        )
        batch_op.drop_constraint("fk_satisfaction_ratings_citizen_id_citizens", type_="foreignkey")
        batch_op.drop_column("citizen_id")
