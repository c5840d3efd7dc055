"""report import key

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

``suarawarga import reports`` brings a city's earlier reports in. Each imported report keeps the
key of the row it came from (the file's source id, or a hash of the row's content) under a unique
constraint, so importing the same file twice adds nothing and a second run after an interrupted
one skips what is already there. Nullable: live reports have no import key. The unique constraint
is also the index the importer's "already imported?" lookup uses.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint("uq_reports_import_key", ["import_key"])


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reports_import_key", type_="unique")
        batch_op.drop_column("import_key")
