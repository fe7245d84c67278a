"""The hash chain: stores link entries with chain_hash; verify_chain finds edits and deletions."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs

from obligations import GENESIS, AuditEntry, chain_hash, verify_chain
from obligations._audit import link

T0 = datetime(2026, 1, 5, 15, tzinfo=UTC)


def entries(n: int) -> list[AuditEntry]:
    return [
        AuditEntry(agreement_id="agr-1", at=T0, actor="cli", action=f"a{i}", after={"i": i})
        for i in range(n)
    ]


def test_link_numbers_and_chains():
    chained = link(entries(3), last=None)
    assert [e.seq for e in chained] == [1, 2, 3]
    assert chained[0].prev_hash == GENESIS
    assert chained[1].prev_hash == chained[0].hash
    assert chained[1].hash == chain_hash(chained[0].hash, chained[1])
    more = link(entries(2), last=chained[-1])
    assert [e.seq for e in more] == [4, 5] and more[0].prev_hash == chained[-1].hash
    assert verify_chain(chained + more) == []


def test_an_edited_entry_is_detected():
    chained = link(entries(3), last=None)
    chained[1] = attrs.evolve(chained[1], reason="quietly changed")
    problems = verify_chain(chained)
    assert [str(p) for p in problems] == [
        "audit.2: hash does not match the content: the entry was edited"
    ]


def test_a_deleted_entry_is_detected():
    chained = link(entries(4), last=None)
    del chained[2]
    messages = [str(p) for p in verify_chain(chained)]
    assert "audit.4: seq jumps from 2 to 4: an entry was removed" in messages
    assert "audit.4: prev_hash does not match the previous entry: the chain was broken" in messages


def test_deleting_the_first_entry_is_detected():
    chained = link(entries(2), last=None)
    assert verify_chain(chained[1:])


def test_unchained_entries_are_reported():
    assert [p.message for p in verify_chain(entries(1))] == [
        "entry was never chained (no seq or hash)"
    ]


def test_a_chain_may_start_from_none():
    first = attrs.evolve(entries(1)[0], seq=1, prev_hash=None)
    first = attrs.evolve(first, hash=chain_hash(None, first))
    assert verify_chain([first]) == []
