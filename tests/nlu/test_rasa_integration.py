"""RasaNLU against real Rasa 3.6 servers: the report-type model and the agency model.

Why: the unit tests prove the mapping against Rasa's documented answer shape; this proves it
against Rasa itself (the exported projects train, ``rasa run --enable-api`` serves them, the
prefixed intents come back as our types and agency codes), that the agency model gives an agency
suggestion wherever the embedded NLU gives one (the combined model did not: after the report
type took the probability mass the agency family held ~1e-5), and that the bot keeps answering
when the real servers go away.

Needs the Rasa environment outside the clone (``nlu/rasa/setup_env.sh``; CI runs on a machine that
keeps it). If it is missing and Python 3.10 exists, it is created here (minutes, once); without
Python 3.10 the tests skip and say why. The models (a slice of the type data; all the routing
data, as ``make rasa`` trains it, with few epochs) are cached outside the clone by data hash, so
a warm run costs two server start-ups (20-50 s each).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from nlu.rasa.runtime import RasaEnvMissing, RasaServer, TrainedModel, ensure_rasa_env, train_nlu
from nlu.rasa_backend import REPORT_TYPES, RasaNLU
from nlu.rasa_export import (
    AGENCY_PREFIX,
    CONVERSATION_PREFIX,
    DATA_DIR,
    TYPE_PREFIX,
    RasaProject,
    build_project,
    load_rasa_examples,
)
from nlu.service import EmbeddedNLU
from nlu.types import NLU

pytestmark = [pytest.mark.rasa, pytest.mark.slow, pytest.mark.timeout(2400)]

PER_TYPE = 16
TYPE_EPOCHS = 20
AGENCY_EPOCHS = 30

#: Reports as citizens write them, none of them a training example: the demo's reports and
#: the kind of message the issue measured.
REPORTS = [
    "Jalan di depan SDN 3 Jl. Melati berlubang besar sdh 2 minggu, motor sering jatuh. "
    "Mohon segera diperbaiki.",
    "Sampah di TPS dekat pasar baru gak diangkut seminggu, baunya sampai ke rumah warga.",
    "Apa saja syarat pindah KK dari luar kota? Apakah bisa online?",
    "Saya rekam e-KTP bulan Agustus tapi sampai sekarang blm dicetak, katanya blanko habis.",
    "Saluran air di RT 04 RW 02 mampet, tiap hujan air masuk rumah. Sudah lapor ke kelurahan "
    "tapi belum ada tindakan.",
    "Lampu PJU di Jl. Anggrek mati sejak bulan lalu, rawan begal.",
    "jalan berlubang di depan pasar",
    "air PDAM di rumah kami keruh dan berbau sejak minggu lalu",
    "sampah di TPS belakang pasar tidak diangkut seminggu",
    "Jalan di depan SDN 3 Sukamaju rusak parah, banyak motor jatuh",
    "Lampu lalu lintas di simpang Pasar Baru mati sejak kemarin, rawan tabrakan.",
    "Puskesmas di kecamatan kami tutup jam 11 padahal jadwalnya sampai jam 2 siang",
    "Anak saya belum dapat KIP padahal keluarga kami terdaftar DTKS, mohon dibantu",
]


def type_project() -> RasaProject:
    """A few examples of every type and conversation intent, in file order (stable cache key)."""
    project = RasaProject(epochs=TYPE_EPOCHS)
    for filename, prefix, count in [
        ("report_type.yml", TYPE_PREFIX, PER_TYPE),
        ("conversation.yml", CONVERSATION_PREFIX, 4),
    ]:
        examples = load_rasa_examples(DATA_DIR / filename)
        project.add(prefix, {intent: texts[:count] for intent, texts in examples.items()})
    return project


def agency_project() -> RasaProject:
    """The agency model as ``make rasa`` builds it (all of routing.yml), with fewer epochs."""
    return build_project(epochs=AGENCY_EPOCHS, families=(AGENCY_PREFIX,))


@pytest.fixture(scope="module")
def rasa() -> Path:
    try:
        return ensure_rasa_env(create=True)
    except RasaEnvMissing as exc:
        pytest.skip(f"Rasa 3.6 environment unavailable (needs Python 3.10): {exc}")


@pytest.fixture(scope="module")
def models(rasa: Path) -> dict[str, TrainedModel]:
    return {
        "type": train_nlu(type_project(), rasa=rasa),
        "agency": train_nlu(agency_project(), rasa=rasa),
    }


@pytest.fixture(scope="module")
def module_servers(rasa: Path, models: dict[str, TrainedModel]) -> Iterator[dict[str, RasaServer]]:
    """One server per model for the module (a start-up costs ~20-50 s); tests may stop them."""
    servers = {name: RasaServer(model.path, rasa=rasa) for name, model in models.items()}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture
def servers(module_servers: dict[str, RasaServer]) -> dict[str, RasaServer]:
    """The module's servers, (re)started if an earlier test stopped one."""
    for server in module_servers.values():
        if server.process is None:
            server.start()
    return module_servers


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> NLU:
    return EmbeddedNLU(Settings(data_dir=tmp_path_factory.mktemp("embedded")))


