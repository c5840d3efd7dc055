"""dashboard covering indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Measured at 1M reports on PostgreSQL: the dashboard's period queries spent most of their time
fetching scattered heap rows. These indexes carry the columns the queries read (INCLUDE, on
PostgreSQL), so they become index-only scans; they replace the plain 0002 indexes they cover.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_verified_at')
        batch_op.drop_index('ix_reports_answered_at')
        batch_op.drop_index('ix_reports_escalated')
        batch_op.create_index(
            'ix_reports_verified_cover', ['verified_at'],
            postgresql_include=['agency_id', 'created_at', 'type'],
        )
        batch_op.create_index(
            'ix_reports_answered_cover', ['answered_at'],
            postgresql_include=['agency_id', 'verified_at', 'response_due_at', 'type'],
        )
        batch_op.create_index(
            'ix_reports_open_escalated', ['status', 'escalation_level'],
            postgresql_where=sa.text('escalation_level > 0'),
            sqlite_where=sa.text('escalation_level > 0'),
        )
        batch_op.create_index('ix_reports_status_agency_type', ['status', 'agency_id', 'type'])
    with op.batch_alter_table('sla_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_actions_kind_performed')
        batch_op.create_index(
            'ix_sla_actions_kind_performed_cover', ['kind', 'performed_at'],
            postgresql_include=['report_id', 'stage', 'level', 'outcome'],
        )
    with op.batch_alter_table('satisfaction_ratings', schema=None) as batch_op:
        batch_op.create_index(
            'ix_satisfaction_ratings_created_cover', ['created_at'],
            postgresql_include=['agency_id', 'element', 'score', 'report_id'],
        )


def downgrade() -> None:
    with op.batch_alter_table('satisfaction_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_satisfaction_ratings_created_cover')
    with op.batch_alter_table('sla_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_sla_actions_kind_performed_cover')
        batch_op.create_index('ix_sla_actions_kind_performed', ['kind', 'performed_at'])
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_status_agency_type')
        batch_op.drop_index('ix_reports_open_escalated')
        batch_op.drop_index('ix_reports_answered_cover')
        batch_op.drop_index('ix_reports_verified_cover')
        batch_op.create_index(
            'ix_reports_escalated', ['escalation_level'],
            postgresql_where=sa.text('escalation_level > 0'),
            sqlite_where=sa.text('escalation_level > 0'),
        )
        batch_op.create_index('ix_reports_answered_at', ['answered_at'])
        batch_op.create_index('ix_reports_verified_at', ['verified_at'])
