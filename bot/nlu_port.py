"""The conversation's view of the NLU: the deployment's classifier behind the keyword fallback.

The port itself is :class:`reports.classifier.Classifier`; the fallback is ``nlu.fallback``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from nlu.fallback import Guarded, guarded_nlu
from reports.classifier import Classifier

if TYPE_CHECKING:
    from config.settings import Settings

_CLASSIFIERS_LOCK = threading.Lock()

#: Guarded NLUs by ``id(settings)``, holding the settings object so its id cannot be reused.
_CLASSIFIERS: dict[int, tuple[Settings, Guarded]] = {}
_CLASSIFIERS_KEPT = 8  # processes have one settings object; test runs make many


def classifier(settings: Settings) -> Classifier:
    """The deployment's NLU (built once per settings object), behind the keyword fallback."""
    found = _CLASSIFIERS.get(id(settings))
    if found is not None and found[0] is settings:
        return found[1]
    guarded = guarded_nlu(settings)
    with _CLASSIFIERS_LOCK:
        while len(_CLASSIFIERS) >= _CLASSIFIERS_KEPT:
            del _CLASSIFIERS[next(iter(_CLASSIFIERS))]  # the oldest
        _CLASSIFIERS[id(settings)] = (settings, guarded)
    return guarded
