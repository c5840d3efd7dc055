"""Outbox delivery: claiming rows (``outbox``), pacing (``ratelimit``), texts (``texts``).

The worker loop itself is ``bot.sender``; these modules are its parts, each testable alone.
"""
