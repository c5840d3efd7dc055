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
    "group_answer": (
        "Tanggapan {agency} atas laporan {code}, yang juga mencakup laporan Anda:\n\n{answer}\n\n"
        "Setelah laporan ini selesai, Anda akan diminta menilai penanganannya."
    ),
    "report_merged": (
        "Laporan Anda {own} membahas masalah yang sama dengan laporan {code} yang sudah ada, "
        "sehingga digabungkan dengannya. Anda akan menerima kabar dan tanggapan atas laporan "
        "{code}, dan dapat menilainya setelah selesai."
    ),
    "report_unmerged": (
        "Laporan {code} dipisahkan lagi dari laporan {primary} dan kini ditangani tersendiri."
    ),
    "report_joined": (
        "Terima kasih. Anda tercatat juga mengalami masalah pada laporan {code}. "
        "Anda akan menerima kabar perkembangannya dan tanggapan instansi."
    ),
    "group_reopened": (
        "Laporan {code}, yang juga mencakup laporan Anda, ditangani kembali oleh instansi. "
        "Anda akan menerima kabar dan tanggapan berikutnya."
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
    # Chat petugas yang tertaut (reports.officer_chat): kartu laporan, tombol, tautan.
    "chat_card_report": "{title}\n\n{body}",
    "chat_card_place": "Lokasi: {place}",
    "chat_card_due": "Batas tindak lanjut: {due} (sisa {days} hari kerja).",
    "chat_card_overdue": "Batas tindak lanjut {due} sudah lewat {days} hari kerja.",
    "chat_btn_answer": "Jawab",
    "chat_btn_info": "Minta info pelapor",
    "chat_btn_return": "Bukan wewenang kami",
    "chat_btn_open": "Buka di konsol",
    "chat_confidential": "Laporan rahasia {code} memerlukan perhatian Anda. Buka di konsol.",
    "chat_console_link": "Konsol: {url}",
    "chat_inbox_link": "Kotak masuk instansi: {url}",
    "chat_dashboard_link": "Dasbor: {url}",
    "stage_verb_verify": "diverifikasi",
    "stage_verb_respond": "ditindaklanjuti",
    "stage_verb_feedback": "ditanggapi pelapor",
}

