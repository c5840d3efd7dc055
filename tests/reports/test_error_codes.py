"""Every refusal the code base can raise has a text, in every language, that its values fill.

The source is read, not run: each call of ``DomainError`` or of one of its subclasses (found by
walking the class definitions) must name its code as a literal, that code must be a key of the
refusals' catalogue in each language, and the keyword values given must cover the text's
placeholders. A new refusal without a translation fails here, not in front of a citizen.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from config.catalogue import placeholders
from reports.lifecycle import DomainError, IllegalTransition
from reports.messages import ERRORS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "reports", "nlu", "bot", "escalation", "webhooks", "console")


def _sources() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """``DomainError`` and every class that derives from it, by name, to a fixed point."""
    names = {"DomainError"}
    classes = [n for tree in trees.values() for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    while True:
        more = {c.name for c in classes if any(_name(b) in names for b in c.bases)} - names
        if not more:
            return names
        names |= more


def _raised() -> list[tuple[str, str, frozenset[str]]]:
    """(where, code, keyword names) for each call of an error class with a code."""
    trees = _sources()
    classes = _error_classes(trees) - {"IllegalTransition"}  # builds its code itself
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in classes):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            assert node.args, f"{where}: a refusal needs a code"
            code = node.args[0]
            assert isinstance(code, ast.Constant) and isinstance(code.value, str), (
                f"{where}: the code must be a literal, so this test can check it"
            )
            found.append((where, code.value, frozenset(k.arg for k in node.keywords if k.arg)))
    return found


RAISED = _raised()


def test_the_source_raises_refusals() -> None:
    assert len(RAISED) > 40  # the walk finds them (a broken walk would pass everything)


@pytest.mark.parametrize(("where", "code", "given"), RAISED, ids=[r[0] for r in RAISED])
def test_each_raised_code_has_a_text_in_every_language(
    where: str, code: str, given: frozenset[str]
) -> None:
    for language, texts in ERRORS.languages.items():
        assert code in texts, f"{where}: no {language} text for {code!r}"
        missing = placeholders(texts[code]) - given
        assert not missing, f"{where}: {code!r} in {language} needs {sorted(missing)}"


def test_the_catalogue_has_no_code_nobody_raises() -> None:
    raised = {code for _, code, _ in RAISED} | {"illegal_transition"}
    assert set(ERRORS) - raised == set()


def test_an_illegal_transition_fills_its_text() -> None:
    from reports.enums import Status
    from reports.lifecycle import Action

    exc = IllegalTransition(Status.SUBMITTED, Action.REROUTE)
    assert exc.code == "illegal_transition"
    assert str(exc).startswith("cannot reroute a report that is submitted")
    assert "laporan berstatus submitted" in exc.text("id")


def test_str_keeps_the_values_the_text_does_not_show() -> None:
    exc = DomainError("empty", field="reason")
    assert str(exc) == "A required field is empty. (field='reason')"
    assert exc.text("id") == "Isian wajib belum diisi."
    assert DomainError("no_such_code").text("id") == "no_such_code"
