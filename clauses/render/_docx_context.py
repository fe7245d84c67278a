"""The pure half of the DOCX renderer: an :class:`~clauses.Agreement` as the house template's
context (plain dicts, strings and escaped WordprocessingML runs).

It imports neither docxtpl, python-docx nor lxml, so the warm drafting path
(:mod:`clauses.render.docx_fast`) can build the context without loading them;
:mod:`clauses.render.docx` re-exports every name here.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from .._agreement import Agreement, DefinedTermRec, PartyRec
from .._paper import MARGIN, PAGE_SIZES, Paper
from .._references import SECTION_REF, bookmark_name
from .._templating import count_filter, country_filter

#: how a party's role is named in the agreement text
ROLE_LABELS: dict[str, str] = {
    "buyer": "Buyer",
    "worker_organization": "Worker Organization",
    "monitor": "Monitor",
}

_DEFINITION_VERBS = ("means ", "has ", "includes ", "is ", "refers ", "shall ")
_ARTICLES = ("The", "A", "An", "Any", "Each", "Every", "All")


def long_date(agreement: Agreement) -> str:
    d = agreement.effective_date
    return f"{d.day} {d.strftime('%B')} {d.year}"


def party_labels(parties: list[PartyRec]) -> list[str]:
    """The defined name of each party, as Section 1.1 defines it ("Buyer").

    Where several worker organizations sign, Section 1.1 defines them together as the
    "Worker Organization" and each as a "Member Organization"; the label is the latter.
    """
    counts: dict[str, int] = {}
    for p in parties:
        counts[p.role] = counts.get(p.role, 0) + 1
    labels = []
    for p in parties:
        base = ROLE_LABELS.get(p.role, p.role.replace("_", " ").title())
        if p.role == "worker_organization" and counts[p.role] > 1:
            base = "Member Organization"
        labels.append(base)
    return labels


def _ordinal(i: int) -> str:
    return chr(ord("a") + i) if i < 26 else str(i + 1)


def definition_rest(term: DefinedTermRec) -> str:
    """The words after the quoted term: ``means …`` unless the definition brings its own verb."""
    text = term.definition.strip()
    if not text.lower().startswith(_DEFINITION_VERBS):
        # "The farms listed…" -> "means the farms listed…"; leave acronyms and names alone.
        if text.split(" ", 1)[0] in _ARTICLES:
            text = text[0].lower() + text[1:]
        text = f"means {text}"
    if not text.endswith((".", ";", ":")):
        text += "."
    return text


def _recital(agreement: Agreement, labels: list[str]) -> str:
    """The background paragraph. It defines nothing: the parties, the Agreement and the
    Effective Date are defined once, in Section 1.1, and the governing law in General
    Provisions."""
    if "Buyer" in labels:
        chain = "the Buyer\u2019s supply chain"
        enforced = "enforced through the Buyer\u2019s purchasing decisions"
    else:
        chain, enforced = "the supply chain it covers", "enforced"
    return (
        "The parties named above, each defined in Section 1.1, make this Agreement so that "
        f"the workers in {chain} have labour "
        f"standards that are independently monitored and {enforced}. The parties therefore "
        "agree as follows."
    )


def clause_versions(agreement: Agreement) -> list[str]:
    """``clause_id@version`` of every section, in agreement order (a document property)."""
    return [f"{s.clause_id}@{s.clause_version}" for s in agreement.sections]


# -- runs, fields and tables as WordprocessingML -------------------------------------------


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>' if text else ""


def plain_runs(text: str) -> Markup:
    """``text`` as one run, for a run tag (``{{r ... }}``) of the house template."""
    return Markup(_text_run(text))  # escaped above, element by element


def _ref_field(bookmark: str, shown: str) -> str:
    """A REF field to ``bookmark``: the paragraph number (``\\r``) as a hyperlink (``\\h``),
    with ``shown`` stored as the current result (what a reader sees until fields update)."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> REF {bookmark} \\r \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{_esc(shown)}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def linked_runs(text: str, bookmarks: dict[str, str]) -> Markup:
    """Runs of ``text`` in which each ``Section N`` cites N through a REF field.

    ``bookmarks`` maps a section number to its heading's bookmark; a number not in it (there
    is no such section) stays plain text.
    """
    out: list[str] = []
    pos = 0
    for m in SECTION_REF.finditer(text):
        target = bookmarks.get(m.group(2))
        if target is None:
            continue
        out.append(_text_run(text[pos : m.start(2)]))
        out.append(_ref_field(target, m.group(2)))
        pos = m.end(2)
    out.append(_text_run(text[pos:]))
    return Markup("".join(out))  # every text piece is escaped


