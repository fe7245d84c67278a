"""``wsr library``: browse the clause library, export its schema, and check it.

Browsing is for negotiators and counsel (what can I choose, what does it commit us to);
``--check`` is for whoever edits the YAML, and is what CI runs on every change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli import app

if TYPE_CHECKING:  # imported where used, so `wsr library --help` loads none of them
    from rich.console import Console

    from clauses import ClauseDef, ObligationSpec, VariableDef


def _console() -> Console:
    # Wide and unstyled when not on a terminal, so piped output and tests see whole rows.
    from rich.console import Console

    return Console(width=160, soft_wrap=True, highlight=False) if not _isatty() else Console()


def _isatty() -> bool:
    import sys

    return sys.stdout.isatty()


def _summary_json(cdef: ClauseDef) -> dict[str, Any]:
    return cdef.model_dump(mode="json")


def _bounds(v: VariableDef) -> str:
    from clauses import fmt_decimal

    parts = []
    if v.min is not None:
        parts.append(f"{'>' if v.min_exclusive else '>='} {fmt_decimal(v.min)}")
    if v.max is not None:
        parts.append(f"{'<' if v.max_exclusive else '<='} {fmt_decimal(v.max)}")
    if v.min_items is not None:
        parts.append(f"at least {v.min_items} entries")
    if v.max_items is not None:
        parts.append(f"at most {v.max_items} entries")
    return ", ".join(parts)


def _variable_lines(name: str, v: VariableDef, indent: str = "  ") -> list[str]:
    from clauses import describe_floor, to_json_value

    head = f"{indent}{name} ({v.type.value}{'' if v.required else ', optional'}): {v.label}"
    lines = [head]
    if v.default is not None:
        lines.append(f"{indent}  default: {json.dumps(to_json_value(v.default))}")
    if v.choices:
        lines.append(f"{indent}  choices: {', '.join(v.choices)}")
    if bounds := _bounds(v):
        lines.append(f"{indent}  bounds: {bounds}")
    if v.floor is not None:
        lines.append(f"{indent}  floor: {describe_floor(v.floor)}")
    if v.help:
        lines.append(f"{indent}  help: {v.help.strip()}")
    for field, fdef in (v.items or {}).items():
        lines += _variable_lines(field, fdef, indent + "    ")
    return lines


def _details(cdef: ClauseDef) -> str:
    from clauses import to_json_value

    lines = [
        f"{cdef.id} {cdef.version}: {cdef.title}",
        f"category: {cdef.category}   order: {cdef.order}"
        + ("   mandatory" if cdef.mandatory else "")
        + (f"   required ({cdef.required.element.value})" if cdef.required else ""),
        "",
        cdef.summary.strip(),
        "",
        *([f"Required: {cdef.required.lacks}", ""] if cdef.required else []),
        "Variables:",
    ]
    for name, v in cdef.variables.items():
        lines += _variable_lines(name, v)
    if not cdef.variables:
        lines.append("  (none)")
    lines += ["", "Alternatives:"]
    for name, alt in cdef.alternatives.items():
        lines.append(f"  {name} [{alt.kind.value}]: {alt.label}")
        if alt.note:
            lines.append(f"    note: {alt.note.strip()}")
        if alt.defaults:
            shown = ", ".join(
                f"{k}={json.dumps(to_json_value(v))}" for k, v in alt.defaults.items()
            )
            lines.append(f"    defaults: {shown}")
        if alt.obligations is not None:
            lines.append(f"    obligations: {', '.join(alt.obligations) or '(none)'}")
    lines += ["", "Obligations:"]
    for spec in cdef.obligations:
        t = spec.trigger
        when = t.event or t.every or t.on
        dl = spec.deadline
        lines.append(
            f"  {spec.id} [{spec.kind.value}] {spec.obligor} -> {spec.beneficiary}: {spec.title}"
            f" (trigger: {t.on} {when}; due: {dl.anchor} + {dl.days} days"
            + (f" + {dl.months} months" if dl.months else "")
            + ")"
        )
        lines.extend(f"    {line}" for line in _semantics(spec))
    if not cdef.obligations:
        lines.append("  (none)")
    lines += ["", "Powers:"]
    for p in cdef.powers:
        lines.append(f"  {p.id} [{p.action}] {p.holder} against {p.against}: on {p.trigger}")
    if not cdef.powers:
        lines.append("  (none)")
    return "\n".join(lines)


def _semantics(spec: ObligationSpec) -> list[str]:
    """What the engine does with a spec, as its keywords declare it (one line each)."""
    out: list[str] = []
    if spec.ends is not None:
        out.append(
            f"in force until: {spec.ends.anchor} + {spec.ends.days} days, {spec.ends.months} months"
        )
    if spec.accrue is not None:
        a = spec.accrue
        unit = a.unit or (f"the unit in {a.unit_variable}" if a.unit_variable else "as recorded")
        out.append(f"accrues: {a.quantity} per {a.per}, in {unit}")
    if spec.settled_by:
        ways = [h.by.value + (f" ({h.event})" if h.event else "") for h in spec.settled_by]
        out.append("settled by: " + ", ".join(ways))
    for e in spec.ends_on:
        what = e.event or "its last day passing"
        out.append(
            f"ends on {what}: {e.outcome.value} (if a breach is suspected: "
            f"{e.if_suspected.value}; if overdue: {e.if_overdue.value})"
        )
    for v in spec.violated_by:
        after = " after the due date" if v.after == "due" else ""
        same = f", same {', '.join(v.same)}" if v.same else ""
        out.append(f"breach suspected on: {v.event}{after} ({v.match.value}{same})")
    if spec.kpi:
        out.append("KPI: a missed target is flagged kpi_missed, never a breach")
    return out


@app.command("library")
def library(
    clause_id: Annotated[str | None, typer.Argument(help="Show one clause in detail.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Check the library; exit 2 listing every problem.")
    ] = False,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the clause file format as JSON Schema.")
    ] = False,
    path: Annotated[
        Path | None, typer.Option("--path", help="A library folder other than the shipped one.")
    ] = None,
) -> None:
    """Browse clauses, alternatives, variables and obligations; check or describe the library."""
    from rich.table import Table

    from clauses import (
        LibraryError,
        check_library,
        constraint_summary,
        library_json_schema,
        load_library,
    )

    if schema:
        typer.echo(json.dumps(library_json_schema(), indent=2, sort_keys=True))
        return
    lib = load_library(path)
    if check:
        problems = check_library(lib)
        if problems:
            raise LibraryError(problems)
        typer.echo(f"library OK: {len(lib)} clauses")
        typer.echo("constraints checked when drafting (variables that could contradict):")
        for line in constraint_summary(lib):
            typer.echo(f"  {line}")
        return
    if clause_id is not None:
        cdef = lib.get(clause_id)
        if as_json:
            typer.echo(json.dumps(_summary_json(cdef), indent=2, sort_keys=True))
        else:
            typer.echo(_details(cdef))
        return
    if as_json:
        out = [_summary_json(c) for c in lib]
        typer.echo(json.dumps(out, indent=2, sort_keys=True))
        return
    table = Table(
        title=f"Clause library ({len(lib)} clauses)",
        caption="* in every agreement   \u2020 required: carries a WSR element",
    )
    for col in ("id", "version", "title", "alternatives"):
        table.add_column(col)
    for c in lib:
        alts = ", ".join(f"{n} ({a.kind.value})" for n, a in c.alternatives.items())
        mark = " *" if c.mandatory else (" \u2020" if c.required else "")
        table.add_row(c.id, c.version, c.title + mark, alts)
    _console().print(table)
