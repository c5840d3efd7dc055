"""Bahasa Indonesia conversation catalogue (the default language)."""

MESSAGES: dict[str, str] = {
    # general
    "welcome": (
        "Halo{name}! Saya SuaraWarga, layanan pengaduan dan aspirasi warga.\n"
        "Ceritakan masalah atau usulan Anda dalam satu pesan, misalnya: "
        '"Lampu jalan di Jl. Melati mati sejak seminggu". Atau pilih menu di bawah.'
    ),
    "help": (
        "Yang bisa saya bantu:\n"
        "- Lapor: tulis saja masalah atau usulan Anda.\n"
        '- Cek status: ketik "status" atau "cek SW-XXXX-XXXX".\n'
        '- Batal: ketik "batal" untuk membatalkan langkah yang sedang berjalan.\n'
        '- Bahasa: ketik "english" untuk bahasa Inggris.'
    ),
    "thanks_reply": 'Sama-sama! Ketik "menu" kapan saja jika perlu bantuan.',
    "not_understood": (
        "Maaf, saya belum paham. Ceritakan masalah Anda dalam satu atau dua kalimat "
        "(apa, di mana, sejak kapan), atau pilih menu."
    ),
    "cancelled": 'Baik, dibatalkan. Ketik "menu" jika perlu bantuan.',
    "nothing_to_cancel": 'Tidak ada yang sedang berjalan. Ketik "menu" untuk melihat pilihan.',
    "language_set": "Baik, kita lanjut dalam Bahasa Indonesia.",
    "sticker": "Terima kasih stikernya! Untuk melapor, tuliskan masalah Anda dengan kata-kata ya.",
    "voice": (
        "Maaf, pesan suara belum bisa kami proses. Mohon tuliskan laporan Anda sebagai teks."
    ),
    "edited": (
        "Pesan yang diedit tidak kami proses ulang. Jika ada perubahan, kirim sebagai pesan baru."
    ),
    "unsupported": (
        "Maaf, jenis pesan ini belum bisa kami proses. Silakan kirim teks, foto, dokumen PDF, "
        "atau lokasi."
    ),
    "truncated": (
        "Pesan Anda sangat panjang; kami hanya memakai {limit} karakter pertama. "
        "Rincian lain bisa dikirim sebagai lampiran."
    ),
    "flood": (
        "Anda mengirim terlalu banyak pesan dalam waktu singkat. Mohon tunggu sekitar satu menit, "
        "lalu kirim lagi. Pesan yang masuk selama jeda ini tidak kami proses."
    ),
    "daily_limit": (
        "Anda sudah mengirim {limit} laporan dalam 24 jam terakhir, batas harian kami. "
        'Silakan kirim laporan berikutnya besok, atau ketik "status" untuk memantau laporan Anda.'
    ),
    "internal_error": (
        "Maaf, terjadi gangguan saat memproses pesan Anda. Silakan kirim ulang sebentar lagi."
    ),
    "media_rejected": (
        'Maaf, file "{filename}" tidak dapat kami terima. Kirim foto (JPEG/PNG), dokumen PDF, '
        "atau video MP4 pendek, maksimal 10 MB."
    ),
    "media_fetch_failed": 'Maaf, file "{filename}" gagal kami unduh. Mohon kirim ulang file tersebut.',
    # buttons
    "btn_report": "Buat laporan",
    "btn_status": "Cek status",
    "btn_help": "Bantuan",
    "btn_english": "English",
    "btn_indonesian": "Bahasa Indonesia",
    "btn_skip": "Lewati",
    "btn_done": "Selesai",
    "btn_submit": "Kirim laporan",
    "btn_edit": "Ubah",
    "btn_cancel": "Batal",
    "btn_new_report": "Ini laporan baru",
    "btn_type_complaint": "Pengaduan",
    "btn_type_aspiration": "Aspirasi",
    "btn_type_information_request": "Permintaan informasi",
    "btn_privacy_public": "Biasa",
    "btn_privacy_anonymous": "Anonim",
    "btn_privacy_confidential": "Rahasia",
    "btn_edit_body": "Isi laporan",
    "btn_edit_type": "Jenis",
    "btn_edit_location": "Lokasi",
    "btn_edit_privacy": "Privasi",
    "btn_accept": "Puas, selesai",
    "btn_respond": "Belum puas, tanggapi",
    "btn_rate_skip": "Lewati penilaian",
    # report flow
    "ask_report": (
        "Silakan ceritakan masalah atau usulan Anda: apa yang terjadi, di mana, dan sejak kapan."
    ),
    "short_started": 'Baik, saya catat laporan Anda: "{problem}".',
    "question_received": (
        "Pertanyaan Anda kami teruskan ke instansi yang dapat menjawabnya. Jawabannya akan dikirim lewat percakapan ini."
    ),
    "question_received_agency": (
        "Pertanyaan Anda kami teruskan ke {agency}. Jawabannya akan dikirim lewat percakapan ini."
    ),
    "story_added": "Baik, saya tambahkan ke isi laporan Anda.",
    "location_added": "Lokasi dicatat: {location}.",
    "too_short": (
        "Mohon ceritakan sedikit lebih lengkap (apa yang terjadi, di mana, sejak kapan), "
        "supaya laporan Anda bisa ditindaklanjuti."
    ),
    "ask_type": (
        "Laporan Anda termasuk jenis apa?\n"
        "- Pengaduan: ada masalah yang perlu diperbaiki.\n"
        "- Aspirasi: usulan atau saran untuk perbaikan.\n"
        "- Permintaan informasi: Anda ingin bertanya atau meminta konfirmasi."
    ),
    "ask_location": (
        "Di mana lokasinya? Bagikan lokasi, atau ketik alamatnya (jalan, RT/RW, kelurahan). "
        'Ketik "lewati" jika tidak ada lokasi.'
    ),
    "ask_attachment": (
        "Ada foto atau dokumen pendukung? Kirim sekarang (foto JPEG/PNG atau PDF), "
        'atau ketik "lewati".'
    ),
    "attachment_received": (
        'Lampiran diterima ({count}). Kirim lagi, atau ketik "selesai" untuk lanjut.'
    ),
    "ask_description_for_media": (
        "Lampiran diterima. Sekarang ceritakan masalahnya: apa yang terjadi, di mana, sejak kapan."
    ),
    "location_received": "Lokasi diterima. Sekarang ceritakan masalahnya: apa yang terjadi?",
    "ask_privacy": (
        "Pilih kerahasiaan laporan:\n"
        "1. Biasa: laporan dan nama Anda terlihat oleh petugas yang menangani.\n"
        "2. Anonim: isi laporan bisa dipublikasikan, identitas Anda disembunyikan dari instansi.\n"
        "3. Rahasia: seluruh laporan tidak dipublikasikan, hanya verifikator dan instansi "
        "terkait yang melihat."
    ),
    "summary": (
        "Ringkasan laporan Anda:\n"
        "Jenis: {type}\n"
        "Isi: {body}\n"
        "Lokasi: {location}\n"
        "Lampiran: {attachments}\n"
        "Kerahasiaan: {privacy}{agency_line}\n\n"
        "Kirim laporan ini?"
    ),
    "summary_agency": "\nPerkiraan instansi: {agency}",
    "no_location": "-",
    "ask_edit_what": "Bagian mana yang ingin diubah?",
    "ask_new_body": "Silakan tulis ulang isi laporan Anda.",
    "confirm_hint": 'Pilih "Kirim laporan", "Ubah", atau "Batal".',
    "draft_expired": (
        "Draf laporan Anda sebelumnya sudah kedaluwarsa. Silakan ceritakan kembali masalahnya."
    ),
    "privacy_public": "biasa",
    "privacy_anonymous": "anonim",
    "privacy_confidential": "rahasia",
    "type_complaint": "pengaduan",
    "type_aspiration": "aspirasi",
    "type_information_request": "permintaan informasi",
    # status
    "status_none": (
        "Anda belum punya laporan. Ceritakan masalah Anda untuk membuat laporan pertama."
    ),
    "status_header": "Laporan Anda:",
    "status_more": '(menampilkan {shown} dari {total} laporan; ketik "cek KODE" untuk detail)',
    "status_line": "{code} - {title}\n  {stage}",
    "join_unknown": (
        "Laporan {code} tidak dapat diikuti: kodenya tidak dikenal, laporannya tidak terbuka "
        "untuk umum, atau sudah selesai. Anda dapat membuat laporan baru."
    ),
    "join_already": "Anda sudah tercatat pada laporan {code}; kabar perkembangannya akan dikirim ke sini.",
    "status_unknown": (
        "Kode {code} tidak ditemukan di antara laporan Anda. Periksa kembali kodenya, "
        'atau ketik "status" untuk melihat semua laporan Anda.'
    ),
    "stage_submitted": "Menunggu verifikasi, paling lambat {due}.",
    "stage_info_requested": "Menunggu informasi tambahan dari Anda (tenggat berhenti).",
    "stage_forwarded": "Ditangani {agency}, tindak lanjut paling lambat {due}.",
    "stage_answered": "Sudah ditanggapi {agency}; Anda dapat menanggapi sampai {due}.",
    "stage_finished": "Selesai.",
    "stage_archived": "Ditutup tanpa tindak lanjut: {reason}",
    # pending expectations
    "which_report": (
        "Ada laporan Anda yang menunggu jawaban Anda. Pesan tadi untuk laporan yang mana, "
        "atau ini laporan baru?"
    ),
    "info_sent": (
        "Terima kasih. Informasi Anda untuk laporan {code} sudah kami teruskan ke petugas. "
        "Tenggat berjalan kembali: {stage}"
    ),
    "response_sent": (
        "Tanggapan Anda untuk laporan {code} sudah diteruskan ke {agency}. "
        "Tindak lanjut baru paling lambat {due}."
    ),
    "pending_hint": (
        '(Jika pesan tadi sebenarnya laporan baru, ketik "lapor" lalu ceritakan masalahnya.)'
    ),
    "ask_response": "Silakan tulis tanggapan Anda atas jawaban untuk laporan {code}.",
    "reopen_none": (
        "Tidak ada laporan yang bisa dibuka kembali. Laporan hanya bisa dibuka kembali jika Anda "
        "sendiri menyatakan puas dan masa tanggapan belum berakhir."
    ),
    "reopen_ask_reason": "Mengapa laporan {code} perlu dibuka kembali? Tuliskan alasannya.",
    "reopened": (
        "Laporan {code} dibuka kembali dan diteruskan ke {agency}. "
        "Tindak lanjut paling lambat {due}."
    ),
    "action_failed": "Maaf, laporan {code} tidak dapat diproses: statusnya sudah berubah.",
    # rating
    "rating_question_completion_time": (
        "Bagaimana ketepatan waktu penyelesaian laporan {code}? 1 (tidak baik) sampai 4 (sangat baik)."
    ),
    "rating_question_staff_behaviour": (
        "Bagaimana kesopanan dan keramahan petugas? 1 (tidak baik) sampai 4 (sangat baik)."
    ),
    "rating_question_complaint_handling": (
        "Bagaimana penanganan laporan {code} secara umum? 1 (tidak baik) sampai 4 (sangat baik)."
    ),
    "rating_question_product": (
        "Bagaimana kesesuaian hasil tindak lanjut dengan yang dijanjikan? "
        "1 (tidak baik) sampai 4 (sangat baik)."
    ),
    "rating_thanks": "Terima kasih atas penilaian Anda untuk laporan {code}!",
    "rating_invalid": 'Mohon jawab dengan angka 1, 2, 3, atau 4 (atau ketik "lewati").',
}