def heading_runs(title: str, bookmark: str, bookmark_id: int) -> Markup:
    """A section heading's text inside the bookmark that REF fields point at."""
    return Markup(  # escaped
        f'<w:bookmarkStart w:id="{bookmark_id}" w:name="{bookmark}"/>'
        f"{_text_run(title)}"
        f'<w:bookmarkEnd w:id="{bookmark_id}"/>'
    )


def split_table(text: str) -> tuple[str, list[list[str]]]:
    """A paragraph's prose and the rows of the Markdown table that ends it (header first)."""
    lead, sep, rest = text.partition("\n|")
    if not sep:
        return text, []
    rows = []
    for line in ("|" + rest).split("\n"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(set(c) <= set("-: ") and c for c in cells):
            continue  # the |---|---| line under the header
        rows.append(cells)
    return lead, rows


#: the widest a table may be: the text width of A4 (the narrower paper) less the clause indent
TABLE_WIDTH = PAGE_SIZES[Paper.A4].width - 2 * MARGIN - 567


def table_xml(rows: list[list[str]]) -> Markup:
    """A real ``w:tbl`` in the house table style: bold shaded header repeating on each page,
    rows that do not split, indented to the clause text, first column widest."""
    cols = max(len(r) for r in rows)
    first = TABLE_WIDTH * 3 // 5 if cols > 1 else TABLE_WIDTH
    rest = (TABLE_WIDTH - first) // (cols - 1) if cols > 1 else 0
    widths = [first] + [rest] * (cols - 1)
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    body = []
    for r, cells in enumerate(rows):
        header = r == 0
        tr = ["<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if header else "") + "</w:trPr>"]
        for c in range(cols):
            value = cells[c] if c < len(cells) else ""
            shade = '<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/>' if header else ""
            rpr = "<w:rPr><w:b/></w:rPr>" if header else ""
            jc = '<w:jc w:val="right"/>' if c else ""  # amounts line up on the right
            tr.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/>{shade}</w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="WSRTableText"/>{jc}</w:pPr>'
                f'<w:r>{rpr}<w:t xml:space="preserve">{_esc(value)}</w:t></w:r></w:p></w:tc>'
            )
        tr.append("</w:tr>")
        body.append("".join(tr))
    return Markup(  # cell texts are escaped
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblInd w:w="567" w:type="dxa"/>'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" '
        'w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(body)}</w:tbl>"
        # a table cannot have space after it: a 6 pt empty paragraph keeps the next clause off it
        '<w:p><w:pPr><w:pStyle w:val="WSRTableText"/>'
        '<w:spacing w:before="0" w:after="0" w:line="120" w:lineRule="exact"/></w:pPr></w:p>'
    )


def _paragraph(text: str, bookmarks: dict[str, str]) -> dict[str, Any]:
    lead, rows = split_table(text)
    return {
        "text": text,
        "runs": linked_runs(lead, bookmarks),
        "table": table_xml(rows) if rows else "",
    }


def _schedule_intro(agreement: Agreement) -> str:
    where = ""
    for s in agreement.sections:
        if s.clause_id == "general_provisions":
            where = (
                f" Suppliers are added to or removed from this Schedule under Section {s.number}."
            )
    if not agreement.suppliers:
        return "No suppliers are covered at the Effective Date." + where
    n = len(agreement.suppliers)
    verb = "is" if n == 1 else "are"
    return (
        f"The following {count_filter(n, 'supplier')} {verb} covered by this Agreement at the "
        "Effective Date." + where
    )


def docx_context(agreement: Agreement) -> dict[str, Any]:
    """The docxtpl context for the house template: plain dicts and strings only (pure)."""
    labels = party_labels(agreement.parties)
    n = len(agreement.parties)
    parties = []
    for i, (p, label) in enumerate(zip(agreement.parties, labels, strict=True)):
        end = "." if i == n - 1 else ("; and" if i == n - 2 else ";")
        # named here, defined once in Section 1.1
        tail = f", of {p.address}{end}" if p.address else end
        parties.append(
            {
                "ordinal": _ordinal(i),
                "name": p.name,
                "tail": tail,
                "label": label,
                "signatory": p.signatory,
                "capacity": p.signatory_title or "________________________________",
                "role": p.role,
            }
        )
    bookmarks = {s.number: bookmark_name(s.clause_id) for s in agreement.sections}
    return {
        "id": agreement.id,
        "title": agreement.title,
        "subtitle": f"Effective date: {long_date(agreement)}",
        "parties": parties,
        "recital": _recital(agreement, labels),
        "definitions": [
            {
                "term": d.term,
                "rest": definition_rest(d),
                "runs": linked_runs(definition_rest(d), bookmarks),
            }
            for d in agreement.defined_terms
        ],
        "sections": [
            {
                "number": s.number,
                "title": s.title,
                "heading": heading_runs(s.title, bookmarks[s.number], i),
                "paragraphs": [
                    {"number": p.number, **_paragraph(p.text, bookmarks)} for p in s.paragraphs
                ],
            }
            for i, s in enumerate(agreement.sections, start=1)
        ],
        "schedule_intro": _schedule_intro(agreement),
        "schedule_runs": linked_runs(_schedule_intro(agreement), bookmarks),
        "suppliers": [
            {"id": s.id, "name": s.name, "country": country_filter(s.country)}
            for s in agreement.suppliers
        ],
        "paper": agreement.paper,
    }


def _complete(context: dict[str, Any]) -> dict[str, Any]:
    """Give a context built from plain texts (the redline's) the runs the template expects:
    headings without bookmarks, paragraphs without fields; a Markdown table still becomes a
    table."""
    out = dict(context)
    out["definitions"] = [
        d if "runs" in d else {**d, "runs": plain_runs(d["rest"])} for d in context["definitions"]
    ]
    sections = []
    for s in context["sections"]:
        s = dict(s)
        s.setdefault("heading", plain_runs(s["title"]))
        s["paragraphs"] = [p if "runs" in p else _paragraph(p["text"], {}) for p in s["paragraphs"]]
        sections.append(s)
    out["sections"] = sections
    if any("heading" not in s for s in context["sections"]) or "schedule_runs" not in out:
        # headings without bookmarks: a REF field here would point at nothing
        out["schedule_runs"] = plain_runs(out["schedule_intro"])
    for p in out["parties"]:
        p.setdefault("capacity", "________________________________")
    return out


_CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
#: the longest text a core or custom document property holds
PROPERTY_MAX = 255


def custom_properties(agreement: Agreement) -> list[tuple[str, str]]:
    """(name, text) of the custom document properties that identify the record."""
    props = [
        ("WSR Agreement ID", agreement.id),
        ("WSR Content Hash", agreement.content_hash),
        ("WSR Schema Version", str(agreement.schema_version)),
    ]
    props += [
        (f"WSR Clause {i:02d}", version)
        for i, version in enumerate(clause_versions(agreement), start=1)
    ]
    return props


def _custom_xml(props: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f'<property fmtid="{_CUSTOM_FMTID}" pid="{pid}" name="{_esc(name)}">'
        f"<vt:lpwstr>{_esc(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(props, start=2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'docPropsVTypes">{items}</Properties>'
    ).encode()
