"""The domain core: reports, their lifecycle, the people involved, the audit log and the outbox.

Nothing in this package imports web or channel code; it is driven by use cases in ``service.py``
that take a database session and an explicit ``now``.
"""
