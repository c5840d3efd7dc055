"""The composition root: the one place that builds a :class:`reports.runtime.Runtime`.

The outermost layer plugs the deployment's parts into the runtime's ports (the NLU behind its
keyword fallback) and hands the runtime down: to the ASGI app (``webhooks.app.create_app``) and
to every command line (``webhooks.cli``, which passes this builder to the bot's commands as the
Click context object).
"""

from __future__ import annotations

from config.settings import Settings
from nlu.fallback import guarded_nlu
from reports.runtime import Runtime


def build_runtime(settings: Settings) -> Runtime:
    """The process's runtime; the NLU's models load on the first message, not here."""
    return Runtime.from_settings(settings, classifier=guarded_nlu(settings))
