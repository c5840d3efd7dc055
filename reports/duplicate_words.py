"""The word tables of duplicate scoring: chat spellings and synonyms brought to one word, the words
that say nothing about the problem, and the words that name a place or a problem's object.

Data apart from the rules (``reports.duplicate_scoring``) so a reader tuning the scorer reads
its arithmetic in one file and a reader adding a synonym touches only this one. They live in
``reports`` rather than in ``nlu`` because ``reports`` sits below ``nlu`` in the layers
(architecture.md).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Chat spellings and abbreviations to one word, and words that name the same problem to one
#: canonical word. Kept small on purpose: the trigram overlap covers the spelling variants.
CANON: dict[str, str] = {
    # place words
    "jl": "jalan", "jln": "jalan", "jalan2": "jalan", "gg": "gang", "lr": "lorong",
    "kel": "kelurahan", "kelurahn": "kelurahan", "ds": "desa", "kec": "kecamatan",
    "perum": "perumahan", "komp": "komplek", "kompleks": "komplek",
    # chat words
    "tdk": "tidak", "gak": "tidak", "ga": "tidak", "nggak": "tidak", "enggak": "tidak",
    "gk": "tidak", "ngga": "tidak", "blm": "belum", "sdh": "sudah", "udh": "sudah",
    "udah": "sudah", "dah": "sudah", "yg": "yang", "dgn": "dengan", "krn": "karena",
    "bgt": "banget", "sgt": "sangat", "dr": "dari", "utk": "untuk", "dlm": "dalam",
    "hr": "hari", "mgg": "minggu", "bln": "bulan", "kmrn": "kemarin",
    # street lights
    "pju": "lampu", "penerangan": "lampu", "lampunya": "lampu", "lamp": "lampu",
    "streetlight": "lampu", "light": "lampu", "lights": "lampu",
    "padam": "mati", "redup": "mati", "gelap": "mati", "nyala": "mati", "menyala": "mati",
    "off": "mati", "out": "mati", "dark": "mati",
    # roads
    "aspal": "lubang", "asphalt": "lubang",
    "berlubang": "lubang", "bolong": "lubang", "lobang": "lubang", "pothole": "lubang",
    "potholes": "lubang", "hole": "lubang", "holes": "lubang", "ambles": "lubang",
    "amblas": "lubang", "retak": "lubang", "hancur": "rusak", "ancur": "rusak",
    "broken": "rusak", "damaged": "rusak",
    # waste
    "sampahnya": "sampah", "garbage": "sampah", "trash": "sampah", "rubbish": "sampah",
    "waste": "sampah", "tps": "sampah", "numpuk": "tumpuk", "menumpuk": "tumpuk",
    "bertumpuk": "tumpuk", "piling": "tumpuk", "diangkut": "angkut", "terangkut": "angkut",
    "collected": "angkut", "bau": "bau", "busuk": "bau", "smell": "bau", "smells": "bau",
    # water, drains, floods
    "tergenang": "banjir", "genangan": "banjir", "menggenang": "banjir", "flood": "banjir",
    "flooded": "banjir", "flooding": "banjir", "got": "saluran", "selokan": "saluran",
    "drainase": "saluran", "gorong": "saluran", "drain": "saluran", "drains": "saluran",
    "gutter": "saluran", "mampet": "sumbat", "tersumbat": "sumbat", "buntu": "sumbat",
    "clogged": "sumbat", "blocked": "sumbat", "keran": "pdam", "water": "pdam",
    "mengalir": "mati", "ngalir": "mati", "flowing": "mati", "kering": "mati", "piped": "pdam",
    "dry": "mati", "leding": "pdam",
    "bocor": "bocor", "leak": "bocor", "leaking": "bocor", "pipa": "pipa", "pipe": "pipa",
    # trees, cables
    "dahan": "pohon", "ranting": "pohon", "tree": "pohon", "trees": "pohon",
    "tumbang": "tumbang", "roboh": "tumbang", "rubuh": "tumbang", "ambruk": "tumbang",
    "fallen": "tumbang", "fell": "tumbang", "patah": "tumbang", "kabelnya": "kabel",
    "cable": "kabel", "cables": "kabel", "wire": "kabel", "wires": "kabel", "menjuntai": "juntai",
    "terjuntai": "juntai", "hanging": "juntai", "kendor": "juntai", "semrawut": "juntai",
    # traffic, order
    "kemacetan": "macet", "jam": "jam", "traffic": "macet", "pkl": "pedagang",
    "lapak": "pedagang", "vendors": "pedagang", "vendor": "pedagang",
    "pungutan": "pungli", "parking": "parkir", "trotoar": "trotoar", "sidewalk": "trotoar",
    "pavement": "trotoar", "anjing": "anjing", "dogs": "anjing", "dog": "anjing",
    "nyamuk": "nyamuk", "dbd": "nyamuk", "fogging": "nyamuk", "mosquito": "nyamuk",
    "mosquitoes": "nyamuk", "dengue": "nyamuk", "demam": "nyamuk", "berdarah": "nyamuk",
    "noise": "bising", "berisik": "bising", "bising": "bising", "noisy": "bising",
    "loud": "bising", "karaoke": "bising", "workshop": "bengkel",
}  # fmt: skip

#: Words that say nothing about which problem it is (courtesy, time, people, places in general).
STOP = _words(
    """
    di ke dari yang dan atau itu ini tersebut sudah sejak selama sekitar sangat banyak tidak
    belum ada adalah akan bisa dapat sering selalu masih juga lagi pada untuk dengan karena tapi
    namun jadi sehingga agar supaya mohon tolong minta harap segera kami saya kita aku warga
    pak bu ibu bapak min admin kak mas mbak bang dong deh sih kok ya yah nya banget sekali parah
    hari minggu bulan malam pagi siang sore kemarin tadi sekarang lama berhari
    depan dekat samping belakang seberang sebelah ujung tengah daerah wilayah lokasi kawasan
    rt rw no nomor kelurahan desa kecamatan kota kabupaten perumahan komplek blok gang lorong
    dusun kampung lingkungan
    laporan lapor melaporkan diperbaiki perbaiki ditangani tangani tindak lanjut pemerintah dinas
    terima kasih please the a an is are was were has have been not and or of to for from with
    since very at in on near our my we it this that there here days weeks week month
    report fix fixed please already still again
    """
)
#: Words that may follow a street's name without being part of its key ("jalan melati raya").
NAME_SUFFIXES = _words("raya utara selatan timur barat tengah baru lama dalam luar")
#: Words after "jalan"/"kelurahan" that show it is not a name ("jalan rusak", "jalan di").
NOT_NAMES = STOP | _words(
    "rusak lubang mati banjir macet licin becek sempit utama umum kampung raya tidak ini"
) - {"gang", "lorong"}
#: Titles and common first names before a street's name, skipped for its key ("Jl. Jend.
#: Sudirman" and "jalan sudirman", "Jl. A. Yani" and "jalan ahmad yani").
TITLES = _words(
    "jenderal jend jen jendral letjen mayjen kh haji hj h dr ir prof ahmad achmad muhammad "
    "mohammad moh raden teuku tengku"
)
#: Canonical words for a kind of place: they start a name, never belong to one.
PLACE_WORDS = frozenset(
    {"jalan", "gang", "lorong", "kelurahan", "desa", "kecamatan", "perumahan", "komplek"}
)
#: Canonical problem words: never part of a name ("jalan lampu mati" is no street "lampu").
PROBLEM_WORDS = frozenset(CANON.values()) - PLACE_WORDS

#: What a problem is about (a street light, the road surface, rubbish, a drain...). Two reports
#: that each name such a thing, and no common one, are about different problems however alike
#: the rest of their words ("lampu mati di Jl. Melati" and "air mati di Jl. Melati").
OBJECTS = _words(
    "lampu lubang sampah saluran pdam pohon kabel trotoar pedagang nyamuk bising parkir jembatan"
)
