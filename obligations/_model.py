"""The obligation engine's values: frozen, validated at construction, losslessly JSON-able.

Every class here is immutable (``attrs`` frozen, keyword-only); lifecycle moves and rules build
new objects with :func:`attrs.evolve`. Timestamps must be timezone-aware (a naive datetime is a
bug at the edge, so it is refused here rather than silently localised) and are normalised to UTC.
``to_dict``/``from_dict`` give a complete JSON round trip: the audit log stores obligations as
before/after snapshots and state is rebuilt from them, so nothing may be lost on the way.
"""

from __future__ import annotations

import hashlib
import operator
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import repeat
from typing import Any

import attrs

from clauses import EVENT_FIELDS, InputError, ObligationKind, canonical_json
from clauses._vocabulary import FieldType

from ._enums import FINAL, AgreementStatus, EvidenceState, LegalState, Timing

#: how close to the end of the due day an open obligation counts as due soon
DUE_SOON = timedelta(days=7)

#: ISO 4217 minor units that differ from the usual two decimal places
_MINOR_UNITS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "UGX": 0,
    "PYG": 0,
    "XOF": 0,
    "XAF": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
    "IQD": 3,
    "LYD": 3,
}


def minor_units(currency: str) -> int:
    """Decimal places of the currency's minor unit (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


#: the largest amount of money the engine holds (a quadrillion in any currency); each amount a
#: person gives is at most 10**12 (``clauses._numbers``), so only a sum or a product reaches it
LARGEST_AMOUNT = Decimal(10) ** 15


def quantize(value: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit, the way a payment would be made.

    An amount past :data:`LARGEST_AMOUNT` (a quantity times a rate, a sum of payments) is an
    input error rather than a ``decimal.InvalidOperation`` deep in a rule.
    """
    if not value.is_finite() or (value and value.adjusted() >= LARGEST_AMOUNT.adjusted()):
        raise InputError.single(
            "amount",
            f"an amount of {value:.6E} {currency} is more than this engine holds (at most "
            f"{LARGEST_AMOUNT:,.0f}); check the quantities and amounts recorded",
        )
    return value.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding="ROUND_HALF_UP")


# -- validators / converters -----------------------------------------------------------------


def _aware_utc(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()} has no UTC offset; naive datetimes are refused")
    return value.astimezone(UTC)


