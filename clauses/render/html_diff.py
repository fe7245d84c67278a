"""One clause beside its standard text as two HTML columns, the differences marked word by word.

For the console's clause-by-clause review. The comparison is the redline's own
(:func:`clauses.render.redline.align_paragraphs` pairs the paragraphs, :func:`word_diff` the
words, with amounts, dates and counted numbers as single tokens), so what counsel sees on the
page is what the redline DOCX shows as tracked changes: the standard column marks what the
agreement removes with ``<del>``, the agreement column marks what it adds with ``<ins>``.
Every text is escaped; a paragraph's table rows stay text (``white-space: pre-wrap`` shows them).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from clauses._agreement import SectionRec
from clauses.render.redline import align_paragraphs, word_diff


def _h(text: str) -> str:
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class ClauseDiff:
    """The two columns and whether anything differs."""

    standard_html: str
    chosen_html: str
    changed: bool


def _para(number: str, body: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    lead = f"<strong>{_h(number)}</strong> " if number else ""
    return f"<p{attr}>{lead}{body}</p>"


def clause_diff(chosen: SectionRec | None, standard: SectionRec | None) -> ClauseDiff:
    """The standard's paragraphs (deletions marked) and the chosen ones (insertions marked).

    ``standard`` None: a clause the standard does not have (all of it inserted); ``chosen``
    None: a clause the agreement leaves out (all of it deleted).
    """
    old = list(standard.paragraphs) if standard else []
    new = list(chosen.paragraphs) if chosen else []
    left: list[str] = []
    right: list[str] = []
    changed = False
    oi = ni = 0
    for status, o, n in align_paragraphs([p.text for p in old], [p.text for p in new]):
        onum = old[oi].number if status != "inserted" and oi < len(old) else ""
        nnum = new[ni].number if status != "deleted" and ni < len(new) else ""
        if status != "inserted":
            oi += 1
        if status != "deleted":
            ni += 1
        if status == "equal":
            left.append(_para(onum, _h(o)))
            right.append(_para(nnum, _h(n)))
            continue
        changed = True
        if status == "deleted":
            left.append(_para(onum, f"<del>{_h(o)}</del>", "deleted"))
            right.append('<p class="gap"></p>')
        elif status == "inserted":
            left.append('<p class="gap"></p>')
            right.append(_para(nnum, f"<ins>{_h(n)}</ins>", "inserted"))
        else:
            lpieces, rpieces = [], []
            for op, text in word_diff(o, n):
                if op == "equal":
                    lpieces.append(_h(text))
                    rpieces.append(_h(text))
                elif op == "delete":
                    lpieces.append(f"<del>{_h(text)}</del>")
                else:
                    rpieces.append(f"<ins>{_h(text)}</ins>")
            left.append(_para(onum, "".join(lpieces), "changed"))
            right.append(_para(nnum, "".join(rpieces), "changed"))
    if chosen and standard and chosen.title != standard.title:
        changed = True
    return ClauseDiff("\n".join(left), "\n".join(right), changed)
