"""Row ⇄ value mappings of the SQL store, generated once from the models' fields.

Each model field maps to the table column of the same name, taken as it is, unless
:data:`OBLIGATION_CODECS` says how it is stored (an enum as its value, Money as two columns,
JSON text, ``''`` for no subject). From that the module writes — once, at import, the way
``attrs`` writes ``__init__`` — the function that turns an obligation into a row and the one
that turns rows into field tuples for :meth:`Obligation.from_fields`, both as straight-line
code with no per-field loop, because they run for every row a listing reads or a track writes.
Adding a field to the model means adding its column to the table (and a migration); if it
needs more than "as it is", one codec entry here. The import fails if the model's fields and
the table's columns disagree.

The tables' column lists are spelled here as plain names (:data:`OBLIGATIONS_TABLE`,
:data:`AGREEMENTS_TABLE`) so that the DBAPI read path (:mod:`obligations.stores._fastread`)
decodes rows with the same generated code without importing SQLAlchemy; the SQL store refuses
to import if they differ from its ``Table`` objects (``_sqltables``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from clauses import ObligationKind, canonical_json

from .._enums import AgreementStatus, EvidenceState, LegalState
from .._model import Money, Obligation, TrackedAgreement


@attrs.define(frozen=True)
class TableColumns:
    """A table's name and its column names in the table's order (a SQLAlchemy ``Table``
    has the same two attributes, so either can be mapped)."""

    name: str
    columns: tuple[str, ...]


#: the obligations table's columns, in order (checked against ``_sqltables.obligations``)
OBLIGATIONS_TABLE = TableColumns(
    "obligations",
    (
        "id", "agreement_id", "clause_id", "clause_version", "spec_id", "section", "title",
        "kind", "obligor", "beneficiary", "subject", "key", "period_start", "period_end", "due",
        "due_at", "state", "amount_value", "amount_currency", "paid", "flags", "evidence",
        "fulfilled_on", "late", "kpi", "surviving", "trigger_event_id", "data", "created_at",
        "updated_at",
    ),
)  # fmt: skip
#: the agreements table's columns, in order (checked against ``_sqltables.agreements``)
AGREEMENTS_TABLE = TableColumns(
    "agreements",
    (
        "id", "title", "timezone", "currency", "signed_on", "effective_date", "term_end",
        "status", "record_json", "created_at", "terminated_on", "termination_reason",
        "wake_at",
    ),
)  # fmt: skip


@attrs.define(frozen=True)
class Codec:
    """How one model field is stored: its columns, and Python expressions that encode the
    field's value ``$v`` into each column and decode the columns (``$c0``, ``$c1``, … in
    order) back into the field's value. The names the expressions use are in :data:`_NAMES`."""

    columns: tuple[str, ...]
    encode: tuple[str, ...]
    decode: str


OBLIGATION_CODECS: Mapping[str, Codec] = {
    # '' rather than NULL, so that the natural-key unique index also holds without a subject
    "subject": Codec(("subject",), ("$v or ''",), "$c0 or None"),
    "state": Codec(("state",), ("$v.value",), "STATES[$c0]"),
    "kind": Codec(("kind",), ("str($v)",), "KINDS[$c0]"),
    "amount": Codec(
        ("amount_value", "amount_currency"),
        ("None if $v is None else str($v.value)", "None if $v is None else $v.currency"),
        "None if $c0 is None else money($c0, $c1)",
    ),
    "paid": Codec(("paid",), ("str($v)",), "decimal($c0)"),
    # most rows carry no flags and no extras: skip the JSON codec for those (the empty frozenset
    # is immutable so shared; each row gets its own, mutable, dict)
    "flags": Codec(
        ("flags",),
        ("dumps(sorted($v)) if $v else '[]'",),
        "NO_FLAGS if $c0 == '[]' else frozenset(loads($c0))",
    ),
    "evidence": Codec(("evidence",), ("$v.value",), "EVIDENCE[$c0]"),
    "data": Codec(
        ("data",), ("dumps(dict($v)) if $v else '{}'",), "{} if $c0 == '{}' else load_object($c0)"
    ),
}

AGREEMENT_CODECS: Mapping[str, Codec] = {
    "status": Codec(("status",), ("$v.value",), "AGREEMENT_STATUS[$c0]"),
}


