"""The guard around the deployment's NLU (``nlu.fallback``), which the runtime carries.

Why: a classifier that cannot be built or answer must cost the citizen a question about the type,
never a reply, and must not stick once the NLU works again (the runtime holds one guard for the
life of the process, so a failure kept would be kept until a restart).
"""

from __future__ import annotations

from pathlib import Path

from nlu.fallback import Guarded, KeywordFallback, guarded_nlu
from nlu.language import detect_language
from nlu.service import build_nlu
from nlu.types import NLU
from tests.nlu.helpers import settings_for

PDAM = "air pdam mati sejak kemarin di rumah kami, tolong segera diperbaiki"


def test_keywords_answer_while_the_nlu_cannot_be_built_then_the_nlu_does(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    attempts: list[int] = []

    def build() -> NLU:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("model file unreadable")
        return build_nlu(settings)

    nlu = Guarded(build, settings)
    first = nlu.route_agency(PDAM)
    assert (first.label, first.confident, first.model_version) == ("air_minum", False, None)
    kind = nlu.classify_type(PDAM)  # built on this call: the failure was not kept
    assert kind.model_version is not None and kind.model_version.startswith("embedded ")
    assert len(attempts) == 2
    nlu.route_agency(PDAM)
    assert len(attempts) == 2  # built once, then kept


def test_the_keyword_fallback_never_claims_confidence(tmp_path: Path) -> None:
    fallback = KeywordFallback(settings_for(tmp_path))
    kind = fallback.classify_type(PDAM)
    assert (kind.label, kind.confident) == ("complaint", False)
    nowhere = fallback.route_agency("halo")
    assert (nowhere.label, nowhere.ranking, nowhere.confident) == ("lainnya", [], False)


def test_one_language_guess_everywhere(tmp_path: Path) -> None:
    texts = ["where is my report status please", "jalan di depan rumah saya rusak", "ok"]
    fallback = KeywordFallback(settings_for(tmp_path))
    assert [fallback.detect_language(t) for t in texts] == [detect_language(t) for t in texts]


def test_each_guard_builds_its_own_nlu(tmp_path: Path) -> None:
    """No process-wide cache: the runtime holds the one NLU of a process."""
    a, b = guarded_nlu(settings_for(tmp_path)), guarded_nlu(settings_for(tmp_path))
    assert a.primary is not b.primary
    assert a.primary is a.primary
