"""The store's row mappings are generated from the models' fields and refuse to disagree."""

from __future__ import annotations

import attrs
import pytest
from sqlalchemy import Column, MetaData, String, Table

from obligations import Obligation, TrackedAgreement
from obligations.stores._rowmap import (
    AGREEMENT_ROWS,
    OBLIGATION_CODECS,
    OBLIGATION_ROWS,
    row_map,
)
from obligations.stores._sqltables import obligations


def test_an_obligation_round_trips_through_its_row(rich_obligation, make_obligation):
    for ob in (rich_obligation, make_obligation(subject=None, key="once")):
        row = OBLIGATION_ROWS.to_row(ob)
        assert list(row) == list(OBLIGATION_ROWS.columns)
        values = [row[c] for c in OBLIGATION_ROWS.columns]
        [back] = Obligation.from_fields(OBLIGATION_ROWS.fields_from_rows([values]))
        assert back == ob and back.to_dict() == ob.to_dict()
    assert OBLIGATION_ROWS.to_row(make_obligation(subject=None))["subject"] == ""


def test_an_agreement_row_holds_every_field(make_agreement):
    a = make_agreement(terminated_on="2027-01-01", termination_reason="breach", status="terminated")
    row = AGREEMENT_ROWS.to_row(a)
    assert row["status"] == "terminated"
    assert TrackedAgreement(**row) == a
    assert set(row) == {f.name for f in attrs.fields(TrackedAgreement)}


def test_a_model_field_without_a_column_is_refused():
    narrow = Table(
        "obligations",
        MetaData(),
        *(Column(c.name, String) for c in obligations.columns if c.name != "kpi"),
    )
    with pytest.raises(TypeError, match="table obligations has"):
        row_map(Obligation, narrow, OBLIGATION_CODECS)
    with pytest.raises(TypeError, match="does not have"):
        row_map(TrackedAgreement, narrow, {"nope": OBLIGATION_CODECS["state"]})
