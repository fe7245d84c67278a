"""The agreement as Markdown: a plain, diff-friendly reading copy of the record.

It renders only what the record holds (no templates run here), so the Markdown always says
exactly what the sealed JSON says, section numbers included.
"""

from __future__ import annotations

from clauses._agreement import Agreement
from clauses._templating import country_filter, longdate_filter, zone_filter

ROLE_NAMES = {
    "buyer": "Buyer",
    "worker_organization": "Worker Organization",
    "monitor": "Monitor",
}


def render_markdown(agreement: Agreement) -> str:
    a = agreement
    out: list[str] = [f"# {a.title}", ""]
    out.append(f"Effective date: {longdate_filter(a.effective_date)}  ")
    out.append(f"Governing law: {a.governing_law}  ")
    out.append(f"Currency: {a.currency}  ")
    out.append(f"Time zone: {zone_filter(a.timezone)}  ")
    out.append(f"Agreement id: `{a.id}` ({a.content_hash})")
    out += ["", "## Parties", ""]
    for p in a.parties:
        role = ROLE_NAMES.get(p.role, p.role)
        out.append(f"- **{p.name}** ({role}), {p.address}; signatory: {p.signatory}; {p.email}")
    if a.suppliers:
        out += ["", "## Covered suppliers", ""]
        out += [f"- {s.name} (`{s.id}`, {country_filter(s.country)})" for s in a.suppliers]
    if a.defined_terms:
        out += ["", "## Definitions", ""]
        for t in sorted(a.defined_terms, key=lambda t: t.term.lower()):
            out.append(f"- **{t.term}**: {t.definition}")
    for s in a.sections:
        out += ["", f"## {s.number}. {s.title}", ""]
        for para in s.paragraphs:
            lead, sep, table = para.text.partition("\n|")
            out.append(f"**{para.number}** {lead}")
            out.append("")
            if sep:  # a paragraph that ends with a table: the rows are Markdown already
                out += ("|" + table).split("\n")
                out.append("")
        if out[-1] == "":
            out.pop()
    if a.overrides:
        out += ["", "## Annex: recorded floor overrides", ""]
        for o in a.overrides:
            out.append(
                f"- Clause `{o.clause_id}`, `{o.variable}` = {o.value} (floor: {o.floor}); "
                f"reason: {o.reason}; approved by {o.approved_by}"
            )
    out += ["", "## Signatures", ""]
    for p in a.parties:
        who = f"{p.signatory}, {p.signatory_title}" if p.signatory_title else p.signatory
        out.append(f"For {p.name}: ______________________ ({who})  ")
    return "\n".join(out).rstrip() + "\n"
