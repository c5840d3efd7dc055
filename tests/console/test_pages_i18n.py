"""Every console text exists in Indonesian and English, including the keys built from enums."""

from __future__ import annotations

import re

import pytest

from console import PACKAGE_DIR
from console.i18n import en, gettext, id
from console.views.report_actions import CONSOLE_ACTIONS
from reports.enums import ActorKind, MessageKind, Privacy, ReportType, Role, Stage, Status
from reports.lifecycle import Action

LITERAL_KEY = re.compile(r"""_\(\s*["']([a-z0-9_]+)["']""")


def _template_keys() -> set[str]:
    keys: set[str] = set()
    for path in (PACKAGE_DIR / "templates").glob("*.html"):
        keys |= {k for k in LITERAL_KEY.findall(path.read_text(encoding="utf-8")) if k[-1] != "_"}
    for path in (PACKAGE_DIR / "views").glob("*.py"):
        keys |= {k for k in LITERAL_KEY.findall(path.read_text(encoding="utf-8")) if k[-1] != "_"}
    return keys


def _enum_keys() -> set[str]:
    keys = {f"status_{s.value}" for s in Status} | {f"type_{t.value}" for t in ReportType}
    keys |= {f"privacy_{p.value}" for p in Privacy} | {f"stage_{s.value}" for s in Stage}
    keys |= {f"role_{r.value}" for r in Role} | {f"msg_{k.value}" for k in MessageKind}
    keys |= {f"actor_{a.value}" for a in ActorKind}
    keys |= {f"event_{a.value}" for a in Action} | {"event_breach", "event_escalate"}
    console_actions = [a.value for a in CONSOLE_ACTIONS]
    keys |= {f"action_{a}" for a in console_actions} | {f"done_{a}" for a in console_actions}
    keys |= {"action_note", "done_note"}
    return keys


def test_both_languages_have_the_same_keys() -> None:
    assert set(id.MESSAGES) == set(en.MESSAGES)


@pytest.mark.parametrize("catalogue", [id.MESSAGES, en.MESSAGES], ids=["id", "en"])
def test_every_key_the_console_uses_is_translated(catalogue: dict[str, str]) -> None:
    used = _template_keys() | _enum_keys()
    assert len(used) > 100
    assert sorted(used - set(catalogue)) == []


def test_unknown_language_falls_back_to_indonesian() -> None:
    assert gettext("fr", "sign_in") == "Masuk"
    assert gettext("en", "sign_in") == "Sign in"
