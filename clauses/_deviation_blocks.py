"""The deviation report written for counsel, as blocks (Markdown, DOCX and PDF are written
from these): section numbers and labels rather than identifiers, values as counsel reads them
(USD 500,000.00, 97%), fee tables as tables, and the library's commentary quoted."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ._agreement import OmissionRec
from ._canonical import canonical_json
from ._deviations import ClauseDeviation, DeviationReport, DeviationStatus, VariableChange
from ._report_blocks import Block, Bullets, Heading, Para, Quote, Table

_STATUS_WORDS = {
    DeviationStatus.SAME: "as standard",
    DeviationStatus.CHANGED: "changed",
    DeviationStatus.ADDED: "added",
    DeviationStatus.ABSENT: "left out",
}


def report_blocks(report: DeviationReport) -> list[Block]:
    """The deviation report for counsel as blocks: summary, warnings, the clause table, what is
    left out, floor overrides, then one part per deviating clause."""
    n = report.counts()
    out: list[Block] = [
        Heading(f"Deviations from the standard: {report.title}", 1),
        Para(
            f"Agreement {report.agreement_id} compared with its all-standard version "
            f"{report.standard_id}: the same parties and suppliers with every clause on its "
            "standard text and standard values."
        ),
        Para(
            f"{n['same']} clause(s) as standard, {n['changed']} changed, {n['added']} added, "
            f"{n['left_out']} left out ({n['required_left_out']} of them required); "
            f"{n['floor_overrides']} floor override(s); {n['reference_deviations']} value(s) "
            f"away from the programme's figure; {n['warnings']} warning(s)."
        ),
    ]
    if report.warnings:
        out += [
            Heading("Warnings", 2),
            Bullets(tuple(f"{w.message} ({w.path})" for w in report.warnings)),
        ]
    out += [
        Heading("Clauses", 2),
        Table(
            ("Section", "Clause", "Status", "Alternative", "Standard alternative"),
            tuple(
                (
                    c.number or (f"({c.standard_number})" if c.standard_number else "\u2014"),
                    c.title,
                    _STATUS_WORDS[c.status],
                    _alt(c.alternative, c.alternative_kind, c.alternative_label),
                    _alt(
                        c.standard_alternative,
                        c.standard_alternative_kind,
                        c.standard_alternative_label,
                    ),
                )
                for c in report.clauses
            ),
        ),
        Heading("Clauses left out", 2),
    ]
    left_out = report.left_out()
    if left_out:
        out.append(
            Table(
                ("Clause", "Required", "Reason", "Approved by", "What the agreement lacks"),
                tuple(
                    (
                        o.title,
                        "yes" if o.required else "no",
                        o.reason or "none recorded",
                        o.approved_by or "none recorded",
                        o.lacks or "\u2014",
                    )
                    for o in left_out
                ),
            )
        )
    else:
        out.append(Para("No clause is left out."))
    out.append(Heading("Floor overrides", 2))
    if report.overrides:
        numbers = {c.clause_id: c.number or "" for c in report.clauses}
        labels = {(c.clause_id, v.name): v.shown_name for c in report.clauses for v in c.variables}
        out.append(
            Table(
                ("Section", "Variable", "Value", "Floor", "Reason", "Approved by"),
                tuple(
                    (
                        numbers.get(o.clause_id, ""),
                        labels.get((o.clause_id, o.variable), o.variable),
                        _value(o.value),
                        o.floor,
                        o.reason,
                        o.approved_by,
                    )
                    for o in report.overrides
                ),
            )
        )
    else:
        out.append(Para("No WSR floor is overridden."))
    for c in report.deviations:
        out += _clause_blocks(report, c)
    absent = {c.clause_id for c in report.clauses if c.status is DeviationStatus.ABSENT}
    for o in report.omitted:
        if o.clause_id not in absent:
            out += _omission_blocks(report, o)
    return out


def _omission_blocks(report: DeviationReport, o: OmissionRec) -> list[Block]:
    """A clause the answers left out (not in the standard twin either): why, and at what
    cost, with the library's commentary on what the clause is for."""
    what = "A required clause" if o.required else "A clause"
    notes = [f"{what} of the library that this agreement does not include."]
    if o.lacks:
        notes.append(f"Without it the agreement lacks {o.lacks}.")
    if o.reason or o.approved_by:
        notes.append(
            f"Reason: {o.reason or 'none recorded'}; "
            f"approved by {o.approved_by or 'no one recorded'}."
        )
    else:
        notes.append("No reason or approval is recorded.")
    out: list[Block] = [
        Heading(f"{o.title} \u2014 left out", 2),
        Bullets(tuple(notes)),
    ]
    commentary = dict(report.omitted_commentary).get(o.clause_id, "").strip()
    if commentary:
        out += [Para("From the clause library's commentary:"), Quote(commentary)]
    return out


