"""A report made in the chat keeps its NLU suggestion with the models that made it.

Why: the console and the API show ``suggestion.model_version``, and a verifier's correction is
only useful for retraining when it can be traced to the model that erred.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.bot.conftest import Chat, complete, make_runtime

STORY = (
    "Jalan di Jl. Melati No. 5 RT 03 rusak parah dan berlubang sejak sebulan, "
    "kemarin ada motor jatuh di situ."
)


def test_submitted_report_stores_the_suggestion_and_its_model_version(
    engine: Engine, bot_data_dir: Path
) -> None:
    chat = Chat(make_runtime(engine, bot_data_dir, nlu_type_threshold=0.0))
    complete(chat, chat.send(STORY))
    [report] = chat.reports()
    nlu = chat.runtime.classifier
    kind, agency = nlu.classify_type(STORY), nlu.route_agency(STORY)
    assert (report.nlu_type, report.nlu_agency_code) == (kind.label, agency.label)
    assert report.nlu_agency_confidence is not None and report.nlu_agency_confidence > 0
    # The port promises no version; the embedded model's predictions carry one.
    versions = f"{kind.model_version} + {agency.model_version}"
    assert report.nlu_model_version == versions
    assert report.nlu_model_version.startswith("embedded report_type@")
