"""The ``agencies.yml`` keyword evidence that ``route_agency`` mixes into the routing model.

Why these cases: leave-region-out on real city messages (benchmarks/nlu/METHODS.md, issue 11)
showed keywords pulling real messages to the wrong agency: an address ("RT 03 RW 05, Kelurahan
...") counted as evidence for the kelurahan office, a school used as a landmark ("depan SMP 3")
for education, and every flood for the disaster agency, although a street that floods because
its drain is blocked is the public works department's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import CONFIG_DIR
from nlu.service import EmbeddedNLU, _Keywords
from tests.nlu.helpers import settings_for


@pytest.fixture(scope="module")
def keywords() -> _Keywords:
    return _Keywords(CONFIG_DIR / "agencies.yml")


def test_an_address_is_not_evidence_for_the_kelurahan(keywords: _Keywords) -> None:
    scores = keywords.scores("Jalan berlubang depan RT 03 RW 05 Kelurahan Sukamaju Kec. Barat")
    assert "kewilayahan" not in scores
    assert max(scores, key=lambda code: scores[code]) == "pupr"


def test_the_kelurahan_office_itself_still_is(keywords: _Keywords) -> None:
    assert keywords.scores("pak lurah tidak pernah ada di kantor kelurahan")["kewilayahan"] == 1.0


def test_a_school_as_a_landmark_is_not_evidence_for_education(keywords: _Keywords) -> None:
    scores = keywords.scores("lampu jalan di depan SMP 3 mati sudah seminggu")
    assert scores == {"perhubungan": 1.0}


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        ("tiap hujan jalan tergenang karena saluran air mampet", "pupr"),
        ("mohon normalisasi sungai, tiap hujan banjir masuk rumah", "pupr"),
        ("korban banjir bandang mengungsi di masjid belum dapat bantuan", "kebencanaan"),
        ("denda pelayanan rawat inap peserta JKN berapa?", "kesehatan"),
    ],
)
def test_floods_by_cause_and_health_insurance(keywords: _Keywords, text: str, agency: str) -> None:
    scores = keywords.scores(text)
    assert max(scores, key=lambda code: scores[code]) == agency


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        # A drain-caused flood told as a tweet to the mayor: public works, not the disaster agency.
        (
            "#LaporPakWali pak jl. flamboyan banjir lagi tiap hujan, selokannya penuh lumpur dan "
            "gak pernah dikeruk",
            "pupr",
        ),
        # JKN membership administration, titled like a LAPOR! request for information.
        (
            "Permintaan informasi. iuran BPJS kesehatan saya tertagih dua kali bulan ini, "
            "mohon dicek",
            "kesehatan",
        ),
        # A street address and a school landmark must not pull it to the kelurahan or education.
        (
            "PKL jualan di trotoar depan SMA 1, RT 02 RW 04, pejalan kaki turun ke jalan",
            "ketertiban",
        ),
    ],
)
def test_the_shipped_model_as_served_routes_real_styles(
    tmp_path: Path, text: str, agency: str
) -> None:
    assert EmbeddedNLU(settings_for(tmp_path)).route_agency(text).label == agency
