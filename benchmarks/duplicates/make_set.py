"""Write the duplicate-detection set (``reports.jsonl``): realistic reports with known groups.

Every sentence, street and kelurahan below was written by hand for this set (no real report and
no personal data). The script only combines them deterministically (fixed seed) into incidents:
one problem at one place, reported one to four times by different citizens, each in their own
words and writing the place their own way ("Jl. Melati No. 12, Kel. Sukamaju", "jln melati
sukamaju", "depan masjid di jalan Melati Raya", a shared position only). The hard cases are
deliberate:

- different problems at the same place (a pothole and a dark street light on Jl. Melati);
- the same problem on a street of the same name in another kelurahan (Jl. Melati, Sukamaju and
  Jl. Melati, Cipinang), and on the next street within a few hundred metres;
- the same problem at the same place more than 30 days later (a new incident, not a duplicate).

Run ``python -m benchmarks.duplicates.make_set`` to write the file again (same bytes).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).with_name("reports.jsonl")
SEED = 15

#: (street, kelurahan, latitude, longitude, a landmark on it). Two streets share a name across
#: kelurahan (Melati, Kenanga, Mawar); some streets are a block apart (Flamboyan/Cempaka).
PLACES = [
    ("Melati", "Sukamaju", -6.20010, 106.81660, "masjid Al-Ikhlas"),
    ("Melati", "Cipinang", -6.23510, 106.88020, "SDN 05"),
    ("Kenanga", "Sukamaju", -6.20240, 106.81890, "pasar Sukamaju"),
    ("Kenanga", "Rawamangun", -6.19420, 106.89010, "puskesmas"),
    ("Mawar", "Sukamaju", -6.19880, 106.81470, "balai warga"),
    ("Mawar", "Tebet Barat", -6.22950, 106.85040, "gereja"),
    ("Flamboyan", "Cempaka Putih", -6.17850, 106.86720, "SMPN 12"),
    ("Cempaka", "Cempaka Putih", -6.17930, 106.86810, "minimarket"),
    ("Ahmad Yani", "Utan Kayu", -6.19630, 106.87110, "halte busway"),
    ("Sudirman", "Karet", -6.21470, 106.81840, "kantor pos"),
    ("Diponegoro", "Menteng", -6.19880, 106.84020, "taman"),
    ("Pemuda", "Rawamangun", -6.19280, 106.88560, "kampus"),
    ("Raya Bogor", "Kramat Jati", -6.27020, 106.86630, "pertigaan"),
    ("Haji Nawi", "Gandaria", -6.26890, 106.79620, "apotek"),
    ("Kebon Jeruk", "Kebon Jeruk", -6.19100, 106.76880, "lapangan"),
    ("Salemba", "Paseban", -6.19570, 106.85280, "RSUD"),
    ("Pramuka", "Utan Kayu", -6.19160, 106.86780, "SPBU"),
    ("Mangga Besar", "Taman Sari", -6.14830, 106.82080, "vihara"),
    ("Kramat", "Senen", -6.18680, 106.84510, "musala"),
    ("Kalibata", "Rawajati", -6.25640, 106.85190, "stasiun"),
    ("Kemuning", "Pejaten", -6.27530, 106.83420, "posyandu"),
    ("Anggrek", "Kemanggisan", -6.19460, 106.78490, "sekolah"),
    ("Dahlia", "Cilandak", -6.29010, 106.80210, "bengkel"),
    ("Teratai", "Duren Sawit", -6.23420, 106.91630, "masjid"),
    ("Kenari", "Kenari", -6.19240, 106.85010, "kantor kelurahan"),
    ("Cikini Raya", "Cikini", -6.18990, 106.83960, "stasiun"),
    ("Matraman", "Kebon Manggis", -6.20250, 106.85820, "pasar"),
    ("Tebet Raya", "Tebet Timur", -6.22640, 106.85470, "taman"),
    ("Kemang", "Bangka", -6.26080, 106.81420, "kafe"),
    ("Cipete", "Cipete Utara", -6.26510, 106.80030, "masjid"),
    ("Pasar Minggu", "Pejaten Timur", -6.28390, 106.84390, "terminal"),
    ("Kelapa Dua", "Kebon Jeruk", -6.20730, 106.76920, "kampus"),
]

#: Each problem: ways citizens tell it ({p}: the place as written), Indonesian and English.
PROBLEMS: dict[str, list[str]] = {
    "pothole": [
        "Jalan berlubang besar di {p}, sudah dua minggu belum diperbaiki.",
        "aspal di {p} bolong2 parah, bahaya buat motor apalagi malam",
        "Ada lubang dalam di {p}, kemarin ada pengendara jatuh. Mohon segera ditambal.",
        "jalannya rusak parah di {p}, banyak lobang dan tergenang kalau hujan",
        "The road at {p} has a big pothole that keeps getting deeper, please fix it.",
        "Mohon perbaikan jalan di {p}, aspal hancur dan berlubang di tengah jalan.",
    ],
    "streetlight": [
        "Lampu PJU di {p} mati sudah seminggu, gelap sekali kalau malam.",
        "lampu jalan {p} padam, rawan begal min",
        "PJU dekat {p} tidak menyala lagi sejak hujan deras minggu lalu.",
        "The street lights at {p} have been out for days, it is very dark at night.",
        "Penerangan jalan di {p} mati total, warga takut lewat malam hari.",
    ],
    "garbage": [
        "Sampah menumpuk di {p} belum diangkut lima hari, baunya busuk.",
        "tumpukan sampah di {p} bau banget, tolong diangkut",
        "TPS di {p} penuh, sampahnya meluber sampai ke jalan.",
        "Garbage is piling up at {p} and has not been collected for a week.",
        "Truk sampah tidak datang ke {p}, sampah warga numpuk dan dikerubungi lalat.",
    ],
    "drain": [
        "Selokan di {p} mampet, kalau hujan air meluap ke jalan.",
        "got tersumbat sampah di {p} jadi banjir terus",
        "saluran air di {p} buntu dan airnya tergenang berhari-hari",
        "The drain at {p} is clogged and the street floods every time it rains.",
        "Gorong-gorong di {p} tersumbat lumpur, genangan sampai sebetis.",
    ],
    "water": [
        "Air PDAM di {p} tidak mengalir sejak tiga hari.",
        "air mati total di {p}, warga kesulitan mandi dan masak",
        "PDAM di {p} ngalir kecil banget, malam malah mati",
        "There has been no piped water at {p} for three days.",
        "Keran PDAM rumah kami di {p} kering sejak Senin.",
    ],
    "tree": [
        "Pohon tumbang di {p} menutup separuh jalan.",
        "dahan pohon besar patah di {p}, bahaya buat yang lewat",
        "pohon roboh di {p} sejak angin kencang tadi malam, belum dipotong",
        "A big tree fell at {p} and blocks the road.",
    ],
    "cable": [
        "Kabel menjuntai rendah di {p}, bisa kena leher pengendara motor.",
        "kabel telepon kendor di {p} menjuntai sampai ke jalan",
        "Cables are hanging very low over the road at {p}.",
        "Banyak kabel semrawut dan terjuntai di {p}, mohon dirapikan.",
    ],
    "vendors": [
        "PKL berjualan di trotoar {p}, pejalan kaki terpaksa lewat jalan raya.",
        "pedagang kaki lima menutup trotoar di {p}",
        "Street vendors block the whole sidewalk at {p}.",
        "Lapak pedagang memakan trotoar di {p}, anak sekolah jalan di aspal.",
    ],
    "mosquito": [
        "Banyak nyamuk dan tiga warga kena DBD di {p}, mohon fogging.",
        "minta fogging di {p}, sudah ada anak kena demam berdarah",
        "Please do fogging at {p}, several neighbours have dengue.",
    ],
    "noise": [
        "Suara bising dari bengkel las di {p} sampai tengah malam.",
        "tempat karaoke di {p} berisik tiap malam sampai jam 2",
        "Loud noise from a workshop at {p} every night, we cannot sleep.",
    ],
}


#: A held-out set, written after the scorer was tuned on the set above and never tuned on: new
#: wordings and new places (``heldout.jsonl``; ``quality --set``).
HELDOUT_PLACES = [
    ("Cendrawasih", "Sukajadi", -6.89510, 107.58120, "masjid Nurul Huda"),
    ("Cendrawasih", "Cicendo", -6.90830, 107.59440, "SDN 2"),
    ("Merpati", "Sukajadi", -6.89620, 107.58290, "warung kopi"),
    ("Rajawali", "Ciroyom", -6.91410, 107.58830, "pasar Ciroyom"),
    ("Setiabudi", "Hegarmanah", -6.87630, 107.60520, "kampus"),
    ("Pasteur", "Pasteur", -6.89370, 107.59410, "rumah sakit"),
    ("Cihampelas", "Cipaganti", -6.89780, 107.60460, "hotel"),
    ("Sukajadi", "Pasteur", -6.88810, 107.59520, "mall"),
    ("Gatot Subroto", "Malabar", -6.92590, 107.63140, "SPBU"),
    ("Kiaracondong", "Babakan Surabaya", -6.92350, 107.64580, "stasiun"),
    ("Soekarno Hatta", "Margasari", -6.94420, 107.65620, "pertigaan"),
    ("Dago", "Lebakgede", -6.88570, 107.61350, "terminal"),
]
HELDOUT_PROBLEMS: dict[str, list[str]] = {
    "pothole": [
        "Tolong jalan di {p} diaspal ulang, lubangnya dalam banget.",
        "Ban motor saya pecah kena lubang di {p}.",
        "Kondisi jalan {p} rusak berat dan berlubang-lubang.",
    ],
    "streetlight": [
        "Sudah dua minggu lampu penerangan jalan di {p} tidak hidup.",
        "Lampu jalan di {p} mati semua, jadi rawan kejahatan.",
        "PJU {p} padam tiap malam.",
    ],
    "garbage": [
        "Sampah di {p} tidak diangkut petugas sudah seminggu.",
        "Bau sampah di {p} menyengat, tumpukannya sudah tinggi.",
        "Banyak sampah berserakan dan menumpuk di {p}.",
    ],
    "drain": [
        "Drainase di {p} tersumbat, tiap hujan banjir.",
        "Saluran got di {p} penuh lumpur dan mampet.",
        "Air got di {p} meluap karena selokan buntu.",
    ],
    "water": [
        "Air PDAM di {p} mati sejak kemarin pagi.",
        "Sudah 4 hari air leding di {p} tidak keluar.",
        "Aliran air PDAM ke {p} terhenti.",
    ],
    "tree": [
        "Ada pohon tumbang melintang di {p}.",
        "Pohon besar di {p} roboh kena angin.",
    ],
    "vendors": [
        "Trotoar di {p} penuh PKL, susah jalan kaki.",
        "Pedagang kaki lima berjualan di atas trotoar {p}.",
    ],
}


def place_text(rng: random.Random, street: str, area: str, landmark: str) -> tuple[str, str]:
    """The place as one citizen writes it: (in the text, in the location field)."""
    number = rng.randint(1, 120)
    rt, rw = rng.randint(1, 12), rng.randint(1, 9)
    low = street.lower()
    forms = [
        (f"Jl. {street} No. {number}, Kel. {area}", ""),
        (f"jln {low} {area.lower()}", ""),
        (
            f"jalan {street}{'' if street.endswith('Raya') else ' Raya'} (dekat {landmark})",
            f"Kelurahan {area}",
        ),
        (f"Jl {street} RT {rt:02d}/RW {rw:02d} kelurahan {area}", ""),
        (f"depan {landmark} jalan {low}", f"Kel. {area}"),
        (f"gg. dekat {landmark}", f"Jl. {street}, {area}"),
        (f"{landmark} {area}", ""),
    ]
    return rng.choice(forms)


def jitter(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    """A point within ``metres`` of (lat, lon): a phone's shared position near the place."""
    d = metres / 111_000
    return round(lat + rng.uniform(-d, d), 6), round(lon + rng.uniform(-d, d), 6)