def _decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money and quantities are Decimal, never float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _currency(value: str) -> str:
    if not (isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return value


def _date(value: date | str) -> date:
    if isinstance(value, datetime):
        raise TypeError("expected a date, got a datetime")
    return value if isinstance(value, date) else date.fromisoformat(value)


def _opt_aware_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _aware_utc(value)


def _opt_date(value: date | str | None) -> date | None:
    return None if value is None else _date(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def in_force_window(kind: str, due: str, period_end: str | None) -> dict[str, str | None] | None:
    """The JSON view's ``in_force``: a prohibition's ``due`` is the day it takes effect, not a
    deadline, so its window is shown beside it — from ``due`` until its last day
    (``period_end``; None while it runs until an event ends it). None for any other kind."""
    return {"from": due, "until": period_end} if kind == "prohibition" else None


def _mapping(value: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(value or {})


def _flags(value: Any) -> frozenset[str]:
    return frozenset(str(getattr(f, "value", f)) for f in (value or ()))


# -- Money -------------------------------------------------------------------------------------


@attrs.define(kw_only=True, frozen=True)
class Money:
    """An amount in one currency; the value is kept at the currency's minor unit."""

    value: Decimal = attrs.field(converter=_decimal)
    currency: str = attrs.field(converter=_currency)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "value", quantize(self.value, self.currency))

    def to_json(self) -> dict[str, str]:
        return {"value": str(self.value), "currency": self.currency}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Money:
        return cls(value=Decimal(str(data["value"])), currency=str(data["currency"]))

    def __str__(self) -> str:
        return f"{self.value} {self.currency}"

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(value=self.value + other.value, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(value=self.value - other.value, currency=self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")


# -- TrackedAgreement --------------------------------------------------------------------------


@attrs.define(kw_only=True, frozen=True)
class TrackedAgreement:
    """An executed agreement under tracking; ``record_json`` is the agreement record as given.

    ``terminated_on``/``termination_reason`` are set when the agreement is ended early (None and
    ``''`` otherwise): the end date decides which later facts still belong to the agreement and
    what it leaves open, so it lives on the agreement rather than only in the audit log.
    """

    id: str
    title: str
    timezone: str
    currency: str = attrs.field(converter=_currency)
    signed_on: date = attrs.field(converter=_date)
    effective_date: date = attrs.field(converter=_date)
    term_end: date = attrs.field(converter=_date)
    status: AgreementStatus = attrs.field(converter=AgreementStatus)
    record_json: str
    created_at: datetime = attrs.field(converter=_aware_utc)
    terminated_on: date | None = attrs.field(default=None, converter=_opt_date)
    termination_reason: str = ""
    #: the earliest instant at which the time step could change this agreement, as the last
    #: write computed it (None: unknown, so every read steps it). Kept by the store only: not
    #: part of equality, of :meth:`to_dict` nor of the audit log (see ``obligations._wake``)
    wake_at: datetime | None = attrs.field(default=None, converter=_opt_aware_utc, eq=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "timezone": self.timezone,
            "currency": self.currency,
            "signed_on": self.signed_on.isoformat(),
            "effective_date": self.effective_date.isoformat(),
            "term_end": self.term_end.isoformat(),
            "status": self.status.value,
            "record_json": self.record_json,
            "created_at": self.created_at.isoformat(),
            "terminated_on": _iso(self.terminated_on),
            "termination_reason": self.termination_reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrackedAgreement:
        return cls(
            id=data["id"],
            title=data["title"],
            timezone=data["timezone"],
            currency=data["currency"],
            signed_on=data["signed_on"],
            effective_date=data["effective_date"],
            term_end=data["term_end"],
            status=data["status"],
            record_json=data["record_json"],
            created_at=datetime.fromisoformat(data["created_at"]),
            # absent from snapshots written before agreements carried their termination
            terminated_on=data.get("terminated_on"),
            termination_reason=data.get("termination_reason", ""),
        )

    def view(self) -> dict[str, Any]:
        """The summary a listing shows (everything but the record itself)."""
        d = self.to_dict()
        d.pop("record_json")
        return d


# -- Obligation --------------------------------------------------------------------------------

_new = object.__new__
_set = object.__setattr__


def obligation_id(agreement_id: str, spec_id: str, subject: str | None, key: str) -> str:
    """Deterministic id, so compiling or replaying the same facts never duplicates an instance."""
    raw = f"{agreement_id}|{spec_id}|{subject or ''}|{key}".encode()
    return "ob-" + hashlib.sha256(raw).hexdigest()[:16]


@attrs.define(kw_only=True, frozen=True)
class Obligation:
    """One instance of an obligation spec: who owes what to whom, by when, and where it stands."""

    id: str
    agreement_id: str
    clause_id: str
    clause_version: str
    spec_id: str
    section: str
    title: str
    kind: ObligationKind = attrs.field(converter=ObligationKind)
    obligor: str
    beneficiary: str
    subject: str | None = None
    key: str
    period_start: date | None = attrs.field(default=None, converter=_opt_date)
    period_end: date | None = attrs.field(default=None, converter=_opt_date)
    due: date = attrs.field(converter=_date)
    due_at: datetime = attrs.field(converter=_aware_utc)
    state: LegalState = attrs.field(converter=LegalState)
    amount: Money | None = None
    paid: Decimal = attrs.field(default=Decimal(0), converter=_decimal)
    flags: frozenset[str] = attrs.field(factory=frozenset, converter=_flags)
    evidence: EvidenceState = attrs.field(default=EvidenceState.NONE, converter=EvidenceState)
    fulfilled_on: date | None = attrs.field(default=None, converter=_opt_date)
    late: bool = False
    kpi: bool = False
    surviving: bool = False
    trigger_event_id: str | None = None
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_mapping)
    created_at: datetime = attrs.field(converter=_aware_utc)
    updated_at: datetime = attrs.field(converter=_aware_utc)

    @classmethod
    def from_fields(cls, rows: Iterable[Sequence[Any]]) -> list[Obligation]:
        """Obligations from each one's field values in declaration order, no converters run.

        For the store's read path only: what it reads back was validated when it was written,
        and each value arrives in its final form (aware UTC datetimes, dates, enum members,
        Decimal, Money, a frozenset, a fresh dict), so running the validators again would cost
        more per row than the database does. Anything else goes through ``__init__``;
        ``tests/obligations/test_fast_paths.py`` checks that both ways give equal objects.
        """
        new, slots, width, call = _new, _OB_SLOTS, len(_OB_SLOTS), operator.call
        out: list[Obligation] = []
        for values in rows:
            if len(values) != width:
                raise ValueError(f"an Obligation has {width} fields, got {len(values)} values")
            self = new(cls)
            # each slot's own setter, as attrs' __init__ does past the frozen __setattr__
            deque(map(call, slots, repeat(self), values), 0)
            out.append(self)
        return out

    def evolved(self, **changes: Any) -> Obligation:
        """``attrs.evolve(self, **changes)``, converting only the changed fields.

        The other fields already hold converted values (the converters are idempotent), so
        running them again only costs time; lifecycle moves make one of these per obligation,
        ten thousand when a large agreement is tracked. ``data`` is always copied, as
        ``evolve`` would, so the two objects never share a mutable mapping.
        """
        converters = _OB_CONVERTERS
        for name, value in changes.items():
            if name not in converters:
                raise TypeError(f"Obligation has no field {name!r}")
            convert = converters[name]
            if convert is not None:
                changes[name] = convert(value)
        if "data" not in changes:
            changes["data"] = dict(self.data)
        return Obligation.from_fields(
            [[changes[n] if n in changes else getattr(self, n) for n in _OB_NAMES]]
        )[0]

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    @property
    def outstanding(self) -> Decimal | None:
        """What remains to be paid, for payment obligations with an amount."""
        return None if self.amount is None else self.amount.value - self.paid

    def timing(self, now: datetime) -> Timing | None:
        """Upcoming / due soon / overdue at ``now``; None once the obligation is final.

        Also None for a prohibition from its due date on: a duty not to do something (stop
        buying from a suspended supplier) is not performed by a date — from then on it is
        simply in force, and only a breach flag says it was broken. Calling it "overdue"
        would tell monitoring staff that the buyer missed something it did not.
        """
        if self.state in FINAL:
            return None
        now = _aware_utc(now)
        if now >= self.due_at:
            return None if self.kind == "prohibition" else Timing.OVERDUE
        if self.due_at - now <= DUE_SOON:
            return Timing.DUE_SOON
        return Timing.UPCOMING

    def _paid_str(self) -> str:
        cur = self.amount.currency if self.amount else "USD"
        return str(quantize(self.paid, cur))

    def to_view(self, now: datetime) -> dict[str, Any]:
        """One element of ``wsr obligations --json`` (the CLI contract)."""
        timing = self.timing(now)
        return {
            "id": self.id,
            "agreement_id": self.agreement_id,
            "clause_id": self.clause_id,
            "clause_version": self.clause_version,
            "spec_id": self.spec_id,
            "title": self.title,
            "obligor": self.obligor,
            "beneficiary": self.beneficiary,
            "subject": self.subject,
            "due": self.due.isoformat(),
            "state": self.state.value,
            "timing": None if timing is None else timing.value,
            "flags": sorted(self.flags),
            "amount": None if self.amount is None else self.amount.to_json(),
            "paid": self._paid_str(),
            "late": self.late,
            "evidence": self.evidence.value,
            "section": self.section,
            "period_start": _iso(self.period_start),
            "period_end": _iso(self.period_end),
            # what a confirmed breach made available (obligations._powers)
            "powers": [dict(p) for p in self.data.get("available_powers", ())],
            # added after the first contract: what kind of duty, and a prohibition's window
            "kind": self.kind.value,
            "in_force": in_force_window(self.kind, self.due.isoformat(), _iso(self.period_end)),
        }

    def to_dict(self) -> dict[str, Any]:
        """Complete JSON form (the audit log's before/after)."""
        return {
            "id": self.id,
            "agreement_id": self.agreement_id,
            "clause_id": self.clause_id,
            "clause_version": self.clause_version,
            "spec_id": self.spec_id,
            "section": self.section,
            "title": self.title,
            "kind": self.kind,
            "obligor": self.obligor,
            "beneficiary": self.beneficiary,
            "subject": self.subject,
            "key": self.key,
            "period_start": _iso(self.period_start),
            "period_end": _iso(self.period_end),
            "due": self.due.isoformat(),
            "due_at": self.due_at.isoformat(),
            "state": self.state.value,
            "amount": None if self.amount is None else self.amount.to_json(),
            "paid": str(self.paid),
            "flags": sorted(self.flags),
            "evidence": self.evidence.value,
            "fulfilled_on": _iso(self.fulfilled_on),
            "late": self.late,
            "kpi": self.kpi,
            "surviving": self.surviving,
            "trigger_event_id": self.trigger_event_id,
            "data": dict(self.data),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Obligation:
        return cls(
            id=d["id"],
            agreement_id=d["agreement_id"],
            clause_id=d["clause_id"],
            clause_version=d["clause_version"],
            spec_id=d["spec_id"],
            section=d["section"],
            title=d["title"],
            kind=d["kind"],
            obligor=d["obligor"],
            beneficiary=d["beneficiary"],
            subject=d.get("subject"),
            key=d["key"],
            period_start=d.get("period_start"),
            period_end=d.get("period_end"),
            due=d["due"],
            due_at=datetime.fromisoformat(d["due_at"]),
            state=d["state"],
            amount=None if d.get("amount") is None else Money.from_json(d["amount"]),
            paid=Decimal(str(d.get("paid", "0"))),
            flags=frozenset(d.get("flags", ())),
            evidence=d.get("evidence", "none"),
            fulfilled_on=d.get("fulfilled_on"),
            late=bool(d.get("late", False)),
            kpi=bool(d.get("kpi", False)),
            surviving=bool(d.get("surviving", False)),
            trigger_event_id=d.get("trigger_event_id"),
            data=dict(d.get("data") or {}),
            created_at=datetime.fromisoformat(d["created_at"]),
            updated_at=datetime.fromisoformat(d["updated_at"]),
        )


#: the fields in declaration order, and each one's converter (None: taken as given)
_OB_NAMES = tuple(f.name for f in attrs.fields(Obligation))
_OB_CONVERTERS: dict[str, Any] = {f.name: f.converter for f in attrs.fields(Obligation)}
#: each field's slot setter in declaration order, for :meth:`Obligation.from_fields`
_OB_SLOTS: tuple[Callable[[Obligation, Any], None], ...] = tuple(
    getattr(Obligation, f.name).__set__ for f in attrs.fields(Obligation)
)


# -- Event -------------------------------------------------------------------------------------


def payload_to_json(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Typed event payload → JSON values (Decimal → str, date → ISO, Money → {value, currency})."""

    def conv(v: Any) -> Any:
        if isinstance(v, Money):
            return v.to_json()
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, Mapping):
            return {str(k): conv(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [conv(x) for x in v]
        return v

    return {k: conv(v) for k, v in payload.items()}


def _items_from_json(v: Any) -> Any:
    return [{"text": i["text"], "due": _opt_date(i.get("due"))} for i in v]


#: how each event field type comes back from JSON (what is not here stays as stored)
_DECODERS: dict[str, Callable[[Any], Any]] = {
    FieldType.DECIMAL.value: lambda v: Decimal(str(v)),
    FieldType.MONEY.value: Money.from_json,
    FieldType.DATE.value: date.fromisoformat,
    FieldType.INTEGER.value: int,
    FieldType.ITEMS.value: _items_from_json,
    FieldType.PAYROLL_LINES.value: lambda v: [_payroll_line(i) for i in v],
}


def payload_from_json(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`payload_to_json`, typed by the event registry."""
    types = EVENT_FIELDS.get(event_type, {})
    out: dict[str, Any] = {}
    for k, v in data.items():
        decode = _DECODERS.get(types.get(k, "text"))
        out[k] = v if v is None or decode is None else decode(v)
    return out


def _payroll_line(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One payroll line of a ``payroll_recorded`` payload, typed (see ``obligations._ledgers``)."""
    premium = raw.get("premium")
    return {
        "worker_ref": str(raw["worker_ref"]),
        "period_start": _date(raw["period_start"]),
        "period_end": _date(raw["period_end"]),
        "pay_date": _date(raw["pay_date"]),
        "earnings": Decimal(str(raw["earnings"])),
        "premium": None if premium is None else Decimal(str(premium)),
    }


def event_id(
    agreement_id: str, type: str, occurred_on: date, payload: Mapping[str, Any], sequence: int
) -> str:
    """Deterministic event id; the store gives ``sequence`` so identical repeats stay distinct."""
    raw = canonical_json(
        [agreement_id, type, occurred_on.isoformat(), payload_to_json(payload), sequence]
    ).encode()
    return "ev-" + hashlib.sha256(raw).hexdigest()[:16]


@attrs.define(kw_only=True, frozen=True)
class Event:
    """A validated incoming event. ``id`` is None until the store has given it a sequence."""

    id: str | None = None
    agreement_id: str
    type: str
    occurred_at: datetime = attrs.field(converter=_aware_utc)
    occurred_on: date = attrs.field(converter=_date)
    payload: Mapping[str, Any] = attrs.field(factory=dict, converter=_mapping)
    recorded_at: datetime = attrs.field(converter=_aware_utc)

    def with_sequence(self, sequence: int) -> Event:
        """The event with its deterministic id for the store's sequence number."""
        return attrs.evolve(
            self,
            id=event_id(self.agreement_id, self.type, self.occurred_on, self.payload, sequence),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agreement_id": self.agreement_id,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "occurred_on": self.occurred_on.isoformat(),
            "payload": payload_to_json(self.payload),
            "recorded_at": self.recorded_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Event:
        return cls(
            id=d.get("id"),
            agreement_id=d["agreement_id"],
            type=d["type"],
            occurred_at=datetime.fromisoformat(d["occurred_at"]),
            occurred_on=d["occurred_on"],
            payload=payload_from_json(d["type"], d.get("payload") or {}),
            recorded_at=datetime.fromisoformat(d["recorded_at"]),
        )


# -- AuditEntry --------------------------------------------------------------------------------


@attrs.define(kw_only=True, frozen=True)
class AuditEntry:
    """One line of the append-only, hash-chained log: who did what, when, why, before → after.

    The store assigns ``seq``, ``prev_hash``, ``hash``, ``recorded_at`` and ``mac``
    (:func:`obligations._audit.link_texts`). ``at`` is the business time the change was made at
    (``--now``, what replays need); ``recorded_at`` is the wall-clock time the store appended it,
    from the store's clock, which no option sets; ``mac`` is the keyed signature of the entry's
    place and hash (None in a chain written before the store had a key).
    """

    seq: int | None = None
    agreement_id: str
    obligation_id: str | None = None
    at: datetime = attrs.field(converter=_aware_utc)
    actor: str
    action: str
    reason: str = ""
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    prev_hash: str | None = None
    hash: str | None = None
    recorded_at: datetime | None = attrs.field(default=None, converter=_opt_aware_utc)
    mac: str | None = None

    def hashed_body(self, *, legacy: bool = False) -> dict[str, Any]:
        """What the chain hash covers: everything except ``seq``, ``hash`` and ``mac``.

        ``legacy`` leaves out ``recorded_at``, which entries written before migration 0003_audit
        did not have (their hash does not cover the time the migration filled in).
        """
        body = {
            "agreement_id": self.agreement_id,
            "obligation_id": self.obligation_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "reason": self.reason,
            "before": None if self.before is None else dict(self.before),
            "after": None if self.after is None else dict(self.after),
            "prev_hash": self.prev_hash,
        }
        if not legacy:
            body["recorded_at"] = None if self.recorded_at is None else self.recorded_at.isoformat()
        return body

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, **self.hashed_body(), "hash": self.hash, "mac": self.mac}

    def chained(
        self,
        *,
        seq: int,
        prev_hash: str,
        hash: str,
        recorded_at: datetime | None = None,
        mac: str | None = None,
    ) -> AuditEntry:
        """This entry with its place in the chain; what :func:`obligations._audit.link` makes.

        The same as ``attrs.evolve(self, seq=…, prev_hash=…, hash=…)`` without running the
        converters again over fields this (already validated) entry holds: appending the
        audit of a large agreement chains tens of thousands of entries.
        """
        other = _new(AuditEntry)
        for name in _AUDIT_KEPT:
            _set(other, name, getattr(self, name))
        _set(other, "seq", seq)
        _set(other, "prev_hash", prev_hash)
        _set(other, "hash", hash)
        _set(other, "recorded_at", recorded_at)
        _set(other, "mac", mac)
        return other

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AuditEntry:
        return cls(
            seq=d.get("seq"),
            agreement_id=d["agreement_id"],
            obligation_id=d.get("obligation_id"),
            at=datetime.fromisoformat(d["at"]),
            actor=d["actor"],
            action=d["action"],
            reason=d.get("reason", ""),
            before=d.get("before"),
            after=d.get("after"),
            prev_hash=d.get("prev_hash"),
            hash=d.get("hash"),
            recorded_at=None
            if d.get("recorded_at") is None
            else datetime.fromisoformat(d["recorded_at"]),
            mac=d.get("mac"),
        )


#: the fields `AuditEntry.chained` copies (every field but the ones it sets)
_AUDIT_KEPT = tuple(
    f.name
    for f in attrs.fields(AuditEntry)
    if f.name not in ("seq", "prev_hash", "hash", "recorded_at", "mac")
)


# -- EvidenceRef -------------------------------------------------------------------------------


@attrs.define(kw_only=True, frozen=True)
class EvidenceRef:
    """A stored piece of evidence, addressed by the sha256 of its content."""

    sha256: str
    filename: str
    size: int
    obligation_id: str
    submitted_at: datetime = attrs.field(converter=_aware_utc)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "filename": self.filename,
            "size": self.size,
            "obligation_id": self.obligation_id,
            "submitted_at": self.submitted_at.isoformat(),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EvidenceRef:
        return cls(
            sha256=d["sha256"],
            filename=d["filename"],
            size=int(d["size"]),
            obligation_id=d["obligation_id"],
            submitted_at=datetime.fromisoformat(d["submitted_at"]),
            note=d.get("note", ""),
        )
