"""Normalisation of informal Indonesian: slang, repeated letters, masking of personal numbers."""

from __future__ import annotations

import pytest

from nlu.normalize import normalize, tokens
from nlu.slang import SLANG


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


def _reference_normalize(text: str) -> str:
    """The plain chain of substitutions ``normalize`` must equal (no guards, no shortcuts)."""
    import re

    from nlu import normalize as n

    text = text.lower()
    for pattern, token in (
        (n._PLACEHOLDER_RE, " _phone_ "),
        (n._EMAIL_PLACEHOLDER_RE, " _email_ "),
        (n._URL_PLACEHOLDER_RE, " _url_ "),
        (n._NIK_PLACEHOLDER_RE, " _nik_ "),
        (n._STAR_MASK_RE, " _id_ "),
        (n._OTHER_PLACEHOLDER_RE, " _id_ "),
        (n._EMAIL_RE, " _email_ "),
        (n._URL_RE, " _url_ "),
        (n._DOMAIN_RE, " _url_ "),
        (n._PHONE_RE, " _phone_ "),
        (n._NIK_RE, " _nik_ "),
    ):
        text = pattern.sub(token, text)
    text = n._REDUP_RE.sub(r"\1 \1", text)
    text = n._REDUP_DASH_RE.sub(r"\1 \1", text)
    text = n._NUMBER_RE.sub(" _num_ ", text)
    text = n._QUESTION_RE.sub(" ? ", text)
    text = re.sub(r"\w*([a-z])\1{2,}\w*", lambda m: n._collapse_word(m.group(0)), text)
    out: list[str] = []
    for word in n._NON_WORD_RE.sub(" ", text).split():
        if word not in n.MASK_TOKENS:
            word = word.strip("_")
        if word:
            out.append(SLANG.get(word, word))
    return " ".join(out)


def test_guarded_fast_normalisation_equals_the_plain_chain() -> None:
    """The cheap pre-checks and rewritten patterns in ``normalize`` change speed, not output.

    Checked on the shipped training texts and on random strings built from the fragments each
    pattern is about (phones, NIK, masks, reduplication, repeats, underscores, odd Unicode).
    """
    import random
    from pathlib import Path

    from nlu.dataset import read_rasa_yaml

    data = Path(__file__).resolve().parents[2] / "nlu" / "data"
    texts = [
        e.text for name in ("report_type", "routing") for e in read_rasa_yaml(data / f"{name}.yml")
    ]
    fragments = [
        "anak2", "ab2", "x2", "2ab2", "anak-anak", "bangeeet", "gaaak", "a_aaa", "aaa_bbb",
        "0812-3456-7890", "+6281234567890", "62 8123", "08 12", "1234567890123456",
        "www.lapor.go.id/abc", "lapor.go.id", "a@b.co", "[telp]", "[ e-mail ]", "0001[*****]29",
        "[ x ]", "[nama]", "_url_", "__x__", "_", "?", "??", "kk", "pelaanan", "tdk", "yg", "  ",
        "-", ".", "\u00e4", "\u0663", "\u00a0", "\t", "\n", "\u0130", "\u00df", "a", "b", "0", "8",
        "2", "6",
    ]  # fmt: skip
    rng = random.Random(7)
    for _ in range(5000):
        texts.append("".join(rng.choice(fragments) for _ in range(rng.randint(0, 25))))
    for text in texts:
        assert normalize.__wrapped__(text) == _reference_normalize(text), text