def backend(servers: dict[str, RasaServer], embedded: NLU, tmp_path: Path) -> RasaNLU:
    settings = Settings(
        data_dir=tmp_path,
        nlu_backend="rasa",
        rasa_url=servers["type"].url,
        rasa_agency_url=servers["agency"].url,
        rasa_timeout_seconds=5.0,
    )
    return RasaNLU(settings, fallback=embedded)


def test_types_and_agencies_mapped_from_real_rasa(
    servers: dict[str, RasaServer], embedded: NLU, tmp_path: Path, models: dict[str, TrainedModel]
) -> None:
    nlu = backend(servers, embedded, tmp_path)
    routing = load_rasa_examples(DATA_DIR / "routing.yml")
    try:
        text = "jalan berlubang di depan pasar"
        assert {name.split("__")[0] for name, _ in nlu.parse(text)} >= {"type", "conv"}
        agency_ranking = nlu.parse(text, family=AGENCY_PREFIX)
        assert {name.split("__")[0] for name, _ in agency_ranking} == {"agency"}
        assert len(agency_ranking) == len(routing)  # the whole family is ranked

        hits = 0
        for agency, texts in routing.items():
            prediction = nlu.route_agency(texts[0])  # a training example
            assert prediction.label == prediction.ranking[0][0]
            assert {label for label, _ in prediction.ranking} <= set(routing)
            assert 0.0 < sum(conf for _, conf in prediction.ranking) <= 1.0 + 1e-6  # top 5 of 20
            confidences = [conf for _, conf in prediction.ranking]
            assert confidences == sorted(confidences, reverse=True)
            assert prediction.model_version == f"rasa {models['agency'].path.name}"
            hits += prediction.label == agency
        assert hits >= len(routing) * 0.8

        kind = nlu.classify_type("kenapa lampu jalan di gang kami mati terus, tolong diperbaiki")
        assert kind.label in REPORT_TYPES
        assert {label for label, _ in kind.ranking} == REPORT_TYPES
        assert sum(conf for _, conf in kind.ranking) == pytest.approx(1.0, abs=1e-6)
        assert kind.model_version == f"rasa {models['type'].path.name}"
        assert nlu.rasa_available
    finally:
        nlu.close()


def test_rasa_gives_an_agency_wherever_the_embedded_nlu_does(
    servers: dict[str, RasaServer], embedded: NLU, tmp_path: Path
) -> None:
    """Where the embedded NLU suggests an agency (confidently), Rasa's agency model suggests one
    too, and is confident for nearly all of them.

    The combined model trained on all our data (``benchmarks/nlu/rasa_agency.md``) gave a
    confident agency for 6 of these 12 only: the type took the softmax, the agency family held
    1.8e-10 to 4.9e-04 of it for 9 of them.
    """
    nlu = backend(servers, embedded, tmp_path)
    try:
        sure = [text for text in REPORTS if embedded.route_agency(text).confident]
        assert len(sure) >= 8, "the embedded NLU should be sure of most of these reports"
        answers = {text: nlu.route_agency(text) for text in sure}
    finally:
        nlu.close()
    assert all(p.model_version and p.model_version.startswith("rasa ") for p in answers.values())
    # A suggestion for every one: the agency family is not starved (the combined model left it
    # 1.8e-10 to 4.9e-04), whatever Rasa's own model makes of the text ...
    starved = {text[:50]: p.confidence for text, p in answers.items() if p.confidence < 0.2}
    assert starved == {}
    # ... and a confident one for nearly all (one of 13 may be a real disagreement of the two
    # models: with the kelurahan named, Rasa's 30-epoch model leans to the kelurahan office).
    unsure = {
        text[:50]: (p.label, round(p.confidence, 2), embedded.route_agency(text).label)
        for text, p in answers.items()
        if not p.confident
    }
    assert len(unsure) <= 1, unsure
    agree = sum(p.label == embedded.route_agency(text).label for text, p in answers.items())
    assert agree >= len(sure) * 0.75


def test_falls_back_to_embedded_when_the_real_servers_stop(
    servers: dict[str, RasaServer], embedded: NLU, tmp_path: Path
) -> None:
    nlu = backend(servers, embedded, tmp_path)
    text = "air PDAM di rumah kami keruh dan berbau sejak minggu lalu"
    other = "sampah di TPS belakang pasar tidak diangkut seminggu"
    try:
        assert nlu.route_agency(text).model_version.startswith("rasa ")  # type: ignore[union-attr]
        servers["agency"].stop()
        # The agency comes from the embedded model; the type still from Rasa.
        assert nlu.route_agency(other) == embedded.route_agency(other)
        assert nlu.classify_type(other).model_version.startswith("rasa ")  # type: ignore[union-attr]
        assert not nlu.rasa_available
        servers["type"].stop()
        last = "pohon tumbang menutup jalan di depan kantor kelurahan"
        assert nlu.classify_type(last) == embedded.classify_type(last)
    finally:
        nlu.close()
