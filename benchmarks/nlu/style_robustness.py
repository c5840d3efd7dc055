"""Style robustness: the report-type model on real messages as typed into a chat.

Why: the real LAPOR! messages are written on a web form, mostly in full sentences; citizens
will write to the bot the way they write on WhatsApp. The same held-out messages, rewritten in
chat style, show how much of the grouped-CV figure survives that change of register.
"""

from __future__ import annotations

import random
import re
from typing import Any

from benchmarks.nlu.data import report_type_examples
from benchmarks.nlu.folds import SEED, stratified_splits
from benchmarks.nlu.scoring import scores
from nlu.dataset import REPORT_TYPE_LABELS
from nlu.train import train_model

_GREETINGS = ("Assalamualaikum min, ", "selamat pagi pak, ", "punten admin, ", "halo kak, ", "")
_CLOSINGS = (" makasih min", " trims", " 🙏", " terimakasih", "")


def chat_style(text: str, rng: random.Random) -> str:
    """The same message as typed into WhatsApp: lower case, no punctuation, slang for half the
    words that have one, a dropped letter in 4% of long words, a greeting and a thanks (the
    same for every label, so they carry no label)."""
    from nlu.slang import SLANG

    informal: dict[str, str] = {}
    for short, standard in SLANG.items():
        if " " not in standard:
            informal.setdefault(standard, short)
    words = []
    for word in re.sub(r"[.,;:!()\"']", " ", text.lower()).split():
        if word in informal and rng.random() < 0.5:
            word = informal[word]
        elif len(word) > 4 and rng.random() < 0.04:
            cut = rng.randrange(len(word))
            word = word[:cut] + word[cut + 1 :]
        words.append(word)
    return rng.choice(_GREETINGS) + " ".join(words) + rng.choice(_CLOSINGS)


def style_robustness(folds: int) -> dict[str, Any]:
    """Grouped CV as in the report-type section (ours, uncalibrated: only the labels are
    scored), each held-out real message scored as written and in chat style."""
    data = report_type_examples()
    real = data.real
    gold = [e.label for e in real]
    rng = random.Random(SEED)
    styled = [chat_style(e.text, rng) for e in real]
    as_written: list[str] = [""] * len(real)
    as_chat: list[str] = [""] * len(real)
    for train_idx, test_idx in stratified_splits(gold, folds):
        model = train_model(
            "report_type",
            [*data.written, *(real[i] for i in train_idx)],
            labels=REPORT_TYPE_LABELS,
            calibrate=False,
        )
        for i, a, b in zip(
            test_idx,
            model.predict([real[i].text for i in test_idx]),
            model.predict([styled[i] for i in test_idx]),
            strict=True,
        ):
            as_written[i], as_chat[i] = a, b
    return {
        "example": styled[3][:200],
        "as_written": scores(gold, as_written, None, []),
        "chat_style": scores(gold, as_chat, None, []),
    }