@functools.lru_cache(maxsize=4096)
def _money(value: str, currency: str) -> Money:
    # Money is frozen, and listings repeat the same few amounts: build each one once.
    return Money(value=Decimal(value), currency=currency)


@functools.lru_cache(maxsize=4096)
def _decimal(value: str) -> Decimal:
    # Decimal is immutable and most rows hold one of a few amounts (often "0")
    return Decimal(value)


def _load_object(text: str) -> dict[str, Any]:
    # a damaged row ("NaN", "[]") must fail here, where the store names it, not in a rule
    value = json.loads(text)
    if type(value) is not dict:
        raise ValueError(f"stored data {text[:40]!r} is not a JSON object")
    return value


_NAMES: dict[str, Any] = {
    "STATES": {s.value: s for s in LegalState},
    "EVIDENCE": {e.value: e for e in EvidenceState},
    "KINDS": {k.value: k for k in ObligationKind},
    "AGREEMENT_STATUS": {s.value: s for s in AgreementStatus},
    "NO_FLAGS": frozenset(),
    "money": _money,
    "decimal": _decimal,
    "dumps": canonical_json,
    "loads": json.loads,
    "load_object": _load_object,
}


def _identity(name: str) -> Codec:
    return Codec((name,), ("$v",), "$c0")


@attrs.define(frozen=True)
class RowMap:
    """The generated mapping for one model and its table."""

    columns: tuple[str, ...]
    to_row: Callable[[Any], dict[str, Any]]
    fields_from_rows: Callable[[Iterable[Sequence[Any]]], Iterator[tuple[Any, ...]]]


def row_map(model: type, table: Any, codecs: Mapping[str, Codec]) -> RowMap:
    """Write the row functions of ``model`` over ``table`` (see the module docstring)."""
    fields = [f.name for f in attrs.fields(model)]
    unknown = set(codecs) - set(fields)
    if unknown:
        raise TypeError(f"codecs for fields {model.__name__} does not have: {sorted(unknown)}")
    plan = [(name, codecs.get(name) or _identity(name)) for name in fields]
    mapped = [c for _, codec in plan for c in codec.columns]
    columns = tuple(getattr(c, "name", c) for c in table.columns)  # a Table's, or names
    if sorted(mapped) != sorted(columns) or len(set(mapped)) != len(mapped):
        raise TypeError(
            f"{model.__name__} fields map to columns {sorted(mapped)} but table {table.name} "
            f"has {sorted(columns)}"
        )
    position = {c: i for i, c in enumerate(columns)}
    # encode: one dict display, each column from its field's value
    items = []
    for name, codec in plan:
        for column, expr in zip(codec.columns, codec.encode, strict=True):
            items.append(f"{column!r}: (" + expr.replace("$v", f"ob.{name}") + ")")
    encode_src = "def to_row(ob):\n    return {" + ", ".join(items) + "}\n"
    # decode: unpack the row positionally, one expression per field in declaration order
    cols = [f"r{i}" for i in range(len(columns))]
    exprs = []
    for _, codec in plan:
        expr = codec.decode
        for k, column in enumerate(codec.columns):
            expr = expr.replace(f"$c{k}", f"r{position[column]}")
        exprs.append(expr)
    decode_src = (
        "def fields_from_rows(rows):\n"
        "    for row in rows:\n"
        f"        ({', '.join(cols)},) = row\n"
        f"        yield ({', '.join(exprs)},)\n"
    )
    namespace: dict[str, Any] = dict(_NAMES)
    exec(compile(encode_src + decode_src, f"<row map of {model.__name__}>", "exec"), namespace)
    return RowMap(
        columns=columns,
        to_row=namespace["to_row"],
        fields_from_rows=namespace["fields_from_rows"],
    )


#: the obligations table's mapping (``to_row`` for inserts and updates, ``fields_from_rows``
#: for :meth:`Obligation.from_fields`)
OBLIGATION_ROWS = row_map(Obligation, OBLIGATIONS_TABLE, OBLIGATION_CODECS)
#: the agreements table's mapping
AGREEMENT_ROWS = row_map(TrackedAgreement, AGREEMENTS_TABLE, AGREEMENT_CODECS)
