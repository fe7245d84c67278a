"""The adapter a guided interview (docassemble.wsrengine) calls: library metadata out, answers in.

The interview asks exactly what the clause library declares, so every screen about a clause is
built from the :class:`ClauseView` and :class:`FieldView` values here; a clause added to the
library appears in the interview with no interview YAML edited. Checking a value never happens
in the interview: :func:`check_clause`, :func:`check_agreement` and :func:`check_parties` run
the library's own readers (``clauses._answers``) and hand back their messages keyed by field, and
:func:`draft` runs the same ``parse_answers`` → ``assemble`` as ``wsr draft``, so the same
answers give the same record (the same content hash) whichever way they were given.

Values arrive the way a web form delivers them (floats, naive midnight date-times, text for
lists); :func:`answer_value` turns each into the plain value an answers file would hold, and
:func:`answers_mapping` builds the very mapping ``wsr draft ANSWERS.yaml`` reads, which
:func:`answers_yaml` writes out for download and :func:`prefill` reads back to start a new
agreement from an earlier one. This module imports nothing from docassemble.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ._agreement import Agreement
from ._answers import (
    AGREEMENT_FIELDS,
    OPTIONAL_PARTY_FIELDS,
    PARTY_FIELDS,
    SECTORS,
    SUPPLIER_FIELDS,
    _agreement,
    _clause,
    _parties,
    _suppliers,
    applicable_variables,
    contradictions,
    floor_breaches,
    parse_answers,
)
from ._assemble import assemble
from ._canonical import canonical_json
from ._compare import compare_to_standard
from ._completeness import required_omissions
from ._deviations import DeviationReport
from ._exceptions import InputError, Problem
from ._library import Library, load_yaml_text
from ._paper import Paper
from ._schema import AlternativeKind, ClauseDef, VariableDef, VarType
from ._variables import describe_floor, fmt_decimal, to_json_value
from ._vocabulary import PARTY_ROLES

__all__ = [
    "AlternativeView",
    "ClauseCheck",
    "ClauseView",
    "Draft",
    "FieldView",
    "Prefill",
    "answer_value",
    "answers_mapping",
    "answers_yaml",
    "check_agreement",
    "check_clause",
    "check_parties",
    "check_suppliers",
    "clause_views",
    "draft",
    "field_views",
    "list_from_rows",
    "list_to_rows",
    "omissions_to_record",
    "prefill",
    "render_files",
    "suppliers_from_csv",
    "template_preview",
]

#: how each library type is asked on a docassemble screen (``datatype``)
DATATYPES: dict[VarType, str] = {
    VarType.TEXT: "text",
    VarType.INTEGER: "integer",
    VarType.DECIMAL: "number",
    VarType.MONEY: "currency",
    VarType.PERCENT: "number",
    VarType.DATE: "date",
    VarType.DURATION: "text",
    VarType.ENUM: "radio",
    VarType.PARTY: "dropdown",
    VarType.BOOLEAN: "yesnoradio",
    VarType.LIST: "area",
}
SECTOR_LABELS = {
    "agriculture": "Agriculture (e.g. the Fair Food Program)",
    "dairy": "Dairy (e.g. Milk with Dignity)",
    "garment": "Garment and textiles (e.g. the International Accord)",
    "other": "Another sector (construction, services, ...)",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)[^}]*\}\}")
_TAG = re.compile(r"\{%-?.*?-?%\}", re.S)
_EXPR = re.compile(r"\{\{.*?\}\}", re.S)


@dataclass(frozen=True)
class FieldView:
    """One variable as a question: everything here comes from the library's declaration."""

    name: str
    label: str
    help: str
    type: str  # the library's VarType value
    datatype: str  # the docassemble datatype that asks it
    required: bool
    default: Any  # shown as the field's default, in the form the datatype takes
    minimum: Decimal | None
    maximum: Decimal | None
    choices: tuple[str, ...]
    floor: str  # the floor in words ("" when the variable has none)
    columns: tuple[str, ...] = ()  # for a list: the record fields, one row per line


@dataclass(frozen=True)
class AlternativeView:
    name: str
    kind: str  # standard, fallback or floor
    label: str
    note: str  # what it concedes, for counsel
    preview: str  # the text with each variable shown as [its label]