def _clause_blocks(report: DeviationReport, c: ClauseDeviation) -> list[Block]:
    where = f"{c.number}. " if c.number else ""
    out: list[Block] = [Heading(f"{where}{c.title} \u2014 {_STATUS_WORDS[c.status]}", 2)]
    notes: list[str] = []
    if c.status is DeviationStatus.ABSENT:
        notes.append(
            f"The standard includes this clause (section {c.standard_number}); "
            "this agreement leaves it out."
        )
    elif c.status is DeviationStatus.ADDED:
        notes.append(
            "Not part of the standard; added with alternative "
            f"{_alt(c.alternative, c.alternative_kind, c.alternative_label)}."
        )
    else:
        if c.alternative != c.standard_alternative:
            chosen = _alt(c.alternative, c.alternative_kind, c.alternative_label)
            std = _alt(
                c.standard_alternative,
                c.standard_alternative_kind,
                c.standard_alternative_label,
            )
            notes.append(f"Alternative: {chosen} instead of {std}.")
        if c.version != c.standard_version:
            notes.append(f"Clause version {c.version} (standard: {c.standard_version}).")
        if c.text_changed and not c.variables and c.alternative == c.standard_alternative:
            notes.append("The text differs from the standard text.")
    if notes:
        out.append(Bullets(tuple(notes)))
    if c.variables:
        out.append(
            Table(
                ("Variable", "Standard", "Chosen"),
                tuple(
                    (v.shown_name, _standard_cell(report, v), _shown(report, v, v.chosen))
                    for v in c.variables
                ),
            )
        )
        for v in c.variables:
            if v.fields:
                out += _list_blocks(report, v)
    for o in c.overrides:
        label = next((v.shown_name for v in c.variables if v.name == o.variable), o.variable)
        out.append(
            Para(
                f"{label} = {_value(o.value)} (floor: {o.floor}); reason: {o.reason}; "
                f"approved by {o.approved_by}.",
                lead="Floor overridden:",
            )
        )
    if c.commentary.strip():
        out += [Para("From the clause library's commentary:"), Quote(c.commentary.strip())]
    return out


def _standard_cell(report: DeviationReport, v: VariableChange) -> str:
    shown = _shown(report, v, v.standard)
    if v.basis == "reference":
        return f"{shown} (programme figure: {v.source})"
    return shown


def _shown(report: DeviationReport, v: VariableChange, value: Any) -> str:
    if v.fields and isinstance(value, list):
        return "see the table below"
    return _display(value, v.type, report.currency)


def _list_blocks(report: DeviationReport, v: VariableChange) -> list[Block]:
    """A list variable (a fee table) side by side: standard rows, then chosen rows."""
    std = v.standard if isinstance(v.standard, list) else []
    cho = v.chosen if isinstance(v.chosen, list) else []
    # a field no row fills (a fee band's optional start) is a column that says nothing
    fields = tuple(
        f
        for f in v.fields
        if any(isinstance(item, dict) and item.get(f[0]) is not None for item in (*std, *cho))
    )
    labels = tuple(_short(label) for _, label, _ in fields)
    rows = []
    for i in range(max(len(std), len(cho))):
        row = [f"({_letter(i)})"]
        for side in (std, cho):
            item = side[i] if i < len(side) and isinstance(side[i], dict) else None
            for name, _, vtype in fields:
                row.append("" if item is None else _display(item.get(name), vtype, report.currency))
        rows.append(tuple(row))
    header = ("Band", *(f"Standard: {x}" for x in labels), *(f"Chosen: {x}" for x in labels))
    return [Para(f"{v.shown_name}, standard and chosen:"), Table(header, tuple(rows))]


def _letter(i: int) -> str:
    return chr(ord("a") + i) if i < 26 else str(i + 1)


def _short(label: str) -> str:
    """ "Upper limit of the band (empty = no upper limit)" -> "Upper limit of the band"."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", label) or label


def _alt(name: str | None, kind: str | None, label: str = "") -> str:
    if name is None:
        return "\u2014"
    shown = label or name
    return f"{shown} ({kind})" if kind and kind != name else shown


def _value(value: Any) -> str:
    if value is None:
        return "\u2014"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return canonical_json(value)
    return str(value)


def _grouped(text: str) -> str:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return text
    exponent = d.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{d:,.{places}f}"


def _display(value: Any, vtype: str, currency: str) -> str:
    """A JSON variable value as counsel reads it: USD 500,000.00, 97%, 1,000,000, none."""
    if value is None:
        return "none" if vtype else "\u2014"
    if isinstance(value, (bool, list, dict)):
        return _value(value)
    text = str(value)
    if vtype == "money":
        try:
            d = Decimal(text)
        except InvalidOperation:
            return text
        exponent = d.normalize().as_tuple().exponent
        places = max(2, -exponent) if isinstance(exponent, int) else 2
        amount = f"{d:,.{places}f}"
        return f"{currency} {amount}" if currency else amount
    if vtype == "percent":
        return f"{_grouped(text)}%"
    if vtype in ("integer", "decimal"):
        return _grouped(text)
    return text
