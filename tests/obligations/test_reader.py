"""The one-pass reader (``obligations.stores._reader``) gives exactly what validating gives.

For random obligations built through the validating constructor (flags, money in currencies of
0, 2 and 3 decimals, payments, every optional field set or not), the row the store writes is
turned into the driver's form (SQLite's texts and integers, psycopg's dates and zoned
datetimes) and read back: the values must equal the originals field by field, with the same
types and printed forms, and equal what the three-pass path (``_converter`` →
``OBLIGATION_ROWS`` → ``Obligation.from_fields``) gives. ``test_fastread.py`` reads real
SQLite and PostgreSQL rows through the same reader and compares them with the SQL store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clauses import InputError, ObligationKind, canonical_json
from obligations import EvidenceState, LegalState, Money, Obligation
from obligations.stores import _fastread
from obligations.stores._reader import stored_money, write_reader
from obligations.stores._rowmap import (
    _NAMES,
    OBLIGATION_CODECS,
    OBLIGATION_ROWS,
    OBLIGATIONS_TABLE,
)

FIELDS = [f.name for f in attrs.fields(Obligation)]
COLUMNS = OBLIGATIONS_TABLE.columns
ZONES = [UTC, timezone(timedelta(hours=-5)), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]
CURRENCIES = ["USD", "EUR", "JPY", "BHD"]

words = st.text(alphabet="abcdefghij-_.0123456789", min_size=1, max_size=12)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
instants = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2100, 12, 30),
    timezones=st.sampled_from(ZONES),
)
amounts = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000000"), places=4, allow_nan=False
)
money = st.builds(lambda v, c: Money(value=v, currency=c), amounts, st.sampled_from(CURRENCIES))
json_values = st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=3))


@st.composite
def obligations(draw: Any) -> Obligation:
    """A random Obligation, through the validating constructor."""
    return Obligation(
        id=draw(words),
        agreement_id=draw(words),
        clause_id=draw(words),
        clause_version=draw(words),
        spec_id=draw(words),
        section=draw(words),
        title=draw(st.text(max_size=20)),
        kind=draw(st.sampled_from(list(ObligationKind))),
        obligor=draw(words),
        beneficiary=draw(words),
        subject=draw(st.none() | words),
        key=draw(words),
        period_start=draw(st.none() | days),
        period_end=draw(st.none() | days),
        due=draw(days),
        due_at=draw(instants),
        state=draw(st.sampled_from(list(LegalState))),
        amount=draw(st.none() | money),
        paid=draw(amounts),
        flags=draw(st.frozensets(st.sampled_from(["late", "partially_paid", "breach_suspected"]))),
        evidence=draw(st.sampled_from(list(EvidenceState))),
        fulfilled_on=draw(st.none() | days),
        late=draw(st.booleans()),
        kpi=draw(st.booleans()),
        surviving=draw(st.booleans()),
        trigger_event_id=draw(st.none() | words),
        data=draw(st.dictionaries(st.text(max_size=5), json_values, max_size=3)),
        created_at=draw(instants),
        updated_at=draw(instants),
    )


def _driver_row(ob: Obligation, dialect: str, zone: Any) -> tuple[Any, ...]:
    """The row as the driver hands it back: the store's encoding, then SQLite's storage forms
    (ISO dates, naive UTC text, 0/1) or psycopg's (dates, datetimes in the session's zone)."""
    row = OBLIGATION_ROWS.to_row(ob)
    out = []
    for column in COLUMNS:
        value = row[column]
        if value is not None and column in _fastread._INSTANTS:
            value = (
                value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
                if dialect == "sqlite"
                else value.astimezone(zone)
            )
        elif value is not None and dialect == "sqlite" and column in _fastread._DATES:
            value = value.isoformat()
        elif dialect == "sqlite" and column in _fastread._BOOLS:
            value = int(value)
        out.append(value)
    return tuple(out)


def _assert_same(fast: Obligation, slow: Obligation) -> None:
    """Equal field by field, of the same types, printing the same (a Decimal's exponent)."""
    for name in FIELDS:
        a, b = getattr(fast, name), getattr(slow, name)
        assert type(a) is type(b), name
        assert a == b, name
        if isinstance(a, Decimal | Money):
            assert str(a) == str(b), name
        if isinstance(a, datetime):
            assert a.tzinfo is UTC, name
    assert fast == slow
    assert canonical_json(fast.to_dict()) == canonical_json(slow.to_dict())


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@settings(max_examples=60, deadline=None)
@given(obs=st.lists(obligations(), min_size=1, max_size=4), zone=st.sampled_from(ZONES))
def test_reader_equals_the_validating_constructor(dialect, obs, zone):
    # every obligation twice, so the per-call memos are hit as well as filled
    rows = [_driver_row(ob, dialect, zone) for ob in obs + obs]
    read = _fastread._READ[dialect](rows)
    three_passes = Obligation.from_fields(
        OBLIGATION_ROWS.fields_from_rows([_fastread._CONVERT[dialect](r) for r in rows])
    )
    assert len(read) == len(rows)
    for fast, ob, old in zip(read, obs + obs, three_passes, strict=True):
        _assert_same(fast, ob)
        _assert_same(fast, old)
    # shared immutable values are fine; each row owns its own dict
    assert len({id(ob.data) for ob in read}) == len(read)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        read[0].paid = Decimal(1)  # type: ignore[misc]


def test_the_comparison_fails_on_an_obligation_missing_a_field(rich_obligation):
    # what a reader that left a slot unset would give: the comparison above cannot pass
    partial = object.__new__(Obligation)
    for name in FIELDS:
        if name != "paid":
            getattr(Obligation, name).__set__(partial, getattr(rich_obligation, name))
    with pytest.raises(AttributeError, match="paid"):
        _assert_same(partial, rich_obligation)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([n for n in FIELDS if n != "paid"], r"missing \['paid'\]"),
        ([*FIELDS, "colour"], r"unknown \['colour'\]"),
        ([*FIELDS, "paid"], "each of its fields once"),
    ],
    ids=["left-out", "unknown", "twice"],
)
def test_a_reader_must_set_every_field_once(fields, message):
    with pytest.raises(TypeError, match=message):
        write_reader(Obligation, fields, COLUMNS, OBLIGATION_CODECS, {}, names=_NAMES)


