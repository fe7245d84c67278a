"""Redline: the agreement as a DOCX with real Word tracked changes against the all-standard text.

Counsel reviews in Word or LibreOffice, where accepting or rejecting a change is one click,
so the differences are not drawn with colours but written as revisions: ``w:ins`` / ``w:del``
runs (``w:delText`` inside deletions) for word-level edits, and inserted or deleted paragraph
marks (``w:pPr/w:rPr/w:ins|w:del``) for whole paragraphs and clauses. Accepting every change
gives the agreement's text; rejecting every change gives the standard's.

How: the house template is rendered once (docxtpl, same styles and numbering as the
agreement) from a merged context in which every changed text is a unique placeholder; the
placeholders are then replaced by revision runs with lxml. The diffing itself
(:func:`word_diff`, :func:`align_paragraphs`) is pure: difflib on :func:`tokens`, in which an
amount with its currency, a date, a number in words and figures, a figure and a word are each
one token, so no change ever cuts a number in two.

A paragraph changed word by word keeps its paragraph mark and its numbering; LibreOffice 7.4
nonetheless labels such a paragraph "[3.2]" (and the next "3.2[3.3]") while changes are shown.
It does so for deletions it recorded itself once saved and reopened, and the numbers are right
after accepting and saving: a matter of LibreOffice's display (see docs/design.md).
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from docx.oxml.ns import qn
from lxml import etree

from .._agreement import Agreement
from .._compare import merge_order
from .docx import (
    HOUSE_TEMPLATE,
    definition_rest,
    docx_context,
    plain_runs,
    render_template,
    save_docx,
    split_table,
    table_xml,
)

AUTHOR = "WSR engine"

Op = Literal["equal", "insert", "delete"]
Status = Literal["equal", "changed", "inserted", "deleted"]

_MONTH = "January|February|March|April|May|June|July|August|September|October|November|December"
_NUMWORD = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|million"
)
_FIGURE = r"\d+(?:[.,:/]\d+)*"  # 37,500.00 · 3.2 · 0.015 · 09:30 · one digit run with separators
#: The atoms of a redline, tried in this order at each position. Each takes the whitespace that
#: follows it, so a deleted word takes its space with it and the texts join back exactly.
ATOMS: tuple[tuple[str, str], ...] = (
    # an amount with its currency: "USD 37,500.00", "$500,000"
    ("amount", r"(?:\b[A-Z]{3}\u00a0?\ ?|[$\u00a3\u20ac])\d+(?:,\d{3})*(?:\.\d+)?"),
    # a date as the engine writes it ("5 January 2026"), as Americans do, or ISO
    ("date", rf"\d{{1,2}}\ (?:{_MONTH})\ \d{{4}}|(?:{_MONTH})\ \d{{1,2}},\ \d{{4}}"),
    ("date", r"\d{4}-\d{2}-\d{2}"),
    # a number in words and figures: "one hundred and eighty (180)", "thirty (30)"
    (
        "counted",
        rf"(?i:(?:{_NUMWORD})(?:(?:-|\ |\ and\ )(?:{_NUMWORD}))*)\ \({_FIGURE}\)",
    ),
    # a figure: a number with separators, a section number, a percentage
    ("figure", rf"{_FIGURE}%?"),
    ("word", r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*"),
    ("punct", r"(?:[^\w\s]|_)+?"),
)
_TOKEN = re.compile("|".join(f"(?:{rx})\\s*" for _, rx in ATOMS) + r"|\s+|.", flags=re.S)
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def tokens(text: str) -> list[str]:
    """The redline's atoms, each with its trailing whitespace; they join back exactly.

    An amount with its currency, a date, a number in words and figures, a figure (``37,500.00``,
    ``3.2``, ``97%``) and a word are each one token, so a change never shows a number cut in
    pieces, nor a new amount stitched together from parts of old ones.
    """
    return _TOKEN.findall(text)


def _is_glue(text: str) -> bool:
    """Whitespace and punctuation only: not worth showing as unchanged between two changes."""
    return not any(ch.isalnum() for ch in text)


def word_diff(old: str, new: str) -> list[tuple[Op, str]]:
    """A word-level diff of two texts as (op, text) pieces; a replacement is delete then insert.

    Diffed on :func:`tokens` with difflib; then an unchanged stretch of mere punctuation or
    space between two changes is folded into them, so counsel reads "~~within 31 days,~~
    __within 45 business days,__" rather than a comb of tiny deletions and insertions.
    """
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    blocks = [  # (changed, old text, new text)
        (tag != "equal", "".join(a[i1:i2]), "".join(b[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    merged: list[tuple[bool, str, str]] = []
    for k, (changed, o, n) in enumerate(blocks):
        if not changed and 0 < k < len(blocks) - 1 and _is_glue(o):
            changed = True  # mere punctuation between two changes joins them
        if changed and merged and merged[-1][0]:
            _, po, pn = merged.pop()
            merged.append((True, po + o, pn + n))
        else:
            merged.append((changed, o, n))
    out: list[tuple[Op, str]] = []
    for changed, o, n in merged:
        if not changed:
            out.append(("equal", o))
            continue
        if o:
            out.append(("delete", o))
        if n:
            out.append(("insert", n))
    return out


def align_paragraphs(old: list[str], new: list[str]) -> list[tuple[Status, str, str]]:
    """Pair the paragraphs of two versions of a clause: (status, old text, new text).

    Identical paragraphs match; within a replaced block the i-th old paragraph is paired with
    the i-th new one (a word diff), and the surplus on either side is a whole deleted or
    inserted paragraph.
    """
    out: list[tuple[Status, str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old, new, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            out += [("equal", t, t) for t in old[i1:i2]]
            continue
        olds, news = old[i1:i2], new[j1:j2]
        paired = min(len(olds), len(news))
        out += [("changed", olds[k], news[k]) for k in range(paired)]
        out += [("deleted", t, "") for t in olds[paired:]]
        out += [("inserted", "", t) for t in news[paired:]]
    return out


@dataclass(frozen=True)
class _Edit:
    status: Status
    pieces: tuple[tuple[Op, str], ...]


class _Placeholders:
    """Hands out unique placeholder strings and remembers the edit each stands for."""

    def __init__(self) -> None:
        self.edits: dict[str, _Edit] = {}

    def text(self, status: Status, old: str, new: str) -> str:
        if status == "equal":
            return new
        if status == "changed":
            pieces = tuple(word_diff(old, new))
        elif status == "inserted":
            pieces = (("insert", new),)
        else:
            pieces = (("delete", old),)
        key = f"WSRREDLINE{len(self.edits):06d}X"
        self.edits[key] = _Edit(status, pieces)
        return key


def redline_context(
    agreement: Agreement, standard: Agreement, marks: _Placeholders
) -> dict[str, Any]:
    """The house-template context for the merged document (placeholders where text changed)."""
    ctx = docx_context(agreement)
    ctx["subtitle"] = (
        f"{ctx['subtitle']} \u2014 changes against the standard text ({standard.id}) are shown "
        "as tracked changes"
    )
    # Definitions, matched by term.
    agr_terms = {d.term: definition_rest(d) for d in agreement.defined_terms}
    std_terms = {d.term: definition_rest(d) for d in standard.defined_terms}
    definitions = []
    for term, here, there in merge_order(list(agr_terms), list(std_terms)):
        if here and there:
            status: Status = "equal" if agr_terms[term] == std_terms[term] else "changed"
            rest = marks.text(status, std_terms[term], agr_terms[term])
        elif here:
            rest = marks.text("inserted", "", agr_terms[term])
        else:
            rest = marks.text("deleted", std_terms[term], "")
        definitions.append({"term": term, "rest": rest})
    ctx["definitions"] = definitions
    # Sections, matched by clause id; paragraphs aligned within each.
    agr = {s.clause_id: s for s in agreement.sections}
    std = {s.clause_id: s for s in standard.sections}
    sections = []
    for cid, _, _ in merge_order(list(agr), list(std)):
        a, s = agr.get(cid), std.get(cid)
        old = [p.text for p in s.paragraphs] if s else []
        new = [p.text for p in a.paragraphs] if a else []
        if a and s:
            title = marks.text("equal" if a.title == s.title else "changed", s.title, a.title)
            rows = align_paragraphs(old, new)
        elif a:
            title = marks.text("inserted", "", a.title)
            rows = [("inserted", "", t) for t in new]
        else:
            assert s is not None
            title = marks.text("deleted", s.title, "")
            rows = [("deleted", t, "") for t in old]
        sections.append(
            {"title": title, "paragraphs": [_paragraph(marks, st, o, n) for st, o, n in rows]}
        )
    ctx["sections"] = sections
    return ctx


def _paragraph(marks: _Placeholders, status: Status, old: str, new: str) -> dict[str, Any]:
    """One paragraph of the merged document; one that ends with a table (the fee schedule) is
    drawn as the agreement draws it, its words and each table cell diffed on their own."""
    old_lead, old_rows = split_table(old)
    new_lead, new_rows = split_table(new)
    if not old_rows and not new_rows:
        return {"text": marks.text(status, old, new)}

    def pair(before: str, after: str, gone: bool, came: bool) -> str:
        if gone:
            return marks.text("deleted", before, "") if before else ""
        if came:
            return marks.text("inserted", "", after) if after else ""
        return marks.text("equal" if before == after else "changed", before, after)

    whole_del, whole_ins = status == "deleted", status == "inserted"
    lead = pair(old_lead, new_lead, whole_del, whole_ins)
    table = []
    for i in range(max(len(old_rows), len(new_rows))):
        o = old_rows[i] if i < len(old_rows) else None
        n = new_rows[i] if i < len(new_rows) else None
        cols = max(len(o or []), len(n or []))
        table.append(
            [
                pair(
                    o[c] if o and c < len(o) else "",
                    n[c] if n and c < len(n) else "",
                    whole_del or n is None,
                    whole_ins or o is None,
                )
                for c in range(cols)
            ]
        )
    return {"text": lead, "runs": plain_runs(lead), "table": table_xml(table)}


class _Revisions:
    """Builds w:ins / w:del elements with unique ids, one author and one date."""

    def __init__(self, author: str, when: datetime) -> None:
        self.author = author
        self.date = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.next_id = 1

    def mark(self, kind: Literal["ins", "del"]) -> Any:
        el = etree.Element(qn(f"w:{kind}"))
        el.set(qn("w:id"), str(self.next_id))
        el.set(qn("w:author"), self.author)
        el.set(qn("w:date"), self.date)
        self.next_id += 1
        return el


def _run(rpr: Any, text: str, *, deleted: bool = False) -> Any:
    r = etree.Element(qn("w:r"))
    if rpr is not None:
        r.append(copy.deepcopy(rpr))
    t = etree.SubElement(r, qn("w:delText" if deleted else "w:t"))
    t.text = text
    t.set(_XML_SPACE, "preserve")
    return r


def _pieces_to_elements(
    pieces: tuple[tuple[Op, str], ...], rpr: Any, rev: _Revisions
) -> Iterator[Any]:
    for op, text in pieces:
        if not text:
            continue
        if op == "equal":
            yield _run(rpr, text)
        elif op == "insert":
            ins = rev.mark("ins")
            ins.append(_run(rpr, text))
            yield ins
        else:
            dele = rev.mark("del")
            dele.append(_run(rpr, text, deleted=True))
            yield dele


def _wrap_whole_paragraph(p: Any, kind: Literal["ins", "del"], rev: _Revisions) -> None:
    """Mark every run and the paragraph mark of ``p`` as inserted or deleted."""
    for child in list(p):
        if child.tag != qn("w:r"):
            continue
        wrapper = rev.mark(kind)
        child.addprevious(wrapper)
        wrapper.append(child)
        if kind == "del":
            for t in child.iter(qn("w:t")):
                t.tag = qn("w:delText")
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        ppr = etree.Element(qn("w:pPr"))
        p.insert(0, ppr)
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = etree.SubElement(ppr, qn("w:rPr"))
    rpr.insert(0, rev.mark(kind))


def apply_revisions(body: Any, edits: dict[str, _Edit], rev: _Revisions) -> int:
    """Replace each placeholder in ``body`` by revision runs; return how many were replaced."""
    done = 0
    for p in list(body.iter(qn("w:p"))):
        status: Status | None = None
        for r in list(p.iter(qn("w:r"))):
            t = r.find(qn("w:t"))
            if t is None or not t.text or "WSRREDLINE" not in t.text:
                continue
            key = re.search(r"WSRREDLINE\d{6}X", t.text)
            assert key is not None
            edit = edits[key.group(0)]
            before, after = t.text.split(key.group(0), 1)
            rpr = r.find(qn("w:rPr"))
            if edit.status in ("inserted", "deleted"):
                status = edit.status
                text = "".join(s for _, s in edit.pieces)
                new: list[Any] = [_run(rpr, before + text + after)]
            else:
                new = []
                if before:
                    new.append(_run(rpr, before))
                new += list(_pieces_to_elements(edit.pieces, rpr, rev))
                if after:
                    new.append(_run(rpr, after))
            for el in new:
                r.addprevious(el)
            r.getparent().remove(r)
            done += 1
        if status is not None:
            _wrap_whole_paragraph(p, "ins" if status == "inserted" else "del", rev)
    return done


def _track_revisions_on(document: Any) -> None:
    """Turn on "track changes" so counsel's own edits are tracked as well."""
    settings = document.settings.element
    if settings.find(qn("w:trackRevisions")) is None:
        el = etree.Element(qn("w:trackRevisions"))
        # Schema order: trackRevisions follows zoom, proofState, attachedTemplate, …,
        # revisionView and precedes defaultTabStop.
        before = [
            settings.find(qn(f"w:{tag}"))
            for tag in ("zoom", "proofState", "attachedTemplate", "documentType", "revisionView")
        ]
        present = [b for b in before if b is not None]
        if present:
            max(present, key=settings.index).addnext(el)
        else:
            settings.insert(0, el)


def render_redline(
    agreement: Agreement,
    standard: Agreement,
    path: Path | str,
    *,
    now: datetime | None = None,
    author: str = AUTHOR,
    template: Path = HOUSE_TEMPLATE,
) -> Path:
    """Write ``agreement`` as a DOCX whose tracked changes turn ``standard`` into it.

    ``now`` (timezone-aware) is the revision date written on every change; default: the
    current time.
    """
    when = now if now is not None else datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("render_redline: `now` must be timezone-aware")
    marks = _Placeholders()
    ctx = redline_context(agreement, standard, marks)
    tpl = render_template(ctx, title=f"{agreement.title} (redline)", template=template)
    rev = _Revisions(author, when)
    replaced = apply_revisions(tpl.docx.element.body, marks.edits, rev)
    if replaced != len(marks.edits):  # a placeholder split across runs would be lost silently
        raise RuntimeError(f"redline: replaced {replaced} of {len(marks.edits)} placeholders")
    _track_revisions_on(tpl.docx)
    return save_docx(tpl.docx, Path(path))