@dataclass(frozen=True)
class ClauseView:
    id: str
    title: str
    summary: str
    commentary: str
    mandatory: bool  # in every agreement
    required: str  # why leaving it out weakens the agreement ("" if it is optional)
    alternatives: tuple[AlternativeView, ...]


@dataclass(frozen=True)
class ClauseCheck:
    """What the library says about one clause's values: refusals and floor breaches by field."""

    problems: dict[str, str] = field(default_factory=dict)
    breaches: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Draft:
    agreement: Agreement
    standard: Agreement
    report: DeviationReport


@dataclass(frozen=True)
class Prefill:
    """An earlier answers file read back as the interview's starting values."""

    agreement: dict[str, Any]
    parties: list[dict[str, Any]]
    suppliers: list[dict[str, Any]]
    clauses: dict[str, dict[str, Any]]  # clause id -> {alternative, values, override}
    omit: dict[str, dict[str, str]]


# -- the library as questions ---------------------------------------------------------------


def template_preview(text: str, cdef: ClauseDef) -> str:
    """Clause text as counsel reads it before values are chosen: ``[label]`` for each value,
    conditional wording shown in full."""

    def label(m: re.Match[str]) -> str:
        vdef = cdef.variables.get(m.group(1))
        return f"[{vdef.label}]" if vdef is not None else "[...]"

    out = _PLACEHOLDER.sub(label, text)
    out = _EXPR.sub("[...]", out)
    return _TAG.sub("", out).strip()


def clause_views(lib: Library) -> list[ClauseView]:
    """Every clause of the library in agreement order."""
    out: list[ClauseView] = []
    for cdef in lib.clauses.values():
        alts = tuple(
            AlternativeView(
                name=name,
                kind=alt.kind.value,
                label=alt.label,
                note=alt.note,
                preview=template_preview(alt.text, cdef),
            )
            for name, alt in cdef.alternatives.items()
        )
        out.append(
            ClauseView(
                id=cdef.id,
                title=cdef.title,
                summary=cdef.summary,
                commentary=cdef.commentary,
                mandatory=cdef.mandatory,
                required=cdef.required.lacks if cdef.required is not None else "",
                alternatives=alts,
            )
        )
    return out


def omissions_to_record(lib: Library, included: Sequence[str]) -> list[str]:
    """The clauses left out of ``included`` whose omission the record needs a reason and an
    approver for (the library's own rule: no included clause carries the same WSR element);
    leaving any other clause out is an ordinary omission the interview does not ask about."""
    return required_omissions(lib, set(included))


def _shown(vdef: VariableDef, value: Any) -> Any:
    """A library value as a form shows it (lists as rows of text, numbers as plain text)."""
    if value is None:
        return None
    if vdef.type is VarType.LIST:
        return list_to_rows(vdef, value)
    if vdef.type in (VarType.DECIMAL, VarType.MONEY, VarType.PERCENT):
        return fmt_decimal(Decimal(str(value)))
    return to_json_value(value)


def field_views(lib: Library, clause_id: str, alternative: str) -> list[FieldView]:
    """The variables ``alternative`` of ``clause_id`` uses, in the library's order."""
    cdef = lib.get(clause_id)
    used = applicable_variables(cdef, alternative)
    defaults = cdef.alternatives[alternative].defaults
    out: list[FieldView] = []
    for name, vdef in cdef.variables.items():
        if name not in used:
            continue
        choices: tuple[str, ...] = ()
        if vdef.type is VarType.ENUM:
            choices = tuple(vdef.choices or ())
        elif vdef.type is VarType.PARTY:
            choices = tuple(sorted(PARTY_ROLES))
        out.append(
            FieldView(
                name=name,
                label=vdef.label,
                help=vdef.help,
                type=vdef.type.value,
                datatype=DATATYPES[vdef.type],
                required=vdef.required and defaults.get(name, vdef.default) is None,
                default=_shown(vdef, defaults.get(name, vdef.default)),
                minimum=vdef.min,
                maximum=vdef.max,
                choices=choices,
                floor=describe_floor(vdef.floor) if vdef.floor is not None else "",
                columns=tuple(vdef.items or ()) if vdef.type is VarType.LIST else (),
            )
        )
    return out


def floor_alternative(lib: Library, clause_id: str) -> str | None:
    """The name of the clause's floor alternative, if it has one."""
    for name, alt in lib.get(clause_id).alternatives.items():
        if alt.kind is AlternativeKind.FLOOR:
            return name
    return None


