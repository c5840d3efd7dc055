"""Outbox delivery, all of it: the worker loop (``sender``), claiming rows (``outbox``), what a
row becomes for its provider (``compose``), pacing (``ratelimit``), texts (``texts``), the web
chat's read of its replies (``outbox_view``), a worker process's wiring (``worker``) and the
``worker``/``telegram`` commands (``cli``). Each part is testable alone.
"""
