"""nlu model version on reports

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

The NLU's suggestion at intake (type, agency, their calibrated confidences) was stored without
saying which model made it. With models retrained from a deployment's history and verifier
corrections, a correction must be traceable to the model that erred, and the API shows it as
``suggestion.model_version``. Nullable: reports from before this column (and reports that got
no suggestion) have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nlu_model_version", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("nlu_model_version")