def build(
    places: list[tuple[str, str, float, float, str]] = PLACES,
    problems_by_name: dict[str, list[str]] = PROBLEMS,
    seed: int = SEED,
) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    group = 0
    problems = list(problems_by_name)
    for place in places:
        street, area, lat, lon, landmark = place
        # Three to five different problems at each place: same place, different groups.
        for problem in rng.sample(problems, rng.randint(3, 5)):
            starts = [rng.uniform(0, 20)]
            if rng.random() < 0.15:
                starts.append(starts[0] + rng.uniform(35, 50))  # the same again, a month later
            for start in starts:
                group += 1
                size = rng.choices([1, 2, 3, 4], weights=[2, 3, 3, 2])[0]
                told = problems_by_name[problem]
                wordings = rng.sample(told, min(size, len(told)))
                for i, wording in enumerate(wordings):
                    in_text, location = place_text(rng, street, area, landmark)
                    body = wording.format(p=in_text)
                    point = jitter(rng, lat, lon, 90) if rng.random() < 0.5 else (None, None)
                    rows.append(
                        {
                            "group": group,
                            "problem": problem,
                            "place": f"{street}/{area}",
                            "days": round(start + i * rng.uniform(0.05, 3), 3),
                            "title": body.split(",")[0].split(".")[0][:80],
                            "body": body,
                            "location_text": location or None,
                            "latitude": point[0],
                            "longitude": point[1],
                        }
                    )
    rows.sort(key=lambda r: float(r["days"]))  # type: ignore[arg-type]
    for number, row in enumerate(rows, 1):
        row["id"] = number
    return rows


def write(rows: list[dict[str, object]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    groups = {r["group"] for r in rows}
    print(f"{len(rows)} reports in {len(groups)} groups -> {path}")


def main() -> None:
    write(build(), OUT)
    write(build(HELDOUT_PLACES, HELDOUT_PROBLEMS, SEED + 1), OUT.with_name("heldout.jsonl"))


if __name__ == "__main__":
    main()
