"""Terms that must not contradict each other: the clause ``constraints:`` and the fee table.

Each variable passing its own bounds is not enough: a minimum fee above the maximum, a band of a
fee table that ends below where it starts, or three hundred days' notice of non-renewal in a
six-month term are each valid alone and contradictory together. Clauses declare such relations
in their ``constraints:`` list (what a clause means is declared in the library); this module is
the one place that evaluates them, for the answers reader (errors: exit 2, nothing drafted), for
assembly (warnings kept in ``Agreement.warnings``) and for ``wsr library --check`` (the checks
are well-formed, and the standard defaults satisfy every error-level one).

Two kinds of check exist:

- a comparison ``<formula> <op> <formula>`` (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``) over
  numbers, ``+ - * /`` and variable names; ``clause.name`` reads another clause's variable;
- the built-in ``fee_tiers(tiers, cap, floor)``: bands in ascending order, only the last one
  open-ended, no overlap or gap where a band gives its ``above`` (start) explicitly, the floor
  not above the cap (errors); a band whose fee the cap or the floor overrides (warnings).

Besides the declared constraints, every obligation whose reminder would fall before the
obligation exists (a reminder 14 days before a deadline 7 days after the triggering event) is a
warning: the reminder can never be sent.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._exceptions import Problem
from ._library import Library
from ._schema import ClauseDef, Constraint, ObligationSpec, Severity
from ._variables import fmt_decimal

_OPS: dict[type[ast.cmpop], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
BUILTINS = frozenset({"fee_tiers"})
#: the shortest length of each literal period in days: a reminder further ahead than this
#: before a period-end deadline falls before the period starts
PERIOD_DAYS = {"weekly": 7, "monthly": 28, "quarterly": 90, "annually": 365}


class ConstraintSyntax(ValueError):
    """A ``check`` that is not a comparison or a known built-in (reported by the library check)."""


@dataclass(frozen=True)
class Comparison:
    left: ast.expr
    op: str
    right: ast.expr
    names: tuple[str, ...]  # in order of appearance; "clause.name" for another clause's


@dataclass(frozen=True)
class BuiltinCall:
    function: str
    args: tuple[str, ...]


Parsed = Comparison | BuiltinCall


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _validate(node: ast.expr, src: str, names: list[str]) -> None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        _validate(node.left, src, names)
        _validate(node.right, src, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        _validate(node.operand, src, names)
    elif (dotted := _dotted(node)) is not None:
        if dotted not in names:
            names.append(dotted)
    elif (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        pass
    else:
        raise ConstraintSyntax(
            f"{src!r}: only numbers, variable names, clause.variable, + - * / are allowed"
        )


def parse_check(src: str) -> Parsed:
    """Parse a constraint's ``check``; raise ConstraintSyntax saying what is wrong."""
    try:
        tree = ast.parse(src.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ConstraintSyntax(f"cannot parse {src!r}: {exc.msg}") from None
    if isinstance(tree, ast.Call):
        if not isinstance(tree.func, ast.Name) or tree.func.id not in BUILTINS:
            raise ConstraintSyntax(
                f"{src!r}: the only built-in check is fee_tiers(tiers, cap, floor)"
            )
        args = [_dotted(a) for a in tree.args]
        if len(args) != 3 or any(a is None or "." in a for a in args) or tree.keywords:
            raise ConstraintSyntax(f"{src!r}: fee_tiers takes three variable names of this clause")
        return BuiltinCall(tree.func.id, tuple(a for a in args if a is not None))
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1:
        raise ConstraintSyntax(
            f"{src!r}: a check compares two formulas with one of < <= > >= == !="
        )
    names: list[str] = []
    _validate(tree.left, src, names)
    _validate(tree.comparators[0], src, names)
    if not names:
        raise ConstraintSyntax(f"{src!r}: compares no variables")
    return Comparison(tree.left, _OPS[type(tree.ops[0])], tree.comparators[0], tuple(names))


class _Unset(Exception):
    """A name the check reads has no value in this agreement: the constraint does not apply."""


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise _Unset
    if isinstance(value, Decimal | int):
        return Decimal(value)
    raise _Unset


def _eval(node: ast.expr, lookup: Mapping[str, Any]) -> Decimal:
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))
    dotted = _dotted(node)
    if dotted is not None:
        return _number(lookup.get(dotted))
    if isinstance(node, ast.UnaryOp):
        return -_eval(node.operand, lookup)
    assert isinstance(node, ast.BinOp)
    a, b = _eval(node.left, lookup), _eval(node.right, lookup)
    if isinstance(node.op, ast.Add):
        return a + b
    if isinstance(node.op, ast.Sub):
        return a - b
    if isinstance(node.op, ast.Mult):
        return a * b
    if b == 0:
        raise _Unset
    return a / b


