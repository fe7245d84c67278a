"""The agreement as an HTML fragment, for a page that shows it inside its own layout (the
interview's review screen).

Like the Markdown copy it renders only what the record holds, section numbers included, and
escapes every text; a paragraph's table (its rows are Markdown in the record) becomes a real
table. The fragment carries no Markdown, so a host that runs Markdown and SmartyPants over the
page (docassemble does) has nothing to mangle.
"""

from __future__ import annotations

import html
import re

from clauses._agreement import Agreement
from clauses._report_blocks import table_html
from clauses._templating import country_filter, longdate_filter, zone_filter
from clauses.render.markdown import ROLE_NAMES

_PIPE = re.compile(r"(?<!\\)\|")
_RULE = re.compile(r"^\s*:?-{3,}:?\s*$")


def _h(text: str) -> str:
    return html.escape(text, quote=False)


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return tuple(c.strip().replace("\\|", "|") for c in _PIPE.split(inner))


def _table(rows_text: str) -> str:
    lines = [ln for ln in rows_text.split("\n") if ln.strip()]
    rows = [_cells(ln) for ln in lines]
    rows = [r for r in rows if not all(_RULE.match(c) for c in r)]
    return table_html(rows[0], tuple(rows[1:])) if rows else ""


def render_html(agreement: Agreement, *, top: int = 1) -> str:
    """The agreement, its title at ``<h{top}>`` and its sections one level below."""
    a = agreement
    h1, h2 = f"h{min(top, 6)}", f"h{min(top + 1, 6)}"
    out: list[str] = [f"<{h1}>{_h(a.title)}</{h1}>"]
    out.append(
        "<p>"
        + "<br>".join(
            [
                f"Effective date: {_h(longdate_filter(a.effective_date))}",
                f"Governing law: {_h(a.governing_law)}",
                f"Currency: {_h(a.currency)}",
                f"Time zone: {_h(zone_filter(a.timezone))}",
                f"Agreement id: <code>{_h(a.id)}</code> ({_h(a.content_hash)})",
            ]
        )
        + "</p>"
    )
    out.append(f"<{h2}>Parties</{h2}>")
    items = []
    for p in a.parties:
        role = ROLE_NAMES.get(p.role, p.role)
        items.append(
            f"<li><strong>{_h(p.name)}</strong> ({_h(role)}), {_h(p.address)}; "
            f"signatory: {_h(p.signatory)}; {_h(p.email)}</li>"
        )
    out.append("<ul>" + "".join(items) + "</ul>")
    if a.suppliers:
        out.append(f"<{h2}>Covered suppliers</{h2}>")
        out.append(
            "<ul>"
            + "".join(
                f"<li>{_h(s.name)} (<code>{_h(s.id)}</code>, {_h(country_filter(s.country))})</li>"
                for s in a.suppliers
            )
            + "</ul>"
        )
    if a.defined_terms:
        out.append(f"<{h2}>Definitions</{h2}>")
        terms = sorted(a.defined_terms, key=lambda t: t.term.lower())
        out.append(
            "<ul>"
            + "".join(f"<li><strong>{_h(t.term)}</strong>: {_h(t.definition)}</li>" for t in terms)
            + "</ul>"
        )
    for s in a.sections:
        out.append(f"<{h2}>{_h(s.number)}. {_h(s.title)}</{h2}>")
        for para in s.paragraphs:
            lead, sep, table = para.text.partition("\n|")
            out.append(f"<p><strong>{_h(para.number)}</strong> {_h(lead)}</p>")
            if sep:  # a paragraph that ends with a table
                out.append(_table("|" + table))
    if a.overrides:
        out.append(f"<{h2}>Annex: recorded floor overrides</{h2}>")
        out.append(
            "<ul>"
            + "".join(
                f"<li>Clause <code>{_h(o.clause_id)}</code>, <code>{_h(o.variable)}</code> = "
                f"{_h(str(o.value))} (floor: {_h(str(o.floor))}); reason: {_h(o.reason)}; "
                f"approved by {_h(o.approved_by)}</li>"
                for o in a.overrides
            )
            + "</ul>"
        )
    out.append(f"<{h2}>Signatures</{h2}>")
    lines = []
    for p in a.parties:
        who = f"{p.signatory}, {p.signatory_title}" if p.signatory_title else p.signatory
        lines.append(f"For {_h(p.name)}: ______________________ ({_h(who)})")
    out.append("<p>" + "<br>".join(lines) + "</p>")
    return "\n".join(out) + "\n"
