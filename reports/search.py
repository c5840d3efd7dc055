"""Full-text search over reports: title, body, location and tracking code.

One function builds the WHERE clause for either backend, so the console list and the REST API
search the same way, always combined with :func:`reports.access.visible_filter` by the caller.

- PostgreSQL: ``to_tsvector('simple', ...)`` with a prefix ``to_tsquery``. The ``simple``
  configuration lowercases and splits words but does not stem: the ``english`` one would cut
  Indonesian words as if they were English (``jalan`` is not ``jal`` + ``-an``), and no Indonesian
  stemmer ships with PostgreSQL. Prefix terms (``lubang:*``) stand in for the stemming we do not
  have: ``lubang`` finds ``lubangnya``. The document expression is written out literally so that
  it matches the GIN expression index of migration 0009, which the planner then uses. A tracking
  code is not in the document (the parser would split it at its dashes): a whole code is looked up
  by equality, a fragment with ILIKE (:func:`_code_filter`).
- SQLite: every term must appear (LIKE, case-insensitive for ASCII) in one of the fields. A
  sequential scan, which is fine for the single-machine deployments SQLite serves.
"""

from __future__ import annotations

import re
from typing import Final

from sqlalchemy import ColumnElement, and_, func, literal_column, or_

from reports import tracking
from reports.models import Report

#: The text searched on PostgreSQL; must stay identical to the index expression of 0009.
PG_DOCUMENT: Final = (
    "to_tsvector('simple'::regconfig, coalesce(reports.title, '') || ' ' || "
    "coalesce(reports.body, '') || ' ' || coalesce(reports.location_text, ''))"
)
MAX_TERMS: Final = 8
_WORD = re.compile(r"[^\W_]+")
_FRAGMENT = re.compile(r"[0-9A-Z-]{3,20}")


def terms(text: str) -> list[str]:
    """The words of a query, lowercased, at most :data:`MAX_TERMS` (operators are dropped, so a
    query can never be a malformed tsquery)."""
    return [w.lower() for w in _WORD.findall(text)][:MAX_TERMS]


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _code_filter(text: str) -> ColumnElement[bool] | None:
    """Matching the tracking code, when ``text`` can be (part of) one.

    A whole code (in any spelling ``tracking.normalize`` reads) is an equality on the unique
    index. A fragment is an ILIKE, which no index serves, so it is tried only when the query looks
    like a code fragment (one token of code symbols with a digit or a dash, or starting with SW):
    OR-ing it onto every word search would stop PostgreSQL from using the full-text index.
    """
    whole = tracking.normalize(text)
    if whole is not None:
        return Report.tracking_code == whole
    fragment = text.replace("\x00", "").strip().upper()[:20]
    if not _FRAGMENT.fullmatch(fragment):
        return None
    if not (any(c.isdigit() or c == "-" for c in fragment) or fragment.startswith("SW")):
        return None
    return Report.tracking_code.ilike("%" + _like_escape(fragment) + "%", escape="\\")


def search_filter(text: str, dialect: str) -> ColumnElement[bool] | None:
    """A clause matching reports whose text has every word of ``text`` (as a word prefix on
    PostgreSQL), or whose tracking code is or contains ``text``. None for a query with no words."""
    words = terms(text)
    if not words:
        return None
    if dialect == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        document: ColumnElement[str] = literal_column(PG_DOCUMENT)
        by_words: ColumnElement[bool] = document.op("@@")(func.to_tsquery("simple", tsquery))
    else:
        fields = (Report.title, Report.body, Report.location_text)
        by_words = and_(
            *(
                or_(*(f.ilike("%" + _like_escape(w) + "%", escape="\\") for f in fields))
                for w in words
            )
        )
    by_code = _code_filter(text)
    return by_words if by_code is None else or_(by_words, by_code)