def _holds(op: str, a: Decimal, b: Decimal) -> bool:
    return {
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
        "==": a == b,
        "!=": a != b,
    }[op]


def _shown(value: Any) -> str:
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return fmt_decimal(value)
    return str(value)


@dataclass(frozen=True)
class Finding:
    """One broken constraint: an error refuses the draft, a warning is kept for counsel."""

    severity: Severity
    path: str
    message: str

    def problem(self) -> Problem:
        return Problem(self.path, self.message)


def _lookup(cid: str, values: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """This clause's variables by name, every included clause's as ``clause.name``."""
    out: dict[str, Any] = dict(values.get(cid, {}))
    for other, vals in values.items():
        for name, value in vals.items():
            out[f"{other}.{name}"] = value
    return out


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\}")


def _format(message: str, lookup: Mapping[str, Any]) -> str:
    """``{name}`` / ``{clause.name}`` placeholders filled with the values in force."""
    return _PLACEHOLDER.sub(
        lambda m: _shown(lookup[m.group(1)]) if m.group(1) in lookup else m.group(0), message
    )


def _comparison(
    cdef: ClauseDef, c: Constraint, parsed: Comparison, lookup: Mapping[str, Any]
) -> Iterator[Finding]:
    try:
        left, right = _eval(parsed.left, lookup), _eval(parsed.right, lookup)
    except _Unset:
        return
    if _holds(parsed.op, left, right):
        return
    target = c.path or parsed.names[0]
    path = f"clauses.{target}" if "." in target else f"clauses.{cdef.id}.{target}"
    message = _format(c.message, lookup) if c.message else f"{c.check} does not hold"
    yield Finding(c.severity, path, message)


