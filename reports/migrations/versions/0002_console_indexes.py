"""console indexes: agency inbox and manager dashboard

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The agency inbox reads "this agency's forwarded reports, oldest due first"; the dashboard counts
deadlines due soon per stage, durations of reports verified/answered in a period, breaches
(escalation actions) in a period and the currently escalated reports. Each gets an index that lets
the database answer from a range scan instead of reading a million rows.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(
            'ix_reports_agency_status_response_due', ['agency_id', 'status', 'response_due_at']
        )
        batch_op.create_index('ix_reports_status_response_due', ['status', 'response_due_at'])
        batch_op.create_index('ix_reports_verified_at', ['verified_at'])
        batch_op.create_index('ix_reports_answered_at', ['answered_at'])
        batch_op.create_index(
            'ix_reports_escalated',
            ['escalation_level'],
            postgresql_where=sa.text('escalation_level > 0'),
            sqlite_where=sa.text('escalation_level > 0'),
        )
    with op.batch_alter_table('sla_actions', schema=None) as batch_op:
        batch_op.create_index('ix_sla_actions_kind_performed', ['kind', 'performed_at'])


def downgrade() -> None:
    with op.batch_alter_table('sla_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_actions_kind_performed')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_escalated')
        batch_op.drop_index('ix_reports_answered_at')
        batch_op.drop_index('ix_reports_verified_at')
        batch_op.drop_index('ix_reports_status_response_due')
        batch_op.drop_index('ix_reports_agency_status_response_due')