#: Penolakan (``reports.lifecycle.DomainError``): satu teks per kode galat.
ERRORS: dict[str, str] = {
    "illegal_transition": "tidak dapat {action} laporan berstatus {status}; yang boleh dari {status}: {allowed}",
    "not_staff_action": "Ini tindakan petugas.",
    "role_not_permitted": "Peran Anda tidak mengizinkan tindakan ini.",
    "not_your_agency": "Laporan ini bukan (lagi) di instansi Anda.",
    "reporter_only": "Hanya pelapor yang dapat melakukan ini.",
    "empty": "Isian wajib belum diisi.",
    "unknown_agency": "Kode instansi tidak dikenal: {code}.",
    "unknown_report": "Tidak ada laporan dengan kode pelacakan {code}.",
    "agency_required": "Pilih instansi yang bertanggung jawab.",
    "reopen_window_ended": "Batas waktu untuk membuka kembali laporan ini sudah lewat.",
    "reopen_not_yours": "Hanya laporan yang Anda tutup sendiri yang dapat dibuka kembali.",
    "agency_handles": "Laporan ini sudah ditangani instansi; minta pejabat penghubungnya.",
    "same_agency": "Laporan ini sudah berada di instansi tersebut.",
    "extend_agency_only": "Hanya instansi yang bertanggung jawab yang dapat memperpanjang batas waktu tindak lanjut.",
    "extend_verification": "Batas waktu verifikasi tidak dapat diperpanjang oleh instansi.",
    "extend_min": "Perpanjangan paling sedikit 1 hari kerja.",
    "extend_max": "Kebijakan membolehkan perpanjangan paling banyak {limit} hari kerja secara total; sudah terpakai {used}.",
    "no_deadline": "Tidak ada batas waktu yang dapat diperpanjang pada tahap ini.",
    "days_not_number": "Jumlah hari kerja harus bilangan bulat.",
    "manager_readonly": "Pengelola hanya memantau; pengelola tidak menulis pada laporan.",
    "suggestion_not_confident": "Keyakinan saran sistem terlalu rendah untuk diterima sekali klik; pilih instansinya.",
    "assign_not_permitted": "Hanya kepala instansi, atau petugas untuk dirinya sendiri, yang dapat menugaskan laporan ini.",
    "assignee_not_officer": "Petugas yang dipilih bukan petugas aktif instansi ini.",
    "role_without_agency": "Peran ini tidak terikat pada instansi; kosongkan pilihan instansi.",
    "role_needs_agency": "Peran ini wajib memilih instansi.",
    "bad_username": "Nama pengguna hanya boleh berisi huruf, angka, titik, tanda hubung atau garis bawah.",
    "short_password": "Kata sandi paling sedikit {n} karakter.",
    "username_taken": "Nama pengguna sudah dipakai.",
    "unknown_role": "Peran tidak dikenal.",
    "admin_only": "Hanya administrator yang mengelola akun petugas.",
    "bad_address": "Alamat pemberitahuan tidak valid (e-mail, ID chat Telegram berupa angka, nomor WhatsApp +62...).",
    "no_staff": "Akun tidak ditemukan.",
    "not_self_deactivate": "Anda tidak dapat menonaktifkan akun Anda sendiri.",
    "not_self_role": "Anda tidak dapat mengubah peran akun Anda sendiri.",
    "file_type": "Jenis berkas ini tidak diterima; kirim foto (JPEG/PNG), PDF atau video MP4 singkat.",
    "file_empty": "Berkasnya kosong.",
    "file_too_large": "Berkas lebih besar dari {mb} MB.",
    "attachment_path": "Lokasi lampiran berada di luar direktori penyimpanan.",
    "rate_reporter_only": "Hanya pelapor yang dapat menilai laporan ini.",
    "rate_not_finished": "Laporan dapat dinilai setelah selesai.",
    "unknown_element": "Unsur survei kepuasan tidak dikenal: {element}.",
    "bad_score": "Nilai adalah 1, 2, 3 atau 4.",
    "token_name_missing": "Beri nama token (untuk apa token ini).",
    "staff_inactive": "{username} tidak aktif.",
    "token_name_taken": "{username} sudah memiliki token aktif bernama {name}.",
    "no_token": "{username} tidak memiliki token aktif bernama {name}.",
    "unknown_report_type": "Jenis laporan tidak dikenal: {value}.",
    "unknown_privacy": "Pilihan privasi tidak dikenal: {value}.",
    "unknown_action": "Tindakan tidak dikenal: {value}.",
    "canned_not_found": "Jawaban siap pakai tidak ditemukan.",
    "canned_read_not_permitted": "Hanya petugas instansi itu sendiri yang dapat membaca jawaban siap pakainya.",
    "canned_write_not_permitted": "Hanya kepala instansi yang dapat mengubah jawaban siap pakai instansi.",
    "canned_title_required": "Judul wajib diisi.",
    "canned_title_too_long": "Judul paling panjang {max_title} karakter.",
    "canned_body_required": "Teks jawaban wajib diisi.",
    "canned_body_too_long": "Teks jawaban paling panjang {max_body} karakter.",
    "canned_title_taken": "Instansi Anda sudah punya jawaban siap pakai dengan judul ini.",
    "canned_too_many": "Jumlah jawaban siap pakai sudah mencapai batas {max_count}. Hapus yang tidak terpakai dulu.",
    "report_merged": "Laporan ini sudah digabungkan dengan laporan {primary}; ikuti laporan {primary}.",
    "merge_into_itself": "Laporan tidak dapat digabungkan dengan dirinya sendiri.",
    "merge_cycle": "Laporan {code} sudah digabungkan ke laporan ini; penggabungan sebaliknya membuat lingkaran.",
    "merge_into_merged": "Laporan {code} sudah digabungkan ke laporan {primary}; gabungkan ke {primary}.",
    "merge_into_closed": "Laporan {code} sudah ditutup; laporan hanya dapat digabungkan ke laporan yang masih terbuka.",
    "already_merged": "Laporan {code} sudah digabungkan; pisahkan dulu sebelum menggabungkannya lagi.",
    "merge_closed": "Laporan {code} sudah ditutup dan tidak dapat digabungkan.",
    "not_merged": "Laporan {code} tidak sedang digabungkan.",
    "unmerge_closed": "Laporan {code} sudah ditutup bersama laporan utamanya dan tidak dapat dipisahkan.",
    "join_not_open": "Laporan {code} tidak terbuka untuk diikuti.",
}