def _dec_or_none(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return Decimal(value) if isinstance(value, Decimal | int) else None


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def fee_tier_findings(
    base: str, tiers: Any, cap: Decimal | None, floor: Decimal | None
) -> list[Finding]:
    """The fee table's contradictions: ``base`` is the clause path (``clauses.monitoring_fees``).

    A band covers the volumes above the previous band's ``up_to`` (zero for the first) up to its
    own; ``above``, where given, states that start and must equal it. Warnings only when the
    table itself is sound, since an unreachable band of a broken table means nothing.
    """
    E, W = Severity.ERROR, Severity.WARNING
    out: list[Finding] = []
    if not isinstance(tiers, list):
        return out
    last = len(tiers) - 1
    prev: Decimal | None = Decimal(0)
    for i, band in enumerate(tiers):
        here = f"{base}.tiers[{i}]"
        up_to = _dec_or_none(band.get("up_to"))
        above = _dec_or_none(band.get("above"))
        if prev is None:  # the previous band had no upper limit
            out.append(
                Finding(
                    E,
                    f"{base}.tiers[{i - 1}].up_to",
                    f"only the last band may have no upper limit; band {i + 1} follows band {i}, "
                    f"which already covers every Declared Volume above "
                    f"{_money(_start(tiers, i - 1))}",
                )
            )
            break
        if above is not None and above != prev:
            if above > prev:
                gap = (
                    f"Declared Volumes above {_money(prev)} up to {_money(above)} fall in no band"
                    if i
                    else f"Declared Volumes up to {_money(above)} fall in no band"
                )
                out.append(
                    Finding(
                        E,
                        f"{here}.above",
                        f"leaves a gap: {gap}; start band {i + 1} at {_money(prev)}",
                    )
                )
            else:
                out.append(
                    Finding(
                        E,
                        f"{here}.above",
                        f"band {i + 1} starts at {_money(above)}, inside band {i} (which runs to "
                        f"{_money(prev)}): the bands overlap; start band {i + 1} at {_money(prev)}",
                    )
                )
        if up_to is not None and up_to <= prev:
            word = "the same as" if up_to == prev else "below"
            out.append(
                Finding(
                    E,
                    f"{here}.up_to",
                    f"{_money(up_to)} is {word} the upper limit of the band before it "
                    f"({_money(prev)}): bands must be in ascending order without overlap",
                )
                if i
                else Finding(E, f"{here}.up_to", "the first band must end above zero")
            )
        prev = up_to if up_to is None or up_to > prev else prev
    if cap is not None and floor is not None and floor > cap:
        out.append(
            Finding(
                E,
                f"{base}.floor",
                f"the minimum annual fee {_money(floor)} is above the maximum annual fee "
                f"{_money(cap)}: no fee can satisfy both",
            )
        )
    if out:
        return out
    for i, band in enumerate(tiers):
        fee = _dec_or_none(band.get("fee"))
        if fee is None:
            continue
        if cap is not None and fee > cap:
            out.append(
                Finding(
                    W,
                    f"{base}.tiers[{i}].fee",
                    f"band {i + 1}'s fee {_money(fee)} is above the maximum annual fee "
                    f"{_money(cap)}: the cap applies, so this fee is never charged",
                )
            )
        elif floor is not None and fee < floor:
            out.append(
                Finding(
                    W,
                    f"{base}.tiers[{i}].fee",
                    f"band {i + 1}'s fee {_money(fee)} is below the minimum annual fee "
                    f"{_money(floor)}: the minimum applies, so this fee is never charged",
                )
            )
    if tiers and _dec_or_none(tiers[last].get("up_to")) is not None:
        limit = _dec_or_none(tiers[last].get("up_to"))
        assert limit is not None
        out.append(
            Finding(
                W,
                f"{base}.tiers[{last}].up_to",
                f"no band covers a Declared Volume above {_money(limit)}; the fee of the last "
                "band is charged for it (add a last band without an upper limit to say so)",
            )
        )
    return out


def _start(tiers: list[Any], i: int) -> Decimal:
    if i == 0:
        return Decimal(0)
    return _dec_or_none(tiers[i - 1].get("up_to")) or Decimal(0)


def clause_findings(cdef: ClauseDef, values: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    """Every declared constraint of ``cdef`` that the values in force break.

    ``values`` maps each clause in the agreement to its typed variables; a constraint reading
    a variable that is not set (or a clause that is not included) does not apply.
    """
    if cdef.id not in values:
        return []
    lookup = _lookup(cdef.id, values)
    out: list[Finding] = []
    for c in cdef.constraints:
        if c.when is not None and lookup.get(c.when) is not True:
            continue
        parsed = parse_check(c.check)
        if isinstance(parsed, BuiltinCall):
            tiers, cap, floor = (lookup.get(a) for a in parsed.args)
            out += fee_tier_findings(
                f"clauses.{cdef.id}", tiers, _dec_or_none(cap), _dec_or_none(floor)
            )
        else:
            out += _comparison(cdef, c, parsed, lookup)
    return out


def _deadline_days(spec: ObligationSpec, vals: Mapping[str, Any]) -> tuple[int | None, str]:
    days = spec.deadline.days
    if isinstance(days, str):
        got = vals.get(days)
        return (got if isinstance(got, int) and not isinstance(got, bool) else None), days
    return days, ""


def reminder_findings(
    cdef: ClauseDef, specs: list[ObligationSpec], vals: Mapping[str, Any]
) -> list[Finding]:
    """Reminders that would fall before the obligation they remind of exists (warnings).

    Only reminders a spec declares: the default ladder's early rungs are simply not sent (the
    scheduler never sends a notice dated before its obligation existed)."""
    out: list[Finding] = []
    for spec in specs:
        if not spec.reminders:
            continue
        dl = spec.deadline
        if isinstance(dl.months, str) or dl.months:
            continue
        days, var = _deadline_days(spec, vals)
        if days is None:
            continue
        if dl.anchor in ("event", "execution", "payment"):
            room, start = (
                days,
                {
                    "event": "the event that creates it",
                    "execution": "the agreement is signed",
                    "payment": "the payment that creates it",
                }[dl.anchor],
            )
        elif dl.anchor == "period_end" and spec.trigger.every is not None:
            period = vals.get(spec.trigger.every, spec.trigger.every)
            if period not in PERIOD_DAYS:
                continue
            room, start = days + PERIOD_DAYS[period], f"the {period} period begins"
        else:
            continue
        early = [r for r in spec.reminders if r > room]
        if early:
            where = f"clauses.{cdef.id}.{var}" if var else f"clauses.{cdef.id}"
            shown = ", ".join(str(r) for r in early)
            out.append(
                Finding(
                    Severity.WARNING,
                    where,
                    f"{spec.title}: the reminder {shown} day(s) before the deadline would fall "
                    f"before {start} (the deadline is {room} day(s) after it), so it is never sent",
                )
            )
    return out


def agreement_findings(lib: Library, clauses: Mapping[str, Any]) -> list[Finding]:
    """Every finding for the clauses chosen in an answers file (``clause id -> ClauseChoice``).

    Errors first (they refuse the draft), then warnings, each group in library order.
    """
    from ._answers import active_specs  # _answers calls this module: import on use

    values = {cid: dict(choice.variables) for cid, choice in clauses.items()}
    out: list[Finding] = []
    for cid, cdef in lib.clauses.items():
        if cid not in clauses:
            continue
        out += clause_findings(cdef, values)
        out += reminder_findings(cdef, active_specs(cdef, clauses[cid].alternative), values[cid])
    return sorted(out, key=lambda f: f.severity is not Severity.ERROR)