#: Labels of the web chat page (``bot/static/chat.html``), filled in when the page is served.
WEB_PAGE: dict[str, str] = {
    "attach": "Lampirkan foto atau PDF",
    "location": "Bagikan lokasi",
    "send": "Kirim",
    "placeholder": "Tulis pesan... (Enter untuk kirim)",
    "uploading": "Mengirim {name}...",
    "sent_file": "Berkas: {name}",
    "sent_location": "Lokasi: {lat}, {lon}",
    "too_large": "Berkas terlalu besar (paling besar {mb} MB). Coba foto dengan resolusi lebih kecil.",
    "not_accepted": "Jenis berkas ini tidak diterima. Kirim foto (JPEG/PNG) atau PDF.",
    "upload_failed": "Berkas tidak terkirim, periksa koneksi lalu coba lagi.",
    "locating": "Mencari lokasi Anda...",
    "geo_denied": "Lokasi tidak dapat dibaca. Izinkan akses lokasi, atau ketik alamatnya.",
    "geo_unsupported": "Peramban ini tidak dapat berbagi lokasi. Ketik alamatnya saja.",
    "map_title": "Pastikan titik lokasi",
    "map_hint": "Geser peta atau ketuk untuk memindahkan titik. Tombol panah juga bisa dipakai.",
    "map_no_tiles": "Peta tidak tersedia: titik ditunjukkan dengan koordinat.",
    "confirm": "Kirim lokasi ini",
    "cancel": "Batal",
    "coordinates": "Koordinat",
    "send_failed": "Pesan tidak terkirim ({status}).",
    "offline": "Koneksi terputus, mencoba lagi...",
}
