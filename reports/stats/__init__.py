"""Dashboard metrics as plain domain queries (used by the console and ``/api/v1/statistics``).

The package by level, from plain values up to the engine: :mod:`~reports.stats.figures`
(the filter and the rows the figures come in), :mod:`~reports.stats.sql` (the per-agency
query shapes and what differs between dialects), :mod:`~reports.stats.metrics` (one function
per metric) and :mod:`~reports.stats.parallel` (the whole dashboard, its metrics run at once
on parallel connections in one snapshot).

Every function takes the session, a :class:`StatsFilter` and, where the answer depends on it, an
explicit ``now``. Aggregation happens in SQL (GROUP BY, conditional counts; percentiles with
``percentile_cont`` on PostgreSQL), so the cost is one indexed query per metric, not one row per
report in Python. SQLite has no percentile function: there the durations are read sorted and the
percentiles taken in Python, which is fine at single-office scale.

Cost at scale (1M reports, PostgreSQL; migration 0005 has the indexes): the period metrics read
only the rows of the period, from indexes led by the agency and the period column, one range scan
per agency (``UNION ALL`` branches that PostgreSQL runs on its parallel workers) instead of one
scan of the period sorted by agency (which spilled to disk and cost ~2x). The reports answered in
the period are read once for both the time to answer and the compliance counts (``FILTER``
aggregates). Breaches reach their reports by index-only lookups. The numbers are exactly those of
a plain ``GROUP BY``: groups without rows are dropped, and reports or ratings without an agency
form their own group, as before (``tests/console/test_stats_exact.py`` checks this against a
computation in Python on random data, on both databases).

Definitions (kept deliberately simple and stated on the dashboard):

- *open by stage*: current counts of open statuses (the period filter does not apply).
- *due today / within 24 h / overdue*: staff deadlines only (verification for submitted reports,
  follow-up for forwarded ones); the citizen's response window is not a staff deadline.
- *breaches*: SLA escalation actions performed in the period; level 1 is the breach itself,
  higher levels are further escalations. Grouped by the report's current agency and the stage.
- *time to verify*: ``verified_at - created_at`` for reports verified in the period; *time to
  answer*: ``answered_at - verified_at`` for reports answered in the period (calendar hours).
- *compliance*: of the reports answered in the period, plus those still unanswered past their
  follow-up deadline now, the share answered by the deadline.
"""
