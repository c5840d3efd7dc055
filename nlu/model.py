"""Where model files written before ``nlu/model.py`` was split find their featurizer class.

A model artifact is a pickle (:mod:`nlu.artifact`), and a pickle names each class by the module
that defined it. Every artifact written before the split names ``nlu.model.Featurizer``: the
shipped ``nlu/models/*.joblib`` and any model a deployment trained into ``settings.models_dir``.
Unpickling imports this module and takes ``Featurizer`` from it, so those files keep loading
(without it they would fail to load, and a deployment's own retrained model would silently give
way to the shipped one). Files written since name ``nlu.features.Featurizer``.

Code imports :mod:`nlu.features`, :mod:`nlu.estimators`, :mod:`nlu.classifier` and
:mod:`nlu.artifact`, never this module. It can go once the shipped models are regenerated
(``python -m nlu.train``) and ``ARTIFACT_VERSION`` is bumped, so older files are refused with a
"retrain" message instead of an unpickling error.
"""

from __future__ import annotations

from nlu.features import Featurizer

__all__ = ["Featurizer"]
