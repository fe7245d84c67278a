"""How clause text refers to other parts of an agreement, in one place.

Clause templates never type a section number: ``Section {{ ref('premium') }}`` renders the number
the premium clause has in this agreement. The record keeps that plain number (the Markdown and
the redline read it); the DOCX renderer turns each ``Section N`` back into a Word REF field on a
bookmark at section N's heading, so counsel who inserts a clause in Word and updates fields gets
the right numbers. That round trip is sound because ``wsr library --check`` refuses clause text
that types ``Section 3`` itself (see :func:`reference_problems`), so every ``Section N`` in
rendered clause text came from ``ref()``.

Schedules are fixed parts of the house template, not clauses: their numbers are typed in the
text (``Schedule 1``) and must name a schedule that exists (:data:`SCHEDULES`).
"""

from __future__ import annotations

import re

#: schedule number -> title, as the house template prints them after the sections
SCHEDULES: dict[str, str] = {"1": "Covered Suppliers"}

#: ``Section 5`` / ``section 5`` as ``ref()`` output renders it (not ``Section 5.2``)
SECTION_REF = re.compile(r"\b([Ss]ection) (\d+)\b(?![.,]?\d)")

_TYPED_NUMBER = re.compile(
    r"\b(Sections?|sections?|Clauses?|clauses?|Articles?|articles?|Paragraphs?|paragraphs?)"
    r" (\d+(?:\.\d+)*)\b"
)
_SCHEDULE = re.compile(
    r"\b(Schedules?|schedules?|Annex(?:es)?|annex(?:es)?|Appendix|appendix) (\w+)"
)
_REF_AFTER = re.compile(r"\b(Schedules?|Annex(?:es)?|Appendix|Clauses?|Articles?)\s*$", re.I)
_REF_CALL = re.compile(r"\{\{-?\s*ref\(")

BOOKMARK_PREFIX = "_RefWSR_"
#: Word refuses bookmark names longer than 40 characters
BOOKMARK_MAX = 40


def bookmark_name(clause_id: str) -> str:
    """The hidden Word bookmark on the heading of clause ``clause_id``'s section.

    Named by clause rather than number, so it still names the right heading after counsel
    inserts a section before it. A leading underscore hides it from Word's bookmark list, as
    Word's own cross-reference bookmarks are hidden.
    """
    return f"{BOOKMARK_PREFIX}{clause_id}"[:BOOKMARK_MAX]


def reference_problems(source: str) -> list[str]:
    """What is wrong with the references in one clause template (messages, no paths).

    - a section, clause, article or paragraph number typed as digits (``Section 1``): section
      numbers change with the clauses chosen, so they come from ``ref('clause_id')``;
    - a schedule or annex that the house template does not have (``Schedule 2``);
    - ``ref()`` after the word Schedule, Annex, Clause or Article: ``ref`` gives a *section*
      number, so ``Schedule {{ ref('x') }}`` names a schedule that does not exist.
    """
    out: list[str] = [
        f"{m.group(0)!r} types a {m.group(1).lower().rstrip('s')} number; section numbers "
        "depend on the clauses chosen, so write Section {{ ref('clause_id') }}"
        for m in _TYPED_NUMBER.finditer(source)
    ]
    for m in _SCHEDULE.finditer(source):
        number = m.group(2)
        if number.isdigit() and number not in SCHEDULES:
            known = ", ".join(f"Schedule {n} ({t})" for n, t in SCHEDULES.items())
            out.append(f"{m.group(0)!r} does not exist (the agreement has: {known})")
    for m in _REF_CALL.finditer(source):
        before = source[max(0, m.start() - 20) : m.start()]
        if _REF_AFTER.search(before):
            word = _REF_AFTER.search(before)
            assert word is not None
            out.append(
                f"ref() after {word.group(1)!r}: ref gives a section number, so this names a "
                f"{word.group(1).lower().rstrip('s')} that does not exist; write "
                "Section {{ ref('clause_id') }}"
                + (
                    f" or Schedule {next(iter(SCHEDULES))}"
                    if word.group(1).lower().startswith("schedule")
                    else ""
                )
            )
    return out
