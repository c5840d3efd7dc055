"""Embedded NLU: report type, agency routing and language of citizen messages.

Public API in :mod:`nlu.service` (``get_nlu``, ``Prediction``); nothing heavy is imported here so
``import nlu`` stays cheap (models load lazily on first use).
"""
