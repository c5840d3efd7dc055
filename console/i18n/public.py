"""The public pages' words: the tracking page, the public list and map, Open311's stage notes.

Indonesian and English, as one catalogue (``console.public``), with how the public pages write a
stage and an instant. Why apart from the pages: three surfaces (``console.public``,
``console.public_reports``, ``console.open311``) say the same stage in the same words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from config.catalogue import Catalogue
from reports.enums import Status
from reports.messages import format_date

LANGUAGES: Final = ("id", "en")


#: Every text the public page (and Open311's ``status_notes``) shows, per language.
TEXTS: Final[dict[str, dict[str, str]]] = {
    "id": {
        "page_title": "Status laporan",
        "not_found_title": "Laporan tidak ditemukan",
        "not_found": (
            "Kode pelacakan tidak dikenal. Periksa kembali kode Anda (contoh: SW-7KQ4-M2XD)."
        ),
        "code": "Kode",
        "stage": "Tahap",
        "agency": "Instansi",
        "title": "Judul",
        "confidential": "Laporan ini bersifat rahasia: isinya tidak ditampilkan.",
        "submitted_at": "Diterima",
        "verified_at": "Diverifikasi",
        "answered_at": "Ditanggapi",
        "finished_at": "Selesai",
        "archived_at": "Ditutup",
        "due_verify": "Batas verifikasi",
        "due_respond": "Batas tindak lanjut instansi",
        "due_feedback": "Batas tanggapan pelapor",
        "paused": "Tenggat berhenti sementara sampai pelapor memberi informasi tambahan.",
        "timeline": "Riwayat",
        "deadlines": "Tenggat",
        "overdue": "terlambat",
        "on_time": "tepat waktu",
        "answer": "Tanggapan instansi",
        "photos": "Foto",
        "next": "Yang dapat Anda lakukan",
        "ev_received": "Laporan diterima",
        "ev_verified": "Diverifikasi",
        "ev_forwarded": "Diteruskan ke {agency}",
        "ev_forwarded_hidden": "Diteruskan ke instansi yang berwenang",
        "ev_info_requested": "Petugas meminta informasi tambahan",
        "ev_info_provided": "Pelapor memberi informasi tambahan",
        "ev_returned": "Dikembalikan ke verifikator (bukan kewenangan instansi)",
        "ev_answered": "Ditanggapi instansi",
        "ev_citizen_responded": "Pelapor menanggapi jawaban; kembali ke instansi",
        "ev_reopened": "Dibuka kembali oleh pelapor",
        "ev_extended": "Tenggat tindak lanjut diperpanjang",
        "ev_finished": "Selesai",
        "ev_archived": "Ditutup tanpa tindak lanjut",
        "close_reason": "Alasan: {reason}",
        "reporters": "Dilaporkan oleh {n} warga",
        "merged_into": "Laporan ini digabungkan dengan laporan {code} (masalah yang sama).",
        "join_title": "Saya juga mengalami ini",
        "join_hint": "Kirim pesan ini ke SuaraWarga; Anda ikut menerima kabar dan tanggapannya:",
        "join_chat": "Kirim lewat chat web",
        "join_whatsapp": "Kirim lewat WhatsApp",
        "join_telegram": "Kirim lewat Telegram",
        "join_message": "saya juga {code}",
        "next_submitted": (
            "Tunggu verifikasi. Jika ada informasi tambahan, kirimkan lewat percakapan tempat Anda "
            "melapor, dengan menyebut kode ini."
        ),
        "next_info_requested": (
            "Petugas menunggu jawaban Anda: balas pertanyaannya di percakapan tempat Anda melapor. "
            "Tenggat berjalan lagi setelah Anda menjawab."
        ),
        "next_forwarded": (
            'Instansi sedang menindaklanjuti. Ketik "status {code}" di percakapan kapan saja '
            "untuk kabar terbaru."
        ),
        "next_answered": (
            "Baca tanggapan instansi. Balas 1 di percakapan jika puas, atau tulis tanggapan Anda "
            "jika belum puas, paling lambat {due}."
        ),
        "next_finished": (
            "Laporan selesai. Jika masalahnya muncul lagi, Anda dapat membuka kembali laporan ini "
            "atau mengirim laporan baru."
        ),
        "next_archived": (
            "Laporan ditutup. Anda dapat mengirim laporan baru dengan keterangan yang lebih "
            "lengkap (apa, di mana, kapan)."
        ),
        "other_language": "English",
        "status_submitted": "Menunggu verifikasi",
        "status_info_requested": "Menunggu informasi tambahan dari pelapor",
        "status_forwarded": "Sedang ditindaklanjuti instansi",
        "status_answered": "Sudah ditanggapi instansi",
        "status_finished": "Selesai",
        "status_archived": "Ditutup tanpa tindak lanjut",
        "list_title": "Laporan warga",
        "list_intro": (
            "Laporan yang sudah diverifikasi dan tidak bersifat rahasia. Identitas pelapor tidak "
            "pernah ditampilkan."
        ),
        "filter": "Saring",
        "all": "Semua",
        "type": "Jenis",
        "area": "Wilayah",
        "none_found": "Tidak ada laporan yang cocok.",
        "on_time_title": "Ketepatan waktu tindak lanjut per instansi (12 bulan terakhir)",
        "on_time_share": "Tepat waktu",
        "measured": "Diukur",
        "not_measured": "belum ada data",
        "next_page": "Berikutnya",
        "type_complaint": "Pengaduan",
        "type_aspiration": "Aspirasi",
        "type_information_request": "Permintaan informasi",
        "views": "Tampilan",
        "view_list": "Daftar",
        "view_map": "Peta",
        "map_title": "Peta laporan warga",
        "map_label": "Peta laporan; setiap titik membuka halaman status laporannya",
        "map_no_tiles": (
            "Peta dasar tidak tersedia: titik laporan digambar pada kisi koordinat "
            "(utara {north}, selatan {south}, barat {west}, timur {east}). Daftar di bawah peta "
            "memuat laporan yang sama."
        ),
        "map_key_open": "Dalam proses",
        "map_key_finished": "Selesai",
        "map_key_archived": "Ditutup",
        "map_capped": (
            "Peta hanya menampilkan {n} laporan terbaru; persempit saringan untuk melihat "
            "yang lain."
        ),
        "map_list": "Laporan pada peta ({n})",
        "map_none": "Tidak ada laporan dengan lokasi yang cocok dengan saringan ini.",
        "map_geojson": "Data peta (GeoJSON)",
    },
    "en": {
        "page_title": "Report status",
        "not_found_title": "Report not found",
        "not_found": "Unknown tracking code. Please check your code (example: SW-7KQ4-M2XD).",
        "code": "Code",
        "stage": "Stage",
        "agency": "Agency",
        "title": "Title",
        "confidential": "This report is confidential: its content is not shown.",
        "submitted_at": "Received",
        "verified_at": "Verified",
        "answered_at": "Answered",
        "finished_at": "Finished",
        "archived_at": "Closed",
        "due_verify": "Verification due",
        "due_respond": "Agency follow-up due",
        "due_feedback": "Reporter's response due",
        "paused": "The deadline is paused until the reporter provides more information.",
        "timeline": "Timeline",
        "deadlines": "Deadlines",
        "overdue": "overdue",
        "on_time": "on time",
        "answer": "The agency's answer",
        "photos": "Photos",
        "next": "What you can do next",
        "ev_received": "Report received",
        "ev_verified": "Verified",
        "ev_forwarded": "Forwarded to {agency}",
        "ev_forwarded_hidden": "Forwarded to the responsible agency",
        "ev_info_requested": "The officer asked for more information",
        "ev_info_provided": "The reporter provided more information",
        "ev_returned": "Returned to the verifier (not the agency's authority)",
        "ev_answered": "Answered by the agency",
        "ev_citizen_responded": "The reporter responded to the answer; back with the agency",
        "ev_reopened": "Reopened by the reporter",
        "ev_extended": "Follow-up deadline extended",
        "ev_finished": "Finished",
        "ev_archived": "Closed without follow-up",
        "close_reason": "Reason: {reason}",
        "reporters": "Reported by {n} citizens",
        "merged_into": "This report was merged into report {code}, which handles the same problem.",
        "join_title": "I have this problem too",
        "join_hint": "Send this message to SuaraWarga to receive its updates and answer too:",
        "join_chat": "Send through the web chat",
        "join_whatsapp": "Send through WhatsApp",
        "join_telegram": "Send through Telegram",
        "join_message": "saya juga {code}",
        "next_submitted": (
            "Wait for verification. To add information, send it in the chat where you reported, "
            "mentioning this code."
        ),
        "next_info_requested": (
            "The officer is waiting for your answer: reply to the question in the chat where you "
            "reported. The deadline runs again once you answer."
        ),
        "next_forwarded": (
            'The agency is following up. Type "status {code}" in the chat at any time for the '
            "latest news."
        ),
        "next_answered": (
            "Read the agency's answer. Reply 1 in the chat if you are satisfied, or write your "
            "response if not, by {due}."
        ),
        "next_finished": (
            "The report is finished. If the problem comes back, you can reopen this report or "
            "send a new one."
        ),
        "next_archived": (
            "The report was closed. You can send a new report with more detail (what, where, when)."
        ),
        "other_language": "Bahasa Indonesia",
        "status_submitted": "Waiting for verification",
        "status_info_requested": "Waiting for more information from the reporter",
        "status_forwarded": "Being followed up by the agency",
        "status_answered": "Answered by the agency",
        "status_finished": "Finished",
        "status_archived": "Closed without follow-up",
        "list_title": "Citizens' reports",
        "list_intro": (
            "Reports that were verified and are not confidential. The reporter's identity is "
            "never shown."
        ),
        "filter": "Filter",
        "all": "All",
        "type": "Type",
        "area": "Area",
        "none_found": "No matching reports.",
        "on_time_title": "Follow-up on time, per agency (last 12 months)",
        "on_time_share": "On time",
        "measured": "Measured",
        "not_measured": "no data yet",
        "next_page": "Next",
        "type_complaint": "Complaint",
        "type_aspiration": "Aspiration",
        "type_information_request": "Information request",
        "views": "Views",
        "view_list": "List",
        "view_map": "Map",
        "map_title": "Map of citizens' reports",
        "map_label": "Map of reports; each marker opens the report's status page",
        "map_no_tiles": (
            "No base map available: the reports are drawn on a coordinate grid (north {north}, "
            "south {south}, west {west}, east {east}). The list below the map holds the same "
            "reports."
        ),
        "map_key_open": "In progress",
        "map_key_finished": "Finished",
        "map_key_archived": "Closed",
        "map_capped": (
            "The map shows the newest {n} reports only; narrow the filters to see others."
        ),
        "map_list": "Reports on the map ({n})",
        "map_none": "No reports with a location match these filters.",
        "map_geojson": "Map data (GeoJSON)",
    },
}
#: The same texts as one catalogue (``config.catalogue``): the parity test holds both languages to
#: the same keys and placeholders, and code reads one text with ``PUBLIC.text``.
PUBLIC: Final = Catalogue("console.public", TEXTS)


ZONE_ABBREVIATIONS: Final = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def language(value: str | None) -> str:
    """``?lang=en`` switches to English; anything else (or nothing) is Indonesian."""
    return value if value in LANGUAGES else "id"


def stage_label(status: Status, lang: str) -> str:
    return PUBLIC.text(f"status_{status.value}", lang)


def local_time(instant: datetime | None, lang: str, tz: ZoneInfo) -> str | None:
    """ "Rabu, 25 November 2026 23:59 WIB" in the deployment's zone."""
    if instant is None:
        return None
    local = instant.astimezone(tz)
    zone = ZONE_ABBREVIATIONS.get(str(tz.key), local.strftime("%Z"))
    return f"{format_date(instant, lang, tz)} {local:%H:%M} {zone}"