def test_a_reader_must_read_every_column():
    with pytest.raises(TypeError, match=r"read by no field"):
        write_reader(Obligation, FIELDS, (*COLUMNS, "extra"), OBLIGATION_CODECS, {}, names=_NAMES)


def test_a_damaged_row_raises_for_the_store_to_name(rich_obligation):
    row = list(_driver_row(rich_obligation, "sqlite", UTC))
    for column, bad, error in (
        ("state", "nonsense", KeyError),
        ("paid", "twelve", InvalidOperation),
        ("flags", "[", ValueError),
        ("data", "[]", ValueError),
    ):
        damaged = list(row)
        damaged[COLUMNS.index(column)] = bad
        with pytest.raises(error):
            _fastread._READ["sqlite"]([tuple(damaged)])
    with pytest.raises(ValueError):  # a row of the wrong width
        _fastread._READ["sqlite"]([tuple(row[:-1])])


# -- Money without its converters ---------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    value=st.one_of(
        amounts.map(str),
        st.decimals(allow_nan=False, allow_infinity=False).map(str),
        st.sampled_from(["12.3", "1E+2", "-0", "0.005", "0.0049", "999999999999999.994"]),
    ),
    currency=st.sampled_from(CURRENCIES),
)
def test_stored_money_equals_money(value, currency):
    try:
        slow = Money(value=Decimal(value), currency=currency)
    except (InputError, ArithmeticError) as exc:
        with pytest.raises(type(exc)):
            stored_money(value, currency)
        return
    for _ in range(2):  # the first of a currency goes through Money, later ones do not
        fast = stored_money(value, currency)
        assert fast == slow
        assert str(fast.value) == str(slow.value)  # the currency's exponent
        assert fast.to_json() == slow.to_json()


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1E+15", "1234567890123456"])
def test_stored_money_refuses_what_money_refuses(value):
    stored_money("1", "USD")  # the currency is known: the refusal is not only Money's first call
    with pytest.raises(InputError, match="more than this engine holds"):
        Money(value=Decimal(value), currency="USD")
    with pytest.raises(InputError, match="more than this engine holds"):
        stored_money(value, "USD")


def test_stored_money_checks_a_currency_it_has_not_seen():
    with pytest.raises(ValueError, match="ISO 4217"):
        stored_money("1.00", "usd")
    with pytest.raises(ValueError, match="ISO 4217"):
        stored_money("1.00", "usd")  # not remembered after a refusal


# -- PostgreSQL: the read connection's session zone -----------------------------------------------


@pytest.mark.postgres
def test_the_postgresql_read_asks_for_utc_unless_the_url_sets_options(
    pg_engine, make_agreement, make_obligation
):
    from obligations import open_fast
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
    from tests.obligations.conftest import _empty

    _empty(pg_engine)
    store = SqlAlchemyObligationStore(pg_engine)
    store.add_agreement(make_agreement())
    written = make_obligation(
        due_at=datetime(2026, 2, 12, 0, 30, tzinfo=timezone(timedelta(hours=-5)))
    )
    store.add_obligations([written])
    url = pg_engine.url.render_as_string(hide_password=False)
    assert "?" not in url
    tokyo = url + "?options=-c%20TimeZone%3DAsia/Tokyo"  # as libpq reads a URI (no "+")
    for asked, zone in ((url, b"UTC"), (tokyo, b"Asia/Tokyo")):
        fast = open_fast(asked)
        assert fast is not None
        try:
            assert fast.conn.pgconn.parameter_status(b"TimeZone") == zone
            (read,) = fast.find_obligations()
        finally:
            fast.close()
        _assert_same(read, written)  # aware UTC instants whatever the session's zone