# -- form values -> answer values -----------------------------------------------------------


def list_to_rows(vdef: VariableDef, value: Any) -> str:
    """A list variable's records as comma-separated rows under a header line."""
    columns = list(vdef.items or ())
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for rec in value or []:
        writer.writerow(
            "" if rec.get(c) is None else str(to_json_value(rec.get(c))) for c in columns
        )
    return buf.getvalue()


def list_from_rows(vdef: VariableDef, text: str, path: str) -> list[dict[str, Any]]:
    """Rows of text (an optional header of field names, then one record per line) as the
    records an answers file holds; an empty cell is a missing value. InputError names the row."""
    columns = list(vdef.items or ())
    lines = [ln for ln in text.splitlines() if ln.strip()]
    rows: list[list[str]] = list(csv.reader(lines, skipinitialspace=True))
    first = [c.strip() for c in rows[0]] if rows else []
    header = columns
    if first and set(first) <= set(columns):
        header = first
        rows = rows[1:]
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        if len(row) > len(header):
            raise InputError.single(
                f"{path}[{i}]",
                f"has {len(row)} values; give at most {len(header)}: {', '.join(header)}",
            )
        rec = {h: (cell.strip() or None) for h, cell in zip(header, row, strict=False)}
        out.append({k: v for k, v in rec.items() if v is not None})
    return out


def answer_value(vdef: VariableDef, value: Any, path: str = "value") -> Any:
    """A value as a web form delivers it, as an answers file would hold it (not yet checked:
    the library's own reader does that). A date field's midnight date-time becomes its day;
    floats become the decimal they print as; a list arrives as rows of text."""
    if value is None:
        return None
    if vdef.type is VarType.LIST and isinstance(value, str):
        return list_from_rows(vdef, value, path)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        d = Decimal(repr(value))
        if vdef.type is VarType.INTEGER and d == d.to_integral_value():
            return int(d)
        return fmt_decimal(d)
    if isinstance(value, str) and vdef.type is not VarType.TEXT and not value.strip():
        return None
    return value


def _clause_raw(
    cdef: ClauseDef, alternative: str, values: Mapping[str, Any], override: Mapping[str, str] | None
) -> dict[str, Any]:
    raw: dict[str, Any] = {"alternative": alternative}
    used = applicable_variables(cdef, alternative)
    for name, value in values.items():
        vdef = cdef.variables.get(name)
        if vdef is None or name not in used:
            continue
        got = answer_value(vdef, value, f"clauses.{cdef.id}.{name}")
        if got is not None:
            raw[name] = got
    if override:
        raw["override"] = dict(override)
    return raw


def check_clause(
    lib: Library, clause_id: str, alternative: str, values: Mapping[str, Any]
) -> ClauseCheck:
    """The library's verdict on one clause's values, keyed by variable name.

    ``problems`` are refusals (a wrong type, out of bounds, missing); ``breaches`` are values
    that pass their bounds but go past the WSR floor, which the interview answers with an
    override's reason and approver rather than a correction.
    """
    cdef = lib.get(clause_id)
    base = f"clauses.{clause_id}."
    try:
        raw = _clause_raw(cdef, alternative, values, None)
    except InputError as exc:
        return ClauseCheck(problems={_field_of(p.path, base): p.message for p in exc.problems})
    first: list[Problem] = []
    choice = _clause(cdef, raw, first)
    if choice is not None:
        # the clause's own constraints between its variables (ones naming another clause
        # apply only once both are in the agreement: the review step checks those)
        clashes: dict[str, str] = {}
        for p in contradictions(lib, {clause_id: choice}):
            clashes.setdefault(_field_of(p.path, base), p.message)
        return ClauseCheck(problems=clashes)
    # Read again with a stand-in override: what still fails is a refusal; if nothing does,
    # the first reading failed only on the floor, and the typed values say where.
    probe = {**raw, "override": {"reason": "probe", "approved_by": "probe"}}
    again: list[Problem] = []
    probed = _clause(cdef, probe, again)
    if probed is not None:
        return ClauseCheck(breaches=floor_breaches(cdef, probed.variables))
    refusals: dict[str, str] = {}
    for p in again:
        refusals.setdefault(_field_of(p.path, base), p.message)
    return ClauseCheck(problems=refusals)


