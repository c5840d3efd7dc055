"""Normalisation of informal Indonesian: slang, repeated letters, masking of personal numbers."""

from __future__ import annotations

import pytest

from nlu.normalize import normalize, tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jln rusak bangeeet", "jalan rusak banget"),
        ("yg gak diperbaiki", "yang tidak diperbaiki"),
        ("tdk ada, nggak ada, ga ada", "tidak ada tidak ada tidak ada"),
        ("sdh lapor tp blm ada tindak lanjut", "sudah lapor tapi belum ada tindak lanjut"),
        ("krn utk dgn", "karena untuk dengan"),
        ("anak2 sekolah-sekolah", "anak anak sekolah sekolah"),
        ("Maaaaf pak", "maaf bapak"),
        ("tolonggg!!!", "tolong"),
        ("kagak ada yg ngangkut, udeh seminggu", "tidak ada yang ngangkut sudah seminggu"),
        ("KENAPA???", "kenapa ?"),
    ],
)
def test_slang_case_and_repeats(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hubungi 0812-3456-7890 ya", "hubungi _phone_ ya"),
        ("wa +6281234567890", "wa _phone_"),
        ("NIK 3201234567890123 salah", "nik _nik_ salah"),
        ("email saya budi.s@mail.co.id", "email saya _email_"),
        ("lihat https://lapor.go.id/x?id=1 atau www.contoh.com", "lihat _url_ atau _url_"),
        ("cek di lapor.go.id/status", "cek di _url_"),
        ("CP. [TELP] atau [EMAIL]", "cp _phone_ atau _email_"),
        ("kartu 0001[***************]29 ditolak", "kartu _id_ ditolak"),
        ("bayar Rp 1.500.000 tgl 12/03/2017", "bayar rp _num_ tanggal _num_"),
    ],
)
def test_masks_personal_numbers_links_and_placeholders(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_no_digits_survive_normalisation() -> None:
    text = "Sdh 3x lapor, no tiket 88123, hub 081299998888, NIK 3174012345678901"
    assert not any(ch.isdigit() for ch in normalize(text))


def test_tokens_keep_question_mark_and_mask_tokens() -> None:
    assert tokens("Kapan KTP sy jadi?? hub 08123456789") == [
        "kapan",
        "ktp",
        "saya",
        "jadi",
        "?",
        "hub",
        "_phone_",
    ]


def test_empty_and_punctuation_only() -> None:
    assert normalize("") == ""
    assert normalize(" ... !!! ") == ""
