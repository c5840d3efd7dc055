"""Cue counts for report types: pooled evidence of "proposes something new" against "reports a
problem", as a small third feature block beside the word and character n-grams.

Why a pooled block when every cue word is already a word n-gram: real aspirations are rare (87
of 1,514 real LAPOR! messages) and each says it differently ("usul", "alangkah baiknya",
"mohon dibuatkan", "ditinjau kembali", "bagaimana jika ..."), so each cue word alone has a
handful of training examples and a small weight, while a real aspiration also names the problem
it would solve and shares the complaint vocabulary. Counting the cues of each side in one
feature lets the rare class learn from all of them at once. The lists follow the definitions in
``shared/docs/report_types.md`` (proposal, new facility, change of a rule or plan, policy input;
against damage, failure, neglect, a nuisance, a benefit not received) and were written before
any count on the real messages was looked at; an information-request group was tried too and
cost information-request F1 (``benchmarks/nlu/METHODS.md``), so there is none.

Matched on the normalised text (lower case, slang expanded: ``nlu.normalize``), which is what
the other blocks see, so "tdk diperbaiki" and "tidak diperbaiki" count alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

__all__ = ["CUE_GROUPS", "cue_counts"]

# (group name, pattern) in column order: plain words and short phrases, so the scan stays linear
# in the text. Mostly unanchored on purpose, so affixed forms count too ("kerusakan",
# "dibangunkan", "kerusakan"); the price is a few accidental hits, left as they were measured.
CUE_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "proposal",
        re.compile(
            r"\busul\w*|\bsaran\b|menyarankan|sebaiknya|alangkah|harapan|berharap|diharapkan"
            r"|semoga|dibangun\w*|pembangunan|diadakan|pengadaan|ditambah\w*|penambahan"
            r"|dibuatkan|dipertimbangkan|pertimbangan|bagaimana (?:jika|kalau)"
            r"|apa tidak (?:lebih|sebaiknya)|ditinjau (?:kembali|ulang)|dikaji|kebijakan"
            r"|aspirasi|perlu (?:adanya|dibuat|diadakan|ada)|mendukung|dukungan|\bide\b"
            r"|gagasan|diperpanjang|disamakan|dicabut|jangan (?:dihapus\w*|hapus\w*)"
            r"|keberatan|dipindah\w*|inovasi|program|fasilitas|diperbanyak|memperbanyak"
            r"|lebih baik (?:jika|kalau)"
            # The same ideas in English (written as a translation of the list above).
            r"|\bsuggest\w*|\bpropos\w*|\bshould\b|would be (?:better|great|nice)|\bhope\b"
            r"|please (?:build|add|provide|consider)|\bconsider\w*|\breview\b|\bpolicy\b"
            r"|\bprogram\w*|\bfacilit\w*|\bsupport\b|\bidea\b|\bextend\w*|\bcancel\w*"
            r"|\brelocat\w*|\bobject\w*|why not"
        ),
    ),
    (
        "problem",
        re.compile(
            r"rusak|berlubang|\bmati\b|tidak berfungsi|belum (?:di)?perbaiki|dibiarkan"
            r"|kecewa|parah|pungli|\bliar\b|\bbau\b|menumpuk|tidak ada tindak"
            r"|tidak (?:pernah )?ditanggapi|sudah lama|belum (?:juga|ada)|ditindaklanjuti"
            r"|pelanggaran|melanggar|mohon ditertibkan|ditertibkan|tidak dilayani|lambat"
            r"|macet total|bocor|terlambat|belum (?:cair|terbit|menerima|diterima)"
            r"|\bbroken\b|\bdamaged\b|\bpothole|\bdead\b|not working"
            r"|(?:hasn|isn|doesn|don|didn|won)'? ?t work"
            r"|not (?:been )?(?:repaired|fixed)|\babandoned\b|disappoint\w*|\bsevere\b|\bbribe"
            r"|\bextort\w*|\billegal\w*|\bsmell\w*|\bstink\w*|piling up|no (?:action|response)"
            r"|for (?:a long time|(?:a|two|three|\d+) (?:week|month)s?)|\bstill (?:no|not)\b"
            r"|\bfollow up|\bviolat\w*|\bslow\b|\bleak\w*|\blate\b|not (?:received|paid)"
        ),
    ),
)


def _alternatives(pattern: str) -> list[str]:
    """The top-level ``|`` alternatives of a pattern (groups and escapes respected)."""
    out, depth, current, i = [], 0, "", 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            current += pattern[i : i + 2]
            i += 2
            continue
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            out.append(current)
            current = ""
        else:
            current += char
        i += 1
    return [*out, current]


def _literals(alternative: str) -> tuple[str, str]:
    """(leading literal, longest literal every match contains) of one alternative.

    Only runs of plain characters outside groups count; a character made optional by ``?`` or
    ``*`` is dropped, and an escape class or a group ends a run. A leading ``\\b`` is skipped.
    """
    runs, current, depth, i = [], "", 0, 0
    while i < len(alternative):
        char = alternative[i]
        if depth == 0 and char == "\\":
            runs.append(current)
            current = ""
            i += 2
            continue
        if char == "(":
            depth += 1
            runs.append(current)
            current = ""
        elif char == ")":
            depth -= 1
        elif depth == 0 and char in "?*{":
            current = current[:-1]
            runs.append(current)
            current = ""
        elif depth == 0 and char in "+.^$[":
            runs.append(current)
            current = ""
        elif depth == 0:
            current += char
        i += 1
    runs.append(current)
    body = alternative[2:] if alternative.startswith("\\b") else alternative
    leading = runs[1] if alternative.startswith("\\b") else runs[0]
    if not body or body[0] in "(\\":
        leading = ""
    return leading, max(runs, key=len)


class _Counter:
    """Counts the matches of one cue group exactly as ``len(pattern.findall(text))`` would,
    in a fraction of the time.

    Why: a 60-way alternation makes Python's regex engine try every alternative at every
    position (1-2 ms for a 1,200-character message, doubling the per-message latency). Here an
    alternative is only tried where its leading literal occurs (``str.find``), and not at all
    when a literal it needs is absent (``in``); the leftmost-first, non-overlapping choice of
    ``findall`` is then replayed over the candidate matches. Equal counts are tested on every
    training text.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.parts = []
        for alternative in _alternatives(pattern.pattern):
            leading, needed = _literals(alternative)
            compiled = re.compile(alternative if leading else f"(?=({alternative}))")
            self.parts.append((leading, needed, compiled))

    def count(self, text: str) -> int:
        found: dict[int, tuple[int, int]] = {}  # start -> (alternative, end): first one wins
        for index, (leading, needed, compiled) in enumerate(self.parts):
            if needed not in text:
                continue
            if leading:
                at = text.find(leading)
                while at != -1:
                    match = compiled.match(text, at)
                    if match and (at not in found or found[at][0] > index):
                        found[at] = (index, match.end())
                    at = text.find(leading, at + 1)
            else:
                for match in compiled.finditer(text):
                    at = match.start()
                    if at not in found or found[at][0] > index:
                        found[at] = (index, match.end(1))
        total, position = 0, 0
        for at in sorted(found):
            if at >= position:
                total += 1
                position = max(found[at][1], at + 1)
        return total


_COUNTERS = tuple(_Counter(pattern) for _, pattern in CUE_GROUPS)


@lru_cache(maxsize=256)
def cue_counts(normalized: str) -> np.ndarray:
    """``log(1 + count)`` of each cue group's matches in an already normalised text.

    Sublinear like the n-gram blocks' term frequencies: a third "saran" adds less than the
    first. Cached (shared by every call on the same message); read-only for that reason.
    The counts are those of ``len(pattern.findall(normalized))``, computed by :class:`_Counter`.
    """
    counts = np.array([float(c.count(normalized)) for c in _COUNTERS], dtype=np.float64)
    np.log1p(counts, out=counts)
    counts.flags.writeable = False
    return counts