def _field_of(path: str, base: str) -> str:
    rest = path[len(base) :] if path.startswith(base) else path
    return re.split(r"[.\[]", rest, maxsplit=1)[0]


def check_agreement(values: Mapping[str, Any]) -> dict[str, str]:
    """The library's reader on the agreement section: field name -> message."""
    raw = {
        k: (v.date() if isinstance(v, datetime) else v)
        for k, v in values.items()
        if k in AGREEMENT_FIELDS and v not in (None, "")
    }
    problems: list[Problem] = []
    _agreement(raw, problems)
    return _by_path(problems, "agreement.")


def check_parties(parties: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The library's reader on the parties: ``parties[i].field`` (or ``parties``) -> message."""
    problems: list[Problem] = []
    _parties([_party(p) for p in parties], problems)
    return _by_path(problems)


def check_suppliers(suppliers: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The library's reader on the covered suppliers: ``suppliers[i].field`` -> message."""
    problems: list[Problem] = []
    _suppliers([_supplier(s) for s in suppliers], problems)
    return _by_path(problems)


def _by_path(problems: Sequence[Problem], prefix: str = "") -> dict[str, str]:
    """Problems keyed by path; several on one path are joined with "; "."""
    out: dict[str, str] = {}
    for p in problems:
        key = p.path.removeprefix(prefix)
        out[key] = f"{out[key]}; {p.message}" if key in out else p.message
    return out


def suppliers_from_csv(text: str, where: str = "suppliers.csv") -> list[dict[str, str]]:
    """Covered suppliers from a CSV with the columns id, name, country (a header row first);
    the rows are then checked like any answers file's suppliers. InputError names the row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), skipinitialspace=True)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in SUPPLIER_FIELDS if c not in header]
    if missing:
        raise InputError.single(
            where,
            f"needs a header row with the columns {', '.join(SUPPLIER_FIELDS)} "
            f"(missing: {', '.join(missing)})",
        )
    out: list[dict[str, str]] = []
    for row in reader:
        rec = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(rec.values()):
            continue
        out.append({c: rec.get(c, "") for c in SUPPLIER_FIELDS})
    problems = check_suppliers(out)
    if problems:
        raise InputError(
            Problem(f"{where}: row {_row(path)}", msg) for path, msg in problems.items()
        )
    return out


def _row(path: str) -> str:
    m = re.match(r"suppliers\[(\d+)\]\.?(.*)", path)
    if m is None:
        return path
    return f"{int(m.group(1)) + 2}" + (f" ({m.group(2)})" if m.group(2) else "")


def _party(p: Mapping[str, Any]) -> dict[str, Any]:
    keep = PARTY_FIELDS + OPTIONAL_PARTY_FIELDS
    out = {k: p.get(k) for k in keep if p.get(k) not in (None, "")}
    for k in PARTY_FIELDS:
        out.setdefault(k, p.get(k))
    return out


def _supplier(s: Mapping[str, Any]) -> dict[str, Any]:
    return {k: s.get(k) for k in SUPPLIER_FIELDS}


# -- the answers file ------------------------------------------------------------------------


def answers_mapping(
    lib: Library,
    *,
    agreement: Mapping[str, Any],
    parties: Sequence[Mapping[str, Any]],
    suppliers: Sequence[Mapping[str, Any]],
    clauses: Mapping[str, Mapping[str, Any]],
    omit: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """The answers mapping ``wsr draft`` reads, from the interview's values.

    ``clauses`` maps each chosen clause id to ``{"alternative": ..., "values": {...},
    "override": {"reason", "approved_by"} | None}``; only the variables the alternative uses
    are kept, so a value typed under an alternative the negotiator then left does not linger.
    """
    info: dict[str, Any] = {}
    for key in AGREEMENT_FIELDS:
        value = agreement.get(key)
        if value in (None, ""):
            continue
        info[key] = value.date().isoformat() if isinstance(value, datetime) else value
        if isinstance(info[key], date):
            info[key] = info[key].isoformat()
    chosen: dict[str, Any] = {}
    for cid in lib.clauses:  # library order, whatever order the interview kept them in
        if cid not in clauses:
            continue
        c = clauses[cid]
        chosen[cid] = _clause_raw(
            lib.get(cid),
            c.get("alternative") or "standard",
            c.get("values") or {},
            c.get("override"),
        )
    out: dict[str, Any] = {
        "agreement": info,
        "parties": [_party(p) for p in parties],
        "suppliers": [_supplier(s) for s in suppliers],
        "clauses": chosen,
    }
    if omit:
        out["omit"] = {k: dict(v) for k, v in omit.items()}
    return out


def answers_yaml(mapping: Mapping[str, Any]) -> str:
    """The answers as the YAML file ``wsr draft`` takes (values as plain text and numbers)."""
    head = "# Answers for `wsr draft` (saved from the guided interview)\n"
    return head + yaml.safe_dump(
        to_json_value(dict(mapping)), sort_keys=False, allow_unicode=True, width=100
    )


def prefill(text: str, lib: Library, where: str = "answers.yaml") -> Prefill:
    """An earlier answers file as the interview's starting values; it must be one ``wsr draft``
    accepts (InputError lists every problem otherwise)."""
    data = load_yaml_text(text, where)
    answers = parse_answers(data, lib)
    agreement = answers.agreement.model_dump(mode="json")
    clauses = {
        cid: {
            "alternative": ch.alternative,
            "values": {
                n: _shown(lib.get(cid).variables[n], v)
                for n, v in ch.variables.items()
                if v is not None
            },
            "override": ch.override.model_dump() if ch.override is not None else None,
        }
        for cid, ch in answers.clauses.items()
    }
    return Prefill(
        agreement=agreement,
        parties=[p.model_dump(exclude_none=True) for p in answers.parties],
        suppliers=[s.model_dump() for s in answers.suppliers],
        clauses=clauses,
        omit={k: v.model_dump() for k, v in answers.omissions.items()},
    )


# -- drafting --------------------------------------------------------------------------------


def draft(mapping: Mapping[str, Any], lib: Library) -> Draft:
    """The agreement ``wsr draft`` makes from these answers, its all-standard baseline and the
    deviation report between them. InputError lists every problem the library found."""
    answers = parse_answers(mapping, lib)
    agreement = assemble(answers, lib)
    standard = assemble(answers.as_standard(lib), lib)
    return Draft(agreement, standard, compare_to_standard(agreement, standard, lib))


def render_files(
    result: Draft, folder: Path, *, now: datetime, pdf: bool, stem: str = "agreement"
) -> dict[str, Path]:
    """Write the documents to download into ``folder``; returns them by kind: ``json`` (the
    record), ``docx``, ``md``, ``redline``, ``deviations`` (DOCX) and ``deviations_md``, and
    with ``pdf`` (LibreOffice installed) ``pdf`` and ``deviations_pdf``."""
    from .render.deviations import render_deviations_docx, render_deviations_pdf
    from .render.docx import render_docx
    from .render.markdown import render_markdown
    from .render.redline import render_redline

    folder.mkdir(parents=True, exist_ok=True)
    agr = result.agreement
    name = f"{stem}-{agr.id}"
    out: dict[str, Path] = {"json": folder / f"{agr.id}.json"}
    out["json"].write_text(agr.to_json(), encoding="utf-8")
    out["docx"] = render_docx(agr, folder / f"{name}.docx")
    out["md"] = folder / f"{name}.md"
    out["md"].write_text(render_markdown(agr), encoding="utf-8")
    out["redline"] = render_redline(agr, result.standard, folder / f"{name}.redline.docx", now=now)
    out["deviations"] = render_deviations_docx(result.report, folder / f"{name}.deviations.docx")
    out["deviations_md"] = folder / f"{name}.deviations.md"
    out["deviations_md"].write_text(result.report.to_markdown(), encoding="utf-8")
    out["deviations_json"] = folder / f"{agr.id}.deviations.json"
    out["deviations_json"].write_text(
        canonical_json(result.report.to_json_dict(), indent=2) + "\n", encoding="utf-8"
    )
    if pdf:
        from .render.pdf import render_pdf

        out["pdf"] = render_pdf(out["docx"], folder)
        out["deviations_pdf"] = render_deviations_pdf(out["deviations"], folder)
    return out


def sectors() -> list[tuple[str, str]]:
    """The sectors the library knows, with a label for each."""
    return [(s, SECTOR_LABELS.get(s, s)) for s in SECTORS]


def papers() -> list[str]:
    return [p.value for p in Paper]
