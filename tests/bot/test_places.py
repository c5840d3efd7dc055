"""The place extractor on its own: what counts as a place a field officer could find, and what
does not (``bot/places.py``)."""

from __future__ import annotations

import pytest

from bot.places import Place, answers_where, coordinates, find


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # streets, abbreviated or not, capitalised or in chat lower case
        ("Lampu jalan di Jl. Melati No. 5 mati", "Jl. Melati No. 5"),
        ("lampu jalan di jl melati no 5 mati sejak seminggu", "jl melati no 5"),
        ("jln sudirman km 5 macet parah", "jln sudirman km 5"),
        ("Lampu lalu lintas di perempatan Jalan Sudirman mati", "Jalan Sudirman"),
        ("di jalan melati motor saya jatuh", "jalan melati"),
        (
            "Pohon hampir tumbang di pinggir Jalan Raya Bogor km 30",
            "pinggir Jalan Raya Bogor km 30",
        ),
        ("gang 5 becek", "gang 5"),
        ("banyak sampah di Gg. Mawar", "Gg. Mawar"),
        # RT/RW in the ways people write them
        ("Sampah menumpuk di RT 03/RW 02 sudah dua minggu", "RT 03/RW 02"),
        ("rt 5 rw 2 got mampet", "rt 5 rw 2"),
        ("banjir RT.03 RW.02", "RT.03 RW.02"),
        ("banjir di rt 3", "rt 3"),
        # villages, districts, housing
        ("Jalan di Desa Sukamaju rusak", "Desa Sukamaju"),
        ("kenapa jalan di kecamatan cibeunying tidak diperbaiki", "kecamatan cibeunying"),
        ("Saluran air di Perum Griya Asri Blok C2 mampet", "Perum Griya Asri Blok C2"),
        ("Mohon dibangun taman di Kota Bandung", "Kota Bandung"),
        ("air mati di Komplek Batununggal Indah", "Komplek Batununggal Indah"),
        # landmarks: with a position word, or a name or number
        ("Jalan di depan SDN 3 Sukamaju rusak parah", "depan SDN 3 Sukamaju"),
        ("banjir dekat masjid", "dekat masjid"),
        ("Ada lubang dekat masjid Al-Ikhlas", "dekat masjid Al-Ikhlas"),
        ("jln di dpn pasar cikurubuk rusak", "dpn pasar"),
        ("Pasar Kebayoran becek dan kotor", "Pasar Kebayoran"),
        ("antrian di RSUD Cibabat lama sekali", "RSUD Cibabat"),
        ("macet di sekitar rumah sakit", "sekitar rumah sakit"),
        # English
        ("The streetlight on Melati Street is broken", "Melati Street"),
        ("There is a pothole near the mosque", "near the mosque"),
        ("flooding in front of SDN 3", "in front of SDN 3"),
        # all caps: names are not trusted, landmarks still are
        ("JALAN RUSAK PARAH DI DEPAN SDN 3 SUKAMAJU", "DEPAN SDN 3"),
        # map links are kept whole
        ("https://maps.app.goo.gl/AbCdEf123", "https://maps.app.goo.gl/AbCdEf123"),
    ],
)
def test_places_are_found(text: str, place: str) -> None:
    found = find(text)
    assert found is not None and found.text == place


@pytest.mark.parametrize(
    "text",
    [
        "",
        "jalan rusak",
        "jln rusk",
        "lampu mati",
        "sampah numpuk",
        "banjir lagi",
        "halo min",
        "jalan di depan rumah saya rusak",  # no landmark an officer could find
        "jalan menuju kampung kami rusak",
        "warga desa kami kesulitan air",
        "Lampu penerangan jalan di gang rumah saya mati",
        "saluran di sepanjang gang tertutup tanah",
        "Saya berharap pemerintah kota menambah jalur sepeda",
        "harga di pasar naik terus",  # a market, but which one?
        "Bagaimana cara mengurus akta kelahiran?",
        "harga 5.000, 100.000 mahal",  # rupiah, not coordinates
        "versi 1.2 3.4",
        "😡😡😡",
        "مرحبا بكم",
    ],
)
def test_no_place_is_invented(text: str) -> None:
    assert find(text) is None


def test_several_parts_are_kept_in_reading_order_once() -> None:
    found = find("Jl. Melati No. 5 RT 03/RW 02 Kel. Sukajadi, sekali lagi Jl. Melati No. 5")
    assert found == Place("Jl. Melati No. 5, RT 03/RW 02, Kel. Sukajadi")


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("-6.2, 106.8", -6.2, 106.8),
        ("lokasi: -6.917464 107.619123", -6.917464, 107.619123),
        ("https://maps.google.com/?q=-6.2088,106.8456", -6.2088, 106.8456),
        ("https://www.google.com/maps/place/Monas/@-6.1753924,106.8271528,17z", -6.1753924,
         106.8271528),
        ("https://www.openstreetmap.org/#map=17/-6.91746/107.61912", -6.91746, 107.61912),
        ("1.4748, 124.8421 (Manado)", 1.4748, 124.8421),
    ],
)  # fmt: skip
def test_coordinates_typed_or_in_a_link(text: str, lat: float, lon: float) -> None:
    assert coordinates(text) == (lat, lon)
    found = find(text)
    assert found is not None and (found.latitude, found.longitude) == (lat, lon)


@pytest.mark.parametrize("text", ["91.0, 10.0", "-6.2, 200.5", "0.0, 0.0", "Rp 12.500, 15.000"])
def test_impossible_or_price_like_coordinates_are_ignored(text: str) -> None:
    assert coordinates(text) is None


def test_huge_and_hostile_text_is_handled() -> None:
    text = ("Jalan di depan SDN 3 rusak. " * 800) + "\x00" + "Ü" * 5000
    found = find(text)
    assert found is not None and found.text == "depan SDN 3"
    assert find("jalan " * 5000) is None


@pytest.mark.parametrize(
    ("answer", "is_place"),
    [
        ("depan rumah saya", True),  # the citizen's own words are the place
        ("di ujung gang setelah warung bu Sri", True),
        ("alamatnya gang buntu setelah warung", True),
        ("near the old market", True),
        ("Jl. Kenanga No. 7", True),
        ("-6.2, 106.8", True),
        ("sudah dua minggu tidak diangkut dan baunya menyengat", False),
        ("tolong cepat ya", False),
    ],
)
def test_answers_to_where(answer: str, is_place: bool) -> None:
    assert answers_where(answer) is is_place
