"""``wsr library --check``: the cross-checks the schema cannot express.

Loading proves every file is well-formed; this proves the library is *coherent*: every
template variable is declared and every declared one is used, cross-references name real
clauses, obligation specs name real variables, roles, events and powers, and no default
quietly sits below its WSR floor. Problems are located as ``<file>: <where>``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import jinja2

from ._answers import LITERAL_PERIODS, active_specs, spec_names
from ._constraints import (
    BuiltinCall,
    ConstraintSyntax,
    clause_findings,
    parse_check,
    reminder_findings,
)
from ._exceptions import Problem
from ._formula import FormulaError, formula_names
from ._kinds import ObligationKind
from ._library import Library
from ._references import reference_problems
from ._schema import ClauseDef, Match, ObligationSpec, SettleBy, VarType
from ._templating import template_calls, template_names, unguarded_refs
from ._variables import coerce, floor_breach
from ._vocabulary import EVENT_FIELDS, EVENTS, SPEC_ROLES, UNITS, FieldType


def event_fields(event: str | None) -> set[str]:
    """The fields a spec triggered by ``event`` may filter on or compute with."""
    if event is None or event not in EVENTS:
        return set()
    return set(EVENTS[event].field_names())


def _field_type(event: str, name: str) -> FieldType | None:
    found = EVENTS[event].fields.get(name)
    return None if found is None else found.type


class _Clause:
    """Problems for one clause file, each prefixed with the file name."""

    def __init__(self, lib: Library, cdef: ClauseDef) -> None:
        self.lib = lib
        self.cdef = cdef
        self.file = lib.file_of(cdef.id)
        self.problems: list[Problem] = []
        self.used: set[str] = set()

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(f"{self.file}: {where}", message))

    # -- templates ------------------------------------------------------------------
    def template(self, where: str, source: str) -> None:
        try:
            names = template_names(source)
            calls = template_calls(source)
        except jinja2.TemplateSyntaxError as exc:
            self.add(where, f"template syntax error at line {exc.lineno}: {exc.message}")
            return
        self.used |= names
        for message in reference_problems(source):
            self.add(where, message)
        for name in sorted(names - set(self.cdef.variables)):
            self.add(where, f"template uses undeclared variable {name!r}")
        for target, line in unguarded_refs(source):
            other = self.lib.clauses.get(target)
            if other is not None and not other.mandatory and target != self.cdef.id:
                self.add(
                    where,
                    f"ref({target!r}) at line {line} is not inside {{% if has({target!r}) %}}; "
                    f"drafting fails whenever the optional clause {target!r} is left out",
                )
        for fn, target, line in calls:
            if target not in self.lib.clauses:
                self.add(
                    where, f"{fn}({target!r}) at line {line} names a clause not in the library"
                )

    # -- obligation specs ------------------------------------------------------------
    def _int_var(self, where: str, value: int | str) -> None:
        if isinstance(value, str):
            vdef = self.cdef.variables.get(value)
            if vdef is None:
                self.add(where, f"names undeclared variable {value!r}")
            elif vdef.type is not VarType.INTEGER:
                self.add(
                    where, f"variable {value!r} must be of type integer (it is {vdef.type.value})"
                )

    def _cure_days(self, where: str, value: int | str) -> None:
        """A cure period may be another clause's integer variable (``termination.cure_days``)."""
        if not isinstance(value, str) or "." not in value:
            self._int_var(where, value)
            return
        cid, _, name = value.partition(".")
        other = self.lib.clauses.get(cid)
        if other is None:
            self.add(where, f"names clause {cid!r}, which is not in the library")
            return
        vdef = other.variables.get(name)
        if vdef is None:
            self.add(where, f"clause {cid!r} declares no variable {name!r}")
        elif vdef.type is not VarType.INTEGER:
            self.add(where, f"variable {value!r} must be of type integer (it is {vdef.type.value})")

    def _period(self, where: str, value: str | None) -> None:
        if value is None or value in LITERAL_PERIODS:
            return
        vdef = self.cdef.variables.get(value)
        if vdef is None:
            self.add(
                where,
                f"{value!r} is neither a period ({', '.join(sorted(LITERAL_PERIODS))}) "
                "nor a declared variable",
            )
        elif vdef.type is not VarType.ENUM:
            self.add(
                where, f"variable {value!r} must be an enum of periods (it is {vdef.type.value})"
            )
        elif not set(vdef.choices or []) <= LITERAL_PERIODS:
            self.add(
                where, f"variable {value!r} may only offer: {', '.join(sorted(LITERAL_PERIODS))}"
            )

    def _event(self, where: str, event: str | None) -> bool:
        """Whether ``event`` is a known event type (reported when it is not)."""
        if event is None:
            return False
        if event not in EVENTS:
            self.add(where, f"unknown event type {event!r} (known: {', '.join(sorted(EVENTS))})")
            return False
        return True

    def _where(self, where: str, event: str, keys: dict[str, object]) -> None:
        for key in keys:
            if key not in event_fields(event):
                self.add(f"{where}.{key}", f"event {event!r} has no field {key!r}")

    def _needs(self, where: str, event: str, name: str, *types: FieldType) -> None:
        """The event must carry field ``name`` of one of ``types`` (what the rule reads)."""
        have = _field_type(event, name)
        if have is None or have not in types:
            wanted = " or ".join(t.value for t in types)
            self.add(
                where, f"event {event!r} has no {wanted} field {name!r}, which this rule reads"
            )

    def _match(self, where: str, spec: ObligationSpec, event: str, match: Match | None) -> None:
        if match is Match.SUBJECT:
            self._needs(where, event, "supplier", FieldType.SUPPLIER)
            if spec.subject != "supplier":
                self.add(where, "`match: subject` needs a spec with `subject: supplier`")
        elif match is Match.OBLIGATION:
            self._needs(where, event, "obligation", FieldType.OBLIGATION)

    def _semantics(self, w: str, spec: ObligationSpec) -> None:
        """What the engine does with the spec: every keyword must be one it acts on."""
        prohibition = spec.kind is ObligationKind.PROHIBITION
        if prohibition and spec.settled_by:
            self.add(
                f"{w}.settled_by",
                "a prohibition is kept, not performed: declare how it ends (`ends`, `ends_on`)",
            )
        if not prohibition and not spec.settled_by:
            self.add(f"{w}.settled_by", "nothing settles this obligation; declare `settled_by`")
        if spec.kpi and prohibition:
            self.add(f"{w}.kpi", "a KPI is a target to reach; a prohibition cannot be one")
        for i, how in enumerate(spec.settled_by):
            at = f"{w}.settled_by[{i}]"
            if how.by is SettleBy.EVIDENCE or not self._event(f"{at}.event", how.event):
                continue
            assert how.event is not None
            self._where(f"{at}.where", how.event, how.where)
            if how.by is SettleBy.PAYMENT:
                if spec.amount is None:
                    self.add(at, "`by: payment` settles an amount: the spec needs `amount`")
                if how.match is not Match.OBLIGATION:
                    self.add(f"{at}.match", "`by: payment` credits the obligation the event names")
                self._needs(at, how.event, "amount", FieldType.MONEY)
            elif how.by is SettleBy.PAYROLL:
                if spec.amount is None:
                    self.add(at, "`by: payroll` settles an amount: the spec needs `amount`")
                if how.match is not Match.SUBJECT:
                    self.add(f"{at}.match", "`by: payroll` credits the subject's earliest instance")
                self._needs(at, how.event, "premium_paid", FieldType.MONEY)
                self._needs(at, how.event, "pay_date", FieldType.DATE)
            self._match(f"{at}.match", spec, how.event, how.match or Match.SUBJECT)
        for i, end in enumerate(spec.ends_on):
            at = f"{w}.ends_on[{i}]"
            if end.event is not None and self._event(f"{at}.event", end.event):
                self._where(f"{at}.where", end.event, end.where)
                self._match(f"{at}.match", spec, end.event, end.match)
        for i, v in enumerate(spec.violated_by):
            at = f"{w}.violated_by[{i}]"
            if self._event(f"{at}.event", v.event):
                self._where(f"{at}.where", v.event, v.where)
                self._match(f"{at}.match", spec, v.event, v.match)
                for name in v.same:
                    for event in (v.event, spec.trigger.event):
                        if event in EVENTS and name not in EVENTS[event].fields:
                            self.add(f"{at}.same", f"event {event!r} has no field {name!r}")
        acc = spec.accrue
        if acc is not None and spec.trigger.event in EVENTS:
            event = spec.trigger.event
            self._period(f"{w}.accrue.per", acc.per)
            self._needs(f"{w}.accrue.quantity", event, acc.quantity, FieldType.DECIMAL)
            if acc.unit_field is not None:
                self._needs(f"{w}.accrue.unit_field", event, acc.unit_field, FieldType.UNIT)
            if acc.unit is not None and acc.unit not in UNITS:
                self.add(
                    f"{w}.accrue.unit",
                    f"unknown unit {acc.unit!r} (known: {', '.join(sorted(UNITS))})",
                )
            if acc.unit_variable is not None:
                vdef = self.cdef.variables.get(acc.unit_variable)
                if vdef is None:
                    self.add(
                        f"{w}.accrue.unit_variable", f"undeclared variable {acc.unit_variable!r}"
                    )
                elif vdef.type is not VarType.ENUM or not set(vdef.choices or []) <= UNITS:
                    self.add(
                        f"{w}.accrue.unit_variable",
                        f"variable {acc.unit_variable!r} must be an enum of units "
                        f"({', '.join(sorted(UNITS))})",
                    )

    def spec(self, i: int, spec: ObligationSpec) -> None:
        w = f"obligations[{i}]"
        for field in ("obligor", "beneficiary"):
            role = getattr(spec, field)
            if role not in SPEC_ROLES:
                self.add(
                    f"{w}.{field}",
                    f"unknown role {role!r} (known: {', '.join(sorted(SPEC_ROLES))})",
                )
        self._int_var(f"{w}.deadline.days", spec.deadline.days)
        self._int_var(f"{w}.deadline.months", spec.deadline.months)
        if spec.ends is not None:
            self._int_var(f"{w}.ends.days", spec.ends.days)
            self._int_var(f"{w}.ends.months", spec.ends.months)
        self._int_var(f"{w}.grace_days", spec.grace_days)
        if spec.cure is not None:
            self._cure_days(f"{w}.cure.days", spec.cure.days)
            power_ids = {p.id for p in self.cdef.powers}
            for p in spec.cure.powers:
                if p not in power_ids:
                    self.add(f"{w}.cure.powers", f"unknown power {p!r}")
        t = spec.trigger
        self._period(f"{w}.trigger.every", t.every)
        if self._event(f"{w}.trigger.event", t.event):
            assert t.event is not None
            self._where(f"{w}.trigger.where", t.event, t.where)
        self._semantics(w, spec)
        if spec.amount is not None:
            try:
                names = formula_names(spec.amount.formula)
            except FormulaError as exc:
                self.add(f"{w}.amount.formula", "; ".join(p.message for p in exc.problems))
            else:
                fields = event_fields(t.event)
                for name in sorted(names - set(self.cdef.variables) - fields):
                    self.add(
                        f"{w}.amount.formula",
                        f"{name!r} is neither a declared variable nor a field of the trigger event",
                    )
        self.used |= spec_names(spec)

    # -- everything ----------------------------------------------------------------------
    def run(self) -> list[Problem]:
        c = self.cdef
        if self.lib.root is not None or self.file.endswith(".yaml"):
            if Path(self.file).name != f"{c.id}.yaml":
                self.add("id", f"the file must be named {c.id}.yaml")
        for name, alt in c.alternatives.items():
            self.template(f"alternatives.{name}.text", alt.text)
        for i, d in enumerate(c.defines):
            self.template(f"defines[{i}].definition", d.definition)
        self._duplicates("obligations", [s.id for s in c.obligations])
        self._duplicates("powers", [p.id for p in c.powers])
        for i, spec in enumerate(c.obligations):
            self.spec(i, spec)
        self.powers()
        self.alternatives()
        self.defaults()
        self.references()
        self.traces()
        self.constraints()
        for name in c.variables:
            if name not in self.used:
                self.add(
                    f"variables.{name}",
                    "declared but not used by any text, definition or obligation",
                )
        return self.problems

    def _duplicates(self, where: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for ident in ids:
            if ident in seen:
                self.add(where, f"duplicate id {ident!r}")
            seen.add(ident)

    def powers(self) -> None:
        spec_ids = {s.id for s in self.cdef.obligations}
        # an uncured breach: the cure obligation of a spec that declares one
        spec_ids |= {f"{s.id}.cure" for s in self.cdef.obligations if s.cure is not None}
        for i, p in enumerate(self.cdef.powers):
            for field in ("holder", "against"):
                role = getattr(p, field)
                if role not in SPEC_ROLES:
                    self.add(f"powers[{i}].{field}", f"unknown role {role!r}")
            if p.trigger.startswith("violation:"):
                target = p.trigger.removeprefix("violation:")
                if target not in spec_ids:
                    self.add(
                        f"powers[{i}].trigger", f"violation of unknown obligation spec {target!r}"
                    )
            elif p.trigger not in EVENTS:
                self.add(
                    f"powers[{i}].trigger",
                    f"{p.trigger!r} is neither violation:<spec id> nor a known event type",
                )

    def alternatives(self) -> None:
        spec_ids = {s.id for s in self.cdef.obligations}
        for name, alt in self.cdef.alternatives.items():
            for sid in alt.obligations or []:
                if sid not in spec_ids:
                    self.add(f"alternatives.{name}.obligations", f"unknown obligation spec {sid!r}")
            for var in alt.defaults:
                if var not in self.cdef.variables:
                    self.add(f"alternatives.{name}.defaults.{var}", "not a declared variable")
        for name, retired in self.cdef.retired_alternatives.items():
            where = f"retired_alternatives.{name}"
            if retired.moved_to is None:
                continue
            target = self.lib.clauses.get(retired.moved_to)
            if target is None:
                self.add(f"{where}.moved_to", f"unknown clause {retired.moved_to!r}")
                continue
            if not target.mandatory:
                self.add(
                    f"{where}.moved_to",
                    f"{retired.moved_to!r} is not in every agreement, so the values could be lost",
                )
            for var, value in retired.sets.items():
                vdef = target.variables.get(var)
                if vdef is None:
                    self.add(f"{where}.sets.{var}", f"not a variable of {retired.moved_to!r}")
                elif coerce(vdef, value, var)[1]:
                    self.add(f"{where}.sets.{var}", f"not a valid value: {value!r}")

    def traces(self) -> None:
        """Trace scenarios must speak the clause's own language: its variables, events, specs."""
        c = self.cdef
        for i, test in enumerate(c.tests):
            w = f"tests[{i}]"
            for name, raw in test.variables.items():
                vdef = c.variables.get(name)
                if vdef is None:
                    self.add(f"{w}.variables.{name}", "not a declared variable")
                    continue
                for p in coerce(vdef, raw, f"{w}.variables.{name}")[1]:
                    self.add(p.path, p.message)
            for j, event in enumerate(test.events):
                if event.type not in EVENT_FIELDS:
                    self._event(f"{w}.events[{j}].type", event.type)
                    continue
                for key in event.set:
                    if key not in EVENT_FIELDS[event.type]:
                        self.add(
                            f"{w}.events[{j}].set.{key}",
                            f"event {event.type!r} has no field {key!r}",
                        )
            for j, expect in enumerate(test.expect):
                owner, _, local = expect.spec.rpartition(".")
                target = self.lib.clauses.get(owner or c.id)
                if target is None or local not in {s.id for s in target.obligations}:
                    self.add(f"{w}.expect[{j}].spec", f"unknown obligation spec {expect.spec!r}")

    # -- constraints -----------------------------------------------------------------------
    def _name_type(self, name: str) -> VarType | None:
        """The type of ``name`` (own variable or ``clause.variable``); None if it is unknown."""
        owner, _, local = name.rpartition(".")
        cdef = self.lib.clauses.get(owner) if owner else self.cdef
        vdef = cdef.variables.get(local) if cdef is not None else None
        return vdef.type if vdef is not None else None

    def constraints(self) -> None:
        self._duplicates("constraints", [k.id for k in self.cdef.constraints])
        numeric = {VarType.INTEGER, VarType.DECIMAL, VarType.MONEY, VarType.PERCENT}
        for i, k in enumerate(self.cdef.constraints):
            w = f"constraints[{i}]"
            try:
                parsed = parse_check(k.check)
            except ConstraintSyntax as exc:
                self.add(f"{w}.check", str(exc))
                continue
            if isinstance(parsed, BuiltinCall):
                wanted = (VarType.LIST, VarType.MONEY, VarType.MONEY)
                for arg, want in zip(parsed.args, wanted, strict=True):
                    if self._name_type(arg) is not want:
                        self.add(
                            f"{w}.check", f"fee_tiers: {arg!r} must be a {want.value} variable"
                        )
                names: tuple[str, ...] = parsed.args
            else:
                names = parsed.names
                for name in names:
                    t = self._name_type(name)
                    if t is None:
                        self.add(
                            f"{w}.check", f"{name!r} is not a variable of this or another clause"
                        )
                    elif t not in numeric:
                        self.add(f"{w}.check", f"{name!r} is {t.value}; only numbers compare")
                if not k.message:
                    self.add(f"{w}.message", "say what is wrong, in counsel's words")
            if k.path and self._name_type(k.path) is None:
                self.add(f"{w}.path", f"{k.path!r} is not a declared variable")
            if k.when is not None and self._name_type(k.when) is not VarType.BOOLEAN:
                self.add(f"{w}.when", f"{k.when!r} must be a boolean variable")
            for ph in re.findall(r"\{([^{}]*)\}", k.message):
                if ph not in names and self._name_type(ph) is None:
                    self.add(f"{w}.message", f"placeholder {{{ph}}} names no variable")

    def defaults(self) -> None:
        c = self.cdef
        for name, vdef in c.variables.items():
            if vdef.default is None:
                continue
            typed, probs = coerce(vdef, vdef.default, f"variables.{name}.default")
            for p in probs:
                self.add(p.path, f"default fails its own variable: {p.message}")
            if not probs and (msg := floor_breach(vdef, typed)):
                self.add(f"variables.{name}.default", f"the default is past the floor: {msg}")
        for alt_name, alt in c.alternatives.items():
            for var, raw in alt.defaults.items():
                adef = c.variables.get(var)
                if adef is None:
                    continue
                where = f"alternatives.{alt_name}.defaults.{var}"
                typed, probs = coerce(adef, raw, where)
                for p in probs:
                    self.add(p.path, f"default fails its own variable: {p.message}")
                if not probs and (msg := floor_breach(adef, typed)):
                    self.add(
                        where, f"a {alt.kind.value} default must not fall past the floor: {msg}"
                    )

    def references(self) -> None:
        """A programme reference is a value of the variable, on a variable with no default.

        The deviation report compares a variable with its default when it has one; a reference
        beside a default would never be read, so it is refused rather than silently ignored.
        """
        c = self.cdef
        standard = c.alternatives["standard"].defaults
        for name, vdef in c.variables.items():
            if vdef.reference is None:
                continue
            where = f"variables.{name}.reference"
            if vdef.default is not None or name in standard:
                self.add(
                    where,
                    "the variable has a default, which is what the deviation report compares "
                    "with; remove `reference` or the default",
                )
                continue
            if vdef.reference.value is None:
                continue
            _, probs = coerce(vdef, vdef.reference.value, f"{where}.value")
            for p in probs:
                self.add(p.path, f"the reference fails its own variable: {p.message}")


def standard_values(lib: Library) -> dict[str, dict[str, Any]]:
    """Every clause's standard defaults, typed (what an all-standard agreement would say)."""
    out: dict[str, dict[str, Any]] = {}
    for cid, cdef in lib.clauses.items():
        std = cdef.alternatives["standard"]
        vals: dict[str, Any] = {}
        for name, vdef in cdef.variables.items():
            raw = std.defaults.get(name, vdef.default)
            if raw is not None:
                typed, probs = coerce(vdef, raw, name)
                if not probs:
                    vals[name] = typed
        out[cid] = vals
    return out


def _standard_findings(lib: Library) -> list[Problem]:
    """The standard text must not contradict itself: no constraint broken at its defaults."""
    values = standard_values(lib)
    problems = []
    for cid, cdef in lib.clauses.items():
        try:
            found = clause_findings(cdef, values)
        except ConstraintSyntax:
            continue  # reported against the constraint
        found += reminder_findings(cdef, active_specs(cdef, "standard"), values[cid])
        problems += [
            Problem(
                f"{lib.file_of(cid)}: constraints",
                f"the standard defaults break a constraint ({f.severity.value}): "
                f"{f.path}: {f.message}",
            )
            for f in found
        ]
    return problems


def constraint_summary(lib: Library) -> list[str]:
    """One line per declared constraint, for ``wsr library --check`` to say which exist."""
    lines = []
    for cid, cdef in lib.clauses.items():
        for k in cdef.constraints:
            when = f" (when {k.when})" if k.when else ""
            kind = "errors and warnings" if k.check.startswith("fee_tiers") else k.severity.value
            lines.append(f"{cid}.{k.id} [{kind}]: {k.check}{when}")
    lines.append("every clause [warning]: a reminder that would fall before its obligation exists")
    return lines


def check_library(lib: Library) -> list[Problem]:
    """Every coherence problem in the library; ``[]`` when it is clean."""
    problems: list[Problem] = []
    by_order: dict[int, list[str]] = defaultdict(list)
    for cdef in lib.clauses.values():
        problems.extend(_Clause(lib, cdef).run())
        by_order[cdef.order].append(cdef.id)
    for order, ids in sorted(by_order.items()):
        if len(ids) > 1:
            for cid in ids:
                others = ", ".join(i for i in ids if i != cid)
                problems.append(
                    Problem(f"{lib.file_of(cid)}: order", f"order {order} is also used by {others}")
                )
    if not problems:
        problems += _standard_findings(lib)
    return problems
