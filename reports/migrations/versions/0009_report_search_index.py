"""report full-text search index (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

``reports.search`` matches ``to_tsvector('simple', title || body || location)`` against the query
on PostgreSQL; without an index that is a sequential scan re-parsing every report's text on each
search. A GIN index on the same expression makes it an index lookup. The expression must stay
identical to ``reports.search.PG_DOCUMENT`` or the planner will not use it. SQLite searches with
LIKE and gets no index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = (
    "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || "
    "coalesce(body, '') || ' ' || coalesce(location_text, ''))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_reports_search ON reports USING gin ({DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_reports_search")
