"""Amount formulas: a tiny, safe evaluator in Decimal arithmetic (never ``eval``, never floats).

A formula such as ``quantity * rate`` or ``tier_fee(volume)`` is parsed with :mod:`ast` and
walked node by node; only names, number literals (read from their source text), ``+ - * /``,
unary minus, parentheses and the calls ``min``, ``max``, ``round2`` and ``tier_fee`` exist.
Anything else is refused when the library is checked, long before money is computed.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from typing import Any

from ._exceptions import InputError, Problem

FUNCTIONS = frozenset({"min", "max", "round2", "tier_fee"})
#: names ``tier_fee`` reads from the environment
TIER_NAMES = frozenset({"tiers", "cap", "floor", "boundary"})
CENT = Decimal("0.01")


class FormulaError(InputError):
    """A formula that cannot be parsed or evaluated (named variable missing, division by zero…)."""


def _parse(src: str) -> ast.Expression:
    try:
        tree = ast.parse(src.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError([Problem("formula", f"cannot parse {src!r}: {exc.msg}")]) from None
    _validate(tree.body, src)
    return tree


_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def _validate(node: ast.AST, src: str) -> None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
        _validate(node.left, src)
        _validate(node.right, src)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _validate(node.operand, src)
    elif isinstance(node, ast.Name):
        pass
    elif (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        pass
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise FormulaError(
                [Problem("formula", f"{src!r}: only {', '.join(sorted(FUNCTIONS))} may be called")]
            )
        if node.keywords:
            raise FormulaError([Problem("formula", f"{src!r}: keyword arguments are not allowed")])
        arity = {"round2": 1, "tier_fee": 1}.get(node.func.id)
        if arity is not None and len(node.args) != arity:
            raise FormulaError(
                [Problem("formula", f"{src!r}: {node.func.id}() takes one argument")]
            )
        if not node.args:
            raise FormulaError([Problem("formula", f"{src!r}: {node.func.id}() needs arguments")])
        for arg in node.args:
            _validate(arg, src)
    else:
        raise FormulaError(
            [Problem("formula", f"{src!r}: {type(node).__name__} is not allowed in a formula")]
        )


def formula_names(src: str) -> set[str]:
    """The free names a formula reads (``tier_fee`` adds tiers, cap, floor and boundary)."""
    tree = _parse(src)
    names: set[str] = set()
    callees: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            callees.add(id(node.func))
            if node.func.id == "tier_fee":
                names |= TIER_NAMES
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in callees:
            names.add(node.id)
    return names


def _dec(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise FormulaError([Problem("formula", f"{name} has no numeric value")])
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
    raise FormulaError([Problem("formula", f"{name} is not a number ({type(value).__name__})")])


def tier_fee(
    x: Decimal,
    tiers: Sequence[Mapping[str, Any]],
    *,
    cap: Decimal | None = None,
    floor: Decimal | None = None,
    boundary: str | None = None,
    clause_id: str = "monitoring_fees",
) -> Decimal:
    """The fee of the tier ``x`` falls in, then capped and floored.

    Tier ``i`` covers ``(up_to[i-1], up_to[i]]`` (the last one has ``up_to: None``). A value
    exactly on some ``up_to`` is ambiguous in real fee schedules, so the clause must say:
    ``upper_inclusive`` keeps it in the lower tier, ``lower_inclusive`` moves it up.
    """
    bounds = [
        (None if t.get("up_to") is None else _dec(t["up_to"], "up_to"), _dec(t["fee"], "fee"))
        for t in tiers
    ]
    if not bounds:
        raise FormulaError(
            [Problem(f"clauses.{clause_id}.tiers", "no tiers to look the fee up in")]
        )
    chosen: Decimal | None = None
    for i, (up_to, fee) in enumerate(bounds):
        if up_to is None or x < up_to:
            chosen = fee
            break
        if x == up_to:
            if boundary == "upper_inclusive":
                chosen = fee
            elif boundary == "lower_inclusive":
                chosen = bounds[i + 1][1] if i + 1 < len(bounds) else fee
            else:
                raise InputError.single(
                    f"clauses.{clause_id}.boundary",
                    f"the value {_plain(x)} falls on the tier boundary {_plain(up_to)}; "
                    "set boundary to lower_inclusive or upper_inclusive",
                )
            break
    if chosen is None:  # above the last bounded tier with no open-ended tier
        chosen = bounds[-1][1]
    if cap is not None:
        chosen = min(chosen, cap)
    if floor is not None:
        chosen = max(chosen, floor)
    return chosen


def _plain(d: Decimal) -> str:
    return format(d.normalize(), "f") if d != d.to_integral_value() else str(d.quantize(Decimal(1)))


class _Evaluator:
    def __init__(self, src: str, env: Mapping[str, Any], clause_id: str) -> None:
        self.src = src
        self.env = env
        self.clause_id = clause_id

    def name(self, ident: str) -> Any:
        if ident not in self.env:
            raise FormulaError(
                [
                    Problem(
                        f"clauses.{self.clause_id}", f"formula {self.src!r}: unknown name {ident!r}"
                    )
                ]
            )
        return self.env[ident]

    def eval(self, node: ast.AST) -> Decimal:
        if isinstance(node, ast.Constant):
            seg = ast.get_source_segment(self.src, node)
            return Decimal(seg if seg is not None else str(node.value))
        if isinstance(node, ast.Name):
            return _dec(self.name(node.id), node.id)
        if isinstance(node, ast.UnaryOp):
            v = self.eval(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = self.eval(node.left), self.eval(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if b == 0:
                raise FormulaError(
                    [
                        Problem(
                            f"clauses.{self.clause_id}", f"formula {self.src!r}: division by zero"
                        )
                    ]
                )
            return a / b
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [self.eval(a) for a in node.args]
            fn = node.func.id
            if fn == "min":
                return min(args)
            if fn == "max":
                return max(args)
            if fn == "round2":
                return args[0].quantize(CENT, rounding=ROUND_HALF_UP)
            return self.tier(args[0])
        raise FormulaError(
            [Problem("formula", f"{self.src!r}: unsupported expression")]
        )  # pragma: no cover

    def tier(self, x: Decimal) -> Decimal:
        tiers = self.name("tiers")
        if not isinstance(tiers, list):
            raise FormulaError(
                [Problem(f"clauses.{self.clause_id}.tiers", "must be a list of tiers")]
            )
        cap = self.env.get("cap")
        floor = self.env.get("floor")
        boundary = self.env.get("boundary")
        return tier_fee(
            x,
            tiers,
            cap=None if cap is None else _dec(cap, "cap"),
            floor=None if floor is None else _dec(floor, "floor"),
            boundary=boundary if isinstance(boundary, str) else None,
            clause_id=self.clause_id,
        )


def evaluate(src: str, env: Mapping[str, Any], *, clause_id: str = "monitoring_fees") -> Decimal:
    """Evaluate ``src`` over ``env`` (clause variables and event fields) in Decimal arithmetic."""
    tree = _parse(src)
    try:
        return _Evaluator(src, env, clause_id).eval(tree.body)
    except (InvalidOperation, DivisionByZero) as exc:
        raise FormulaError(
            [
                Problem(
                    f"clauses.{clause_id}",
                    f"formula {src!r}: arithmetic error {type(exc).__name__}",
                )
            ]
        ) from None
