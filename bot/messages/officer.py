"""What the bot says in a linked officer's chat (``bot.flows.officer``), Indonesian and English.

Its own catalogue, beside the citizens' conversation: an officer's chat never shows a citizen text
and a citizen never sees these, and the officers' commands keep their Indonesian names
(/jawab, /info, /tugas) in both languages, as the console's staff use them.
"""

from __future__ import annotations

from config.catalogue import Catalogue

MESSAGES: dict[str, dict[str, str]] = {
    "id": {
        "linked": (
            "Chat ini sekarang tertaut ke akun petugas {name} ({username}). Laporan dan "
            "pemberitahuan untuk Anda akan dikirim ke sini.\n\n{help}"
        ),
        "link_refused": (
            "Kode tidak berlaku. Minta kode baru di halaman profil konsol atau dengan "
            "'suarawarga user link'."
        ),
        "not_linked": (
            "Chat ini tidak lagi tertaut ke akun petugas. Pesan berikutnya dibaca sebagai pesan "
            "warga."
        ),
        "inactive": "Akun petugas yang tertaut ke chat ini tidak aktif: tidak ada yang dapat dilakukan.",
        "help": (
            "Perintah petugas:\n"
            "/tugas: laporan terbuka instansi Anda, yang terlambat lebih dulu\n"
            "/jawab KODE jawaban: menjawab laporan (atau balas pesan laporannya)\n"
            "/info KODE pertanyaan: meminta informasi kepada pelapor\n"
            "/batal: membatalkan draf\n"
            "/unlink: melepas chat ini dari akun Anda"
        ),
        "unlinked": "Chat ini tidak lagi tertaut ke akun Anda. Pemberitahuan tidak dikirim ke sini lagi.",
        "ask_answer": "Tulis jawaban untuk laporan {code}. (Ketik batal untuk membatalkan.)",
        "ask_info": "Tulis pertanyaan untuk pelapor laporan {code}. (Ketik batal untuk membatalkan.)",
        "ask_return": (
            "Tulis alasan laporan {code} bukan wewenang instansi Anda; laporan dikembalikan ke "
            "verifikator. (Ketik batal untuk membatalkan.)"
        ),
        "confirm_answer": 'Kirim jawaban ini kepada pelapor {code}?\n\n{text}\n\nBalas "ya" untuk mengirim, "batal" untuk membatalkan.',
        "confirm_info": 'Kirim pertanyaan ini kepada pelapor {code}?\n\n{text}\n\nBalas "ya" untuk mengirim, "batal" untuk membatalkan.',
        "confirm_return": 'Kembalikan laporan {code} ke verifikator dengan alasan ini?\n\n{text}\n\nBalas "ya" untuk mengirim, "batal" untuk membatalkan.',
        "btn_send": "Kirim",
        "btn_cancel": "Batal",
        "done_answer": "Jawaban untuk laporan {code} sudah dikirim kepada pelapor.",
        "done_info": "Pertanyaan untuk laporan {code} sudah dikirim kepada pelapor.",
        "done_return": "Laporan {code} dikembalikan ke verifikator.",
        "cancelled": "Dibatalkan; tidak ada yang dikirim.",
        "refused": "Tidak dapat dilakukan: {reason}",
        "tasks_header": "Laporan terbuka instansi Anda ({count}):",
        "tasks_line": "{code}: {title} (batas {due})",
        "tasks_line_overdue": "TERLAMBAT {code}: {title} (batas {due})",
        "tasks_more": "... dan {count} lagi di konsol: {url}",
        "tasks_none": "Tidak ada laporan terbuka untuk instansi Anda.",
        "open_link": "Buka laporan {code} di konsol: {url}",
        "usage_answer": "Tulis: /jawab KODE jawaban, misalnya /jawab SW-ABCD-EFGH Jalan sudah diperbaiki.",
        "usage_info": "Tulis: /info KODE pertanyaan, misalnya /info SW-ABCD-EFGH Di nomor berapa?",
        "text_only": "Di chat petugas hanya perintah teks yang dibaca. Ketik /bantuan.",
    },
    "en": {
        "linked": (
            "This chat is now linked to the staff account {name} ({username}). Reports and "
            "notifications for you will arrive here.\n\n{help}"
        ),
        "link_refused": (
            "This code is not valid. Ask for a new one on the console's profile page or with "
            "'suarawarga user link'."
        ),
        "not_linked": (
            "This chat is no longer linked to a staff account. Your next message is read as a "
            "citizen's."
        ),
        "inactive": "The staff account linked to this chat is not active: nothing can be done here.",
        "help": (
            "Staff commands:\n"
            "/tugas: your agency's open reports, overdue first\n"
            "/jawab CODE answer: answer a report (or reply to its message)\n"
            "/info CODE question: ask the reporter for information\n"
            "/batal: cancel a draft\n"
            "/unlink: unlink this chat from your account"
        ),
        "unlinked": "This chat is no longer linked to your account. Notifications stop coming here.",
        "ask_answer": "Write the answer to report {code}. (Type cancel to cancel.)",
        "ask_info": "Write your question to the reporter of {code}. (Type cancel to cancel.)",
        "ask_return": (
            "Write why report {code} is not your agency's authority; it goes back to the "
            "verifier. (Type cancel to cancel.)"
        ),
        "confirm_answer": 'Send this answer to the reporter of {code}?\n\n{text}\n\nReply "yes" to send, "cancel" to cancel.',
        "confirm_info": 'Send this question to the reporter of {code}?\n\n{text}\n\nReply "yes" to send, "cancel" to cancel.',
        "confirm_return": 'Return report {code} to the verifier with this reason?\n\n{text}\n\nReply "yes" to send, "cancel" to cancel.',
        "btn_send": "Send",
        "btn_cancel": "Cancel",
        "done_answer": "Your answer to report {code} was sent to the reporter.",
        "done_info": "Your question on report {code} was sent to the reporter.",
        "done_return": "Report {code} went back to the verifier.",
        "cancelled": "Cancelled; nothing was sent.",
        "refused": "Not possible: {reason}",
        "tasks_header": "Your agency's open reports ({count}):",
        "tasks_line": "{code}: {title} (due {due})",
        "tasks_line_overdue": "OVERDUE {code}: {title} (due {due})",
        "tasks_more": "... and {count} more in the console: {url}",
        "tasks_none": "Your agency has no open reports.",
        "open_link": "Open report {code} in the console: {url}",
        "usage_answer": "Write: /jawab CODE answer, e.g. /jawab SW-ABCD-EFGH The road was repaired.",
        "usage_info": "Write: /info CODE question, e.g. /info SW-ABCD-EFGH At which number?",
        "text_only": "Only text commands are read in a staff chat. Type /help.",
    },
}

OFFICER = Catalogue("bot.officer", MESSAGES)


def text(key: str, language: str, **values: object) -> str:
    return OFFICER.text(key, language, **values)
