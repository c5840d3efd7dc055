"""Bahasa Indonesia notification catalogue."""

DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip

TYPE_NAMES = {
    "complaint": "pengaduan",
    "aspiration": "aspirasi",
    "information_request": "permintaan informasi",
}

MESSAGES: dict[str, str] = {
    "tracking_link": "Pantau laporan Anda: {url}",
    # to citizens
    "report_received": (
        "Laporan Anda sudah kami terima dengan kode {code}.\n"
        "Laporan akan diverifikasi paling lambat {verify_due}.\n"
        "Simpan kode ini untuk cek status (ketik: status {code})."
    ),
    "report_forwarded": (
        "Laporan {code} sudah diverifikasi dan diteruskan ke {agency}. "
        "Tindak lanjut paling lambat {response_due}."
    ),
    "info_requested": (
        "Untuk laporan {code}, petugas meminta informasi tambahan:\n\n{question}\n\n"
        "Silakan balas pesan ini. Tenggat laporan berhenti sampai Anda menjawab."
    ),
    "report_archived": "Laporan {code} ditutup tanpa tindak lanjut. Alasan: {reason}",
    "report_rerouted": (
        "Laporan {code} dialihkan ke {agency}. Tindak lanjut paling lambat {response_due}."
    ),
    "agency_answer": (
        "Tanggapan {agency} atas laporan {code}:\n\n{answer}\n\n"
        "Balas 1 jika Anda puas, atau tulis tanggapan Anda jika belum. "
        "Kesempatan menanggapi sampai {feedback_due}."
    ),
    "deadline_extended": (
        "Tenggat tindak lanjut laporan {code} diperpanjang sampai {response_due}. Alasan: {reason}"
    ),
    "feedback_reminder": (
        "Laporan {code} akan otomatis selesai pada {feedback_due}. "
        "Jika Anda belum puas dengan tanggapan, balas sebelum tanggal itu."
    ),
    "report_finished": "Laporan {code} dinyatakan selesai. Terima kasih atas laporan Anda.",
    "rating_request": (
        "Bagaimana penanganan laporan {code}? Beri nilai 1 (tidak baik) sampai 4 (sangat baik)."
    ),
    # to staff
    "staff_new_report": (
        "Laporan baru {code} untuk {agency}: {title}. Tindak lanjut paling lambat {response_due}."
    ),
    "staff_info_provided": "Pelapor menjawab permintaan informasi untuk laporan {code}: {title}.",
    "staff_returned": "Laporan {code} dikembalikan oleh {agency} (bukan kewenangan): {reason}",
    "staff_citizen_response": (
        "Pelapor menanggapi jawaban atas laporan {code}; tindak lanjut baru paling lambat "
        "{response_due}."
    ),
    "staff_assigned": "Laporan {code} ({title}) ditugaskan kepada Anda. Tindak lanjut paling lambat {response_due}.",
    "staff_reopened": "Pelapor membuka kembali laporan {code}; tindak lanjut paling lambat {response_due}.",
    "staff_reminder": (
        "Pengingat: laporan {code} ({title}) harus {stage_verb} paling lambat {due}."
    ),
    "staff_escalation": (
        "ESKALASI tingkat {level}: laporan {code} ({title}) melewati tenggat {stage_verb} "
        "sejak {due} ({agency}). Mohon segera ditindaklanjuti."
    ),
    "staff_digest": (
        "Ringkasan {date}: {open_count} laporan terbuka, {due_today} jatuh tempo hari ini, "
        "{overdue} terlambat, {escalated} dieskalasi."
    ),
    "stage_verb_verify": "diverifikasi",
    "stage_verb_respond": "ditindaklanjuti",
    "stage_verb_feedback": "ditanggapi pelapor",
}
