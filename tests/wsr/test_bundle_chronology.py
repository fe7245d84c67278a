"""The bundle's chronology in the DOCX: one paragraph per entry (LibreOffice lays out a long
table too slowly for a 10,000-entry chronology), saying the same words in the same order as
the table's cells did — number, date, kind, what; then the detail; then who."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs
import pytest

from obligations._db import make_engine, upgrade
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from tests.wsr.bundle_seed import NOW, seed
from wsr._bundle import load_bundle
from wsr._bundle_files import _docx, _local, _place


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("chronology")
    url = f"sqlite:///{tmp / 'wsr.db'}"
    upgrade(url)
    store = SqlAlchemyObligationStore(make_engine(url))
    try:
        seeded = seed(store, tmp)
        return load_bundle(store, seeded.agreement_id, now=NOW)
    finally:
        store.engine.dispose()


def _expected(bundle) -> list[str]:
    """What each line says: the cells of the table the chronology used to be, in order."""
    lines = ["#\tDate\tKind\tWhat\nDetail\nBy"]
    for i, e in enumerate(bundle.chronology, 1):
        what = e.what + (f" [{e.obligation_id}]" if e.obligation_id else "")
        text = f"{i}\t{_local(bundle, e.at)}\t{e.kind}\t{what}"
        lines.append(text + "".join(f"\n{more}" for more in (e.detail, e.actor) if more))
    return lines


def _chronology(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Chronology line"]


def test_each_entry_is_one_paragraph_saying_what_its_row_said(bundle):
    placed = [_place(ex)[0] for ex in bundle.exhibits]
    doc = _docx(bundle, placed)
    assert len(bundle.chronology) > 20
    assert _chronology(doc) == _expected(bundle)
    header = next(p for p in doc.paragraphs if p.style.name == "Chronology line")
    assert all(run.bold for run in header.runs)
    # and no table carries the chronology any more
    firsts = [[c.text for c in t.rows[0].cells] for t in doc.tables if t.rows]
    assert ["#", "Date", "Kind", "What", "Detail", "By"] not in firsts


def test_a_long_chronology_keeps_every_entry_in_order(bundle):
    many = tuple(
        attrs.evolve(e, at=e.at + timedelta(minutes=n))
        for n, e in enumerate(bundle.chronology * 60)
    )
    big = attrs.evolve(bundle, chronology=many)
    lines = _chronology(_docx(big, []))
    assert len(lines) == len(many) + 1
    assert lines == _expected(big)
