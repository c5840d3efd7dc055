"""Embedded NLU: report type, agency routing and language of citizen messages.

Public API: :mod:`nlu.types` (``Prediction``), :mod:`nlu.service` (``build_nlu``) and
:mod:`nlu.fallback` (``guarded_nlu``, what the runtime holds); nothing heavy is imported here so
``import nlu`` stays cheap (models load lazily on first use).
"""
