"""Outbox delivery, all of it: the worker loop (``sender``), claiming rows (``outbox``), pacing
(``ratelimit``), texts (``texts``), the web chat's read of its replies (``outbox_view``) and the
``worker``/``telegram`` commands (``cli``). Each part is testable alone.
"""
