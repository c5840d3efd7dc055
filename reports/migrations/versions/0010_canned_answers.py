"""canned answers per agency

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

``canned_answers``: an agency's stock answers (issue 13), written by the agency head and inserted
by its officers into an answer. One agency's titles are unique, so the picker never shows two
entries with the same name. ``created_by_id``/``updated_by_id`` keep who wrote and who last
changed each text (it belongs to no report, so ``report_events`` is not its audit log).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from reports.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "canned_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_canned_answers_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_canned_answers_created_by_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_users.id"],
            name=op.f("fk_canned_answers_updated_by_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_answers")),
        sa.UniqueConstraint(
            "agency_id", "title", name=op.f("uq_canned_answers_agency_id_title")
        ),
    )
    op.create_index(
        op.f("ix_canned_answers_agency_id"), "canned_answers", ["agency_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_canned_answers_agency_id"), table_name="canned_answers")
    op.drop_table("canned_answers")
