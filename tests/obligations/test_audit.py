"""The hash chain: stores link entries with chain_hash; verify_chain finds edits and deletions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from clauses import InputError
from obligations import (
    GENESIS,
    AuditEntry,
    AuditHead,
    chain_hash,
    make_checkpoint,
    parse_checkpoint,
    verify_chain,
    verify_checkpoint,
    verify_head,
)
from obligations._audit import entry_mac, link, signed_head

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


# -- keyed signatures, the head, checkpoints ----------------------------------------------------

KEY = bytes(range(32))


def test_link_with_a_key_signs_every_entry_and_verify_needs_the_same_key():
    chained = link(entries(3), last=None, recorded_at=T0, key=KEY)
    assert all(e.mac == entry_mac(KEY, e.seq, e.hash) for e in chained)
    assert all(e.recorded_at == T0 for e in chained)
    assert verify_chain(chained, key=KEY) == []
    other = bytes(32)
    assert [p.path for p in verify_chain(chained, key=other)] == ["audit.1", "audit.2", "audit.3"]


def test_a_rehashed_edit_keeps_the_chain_but_loses_the_signature():
    chained = link(entries(3), last=None, recorded_at=T0, key=KEY)
    edited = attrs.evolve(chained[1], reason="rewritten")
    edited = attrs.evolve(edited, hash=chain_hash(edited.prev_hash, edited))
    third = attrs.evolve(chained[2], prev_hash=edited.hash)
    third = attrs.evolve(third, hash=chain_hash(third.prev_hash, third))
    forged = [chained[0], edited, third]
    assert verify_chain(forged) == []  # without the key nothing shows
    assert [p.path for p in verify_chain(forged, key=KEY)] == ["audit.2", "audit.3"]


def test_recorded_at_is_covered_by_the_hash_and_may_not_go_back():
    first = link(entries(1), last=None, recorded_at=T0 + timedelta(hours=1), key=KEY)
    second = link(entries(1), last=first[0], recorded_at=T0, key=KEY)
    assert [p.message for p in verify_chain(first + second, key=KEY)] == [
        f"recorded at {T0.isoformat()}, before the entry ahead of it "
        f"({(T0 + timedelta(hours=1)).isoformat()}): entries were reordered"
    ]
    moved = attrs.evolve(first[0], recorded_at=T0 - timedelta(days=1))
    assert "the entry was edited" in verify_chain([moved])[0].message


def test_legacy_entries_are_hashed_without_recorded_at():
    entry = attrs.evolve(entries(1)[0], seq=1, prev_hash=GENESIS)
    entry = attrs.evolve(entry, hash=chain_hash(GENESIS, entry, legacy=True))
    entry = attrs.evolve(entry, recorded_at=T0)  # what migration 0003_audit fills in
    assert verify_chain([entry], legacy_seq=1) == []
    assert verify_chain([entry], legacy_seq=0)  # not legacy: its hash must cover recorded_at


def test_the_head_is_signed_in_its_own_domain():
    chained = link(entries(2), last=None, recorded_at=T0, key=KEY)
    head = signed_head(KEY, AuditHead(seq=2, hash=chained[-1].hash))
    assert verify_head(head, chained, key=KEY, key_exists=True) == []
    assert head.mac != chained[-1].mac  # an entry's signature never serves as the head's
    cut = AuditHead(seq=1, hash=chained[0].hash, mac=chained[0].mac)
    assert [p.path for p in verify_head(cut, chained[:1], key=KEY, key_exists=True)] == [
        "audit_head"
    ]
    reset = AuditHead(seq=0, hash=None)
    assert "not signed" in verify_head(reset, [], key=KEY, key_exists=True)[0].message
    assert verify_head(reset, [], key=None, key_exists=False) == []  # a new, unkeyed log


def test_checkpoints_round_trip_and_catch_rewrites_and_truncation():
    chained = link(entries(4), last=None, recorded_at=T0, key=KEY)
    cp = make_checkpoint(KEY, seq=3, digest=chained[2].hash, at=T0)
    parsed = parse_checkpoint(cp.line(), where="cp")
    assert parsed == cp
    assert verify_checkpoint(parsed, chained, key=KEY, where="cp") == []
    assert verify_checkpoint(parsed, chained, key=None, where="cp") == []  # no key needed
    rewritten = link([attrs.evolve(e, reason="x") for e in entries(4)], last=None, key=KEY)
    assert "was rewritten" in verify_checkpoint(parsed, rewritten, key=KEY, where="cp")[0].message
    assert "were removed" in verify_checkpoint(parsed, chained[:2], key=KEY, where="cp")[0].message
    forged = attrs.evolve(parsed, seq=2, hash=chained[1].hash)
    assert (
        "signature does not match"
        in verify_checkpoint(forged, chained, key=KEY, where="cp")[0].message
    )


@pytest.mark.parametrize(
    "line",
    [
        "",
        "wsr-audit-checkpoint/1 seq=1",
        "wsr-audit-checkpoint/1 seq=1 hash=zz at=2026-01-01T00:00:00+00:00 sig=" + "0" * 64,
        "wsr-audit-checkpoint/1 seq=1 hash=" + "a" * 64 + " at=yesterday sig=" + "0" * 64,
        "wsr-audit-checkpoint/1 seq=1 hash=" + "a" * 64 + " at=2026-01-01T00:00 sig=" + "0" * 64,
    ],
)
def test_a_line_that_is_not_a_checkpoint_is_an_input_error(line):
    with pytest.raises(InputError) as info:
        parse_checkpoint(line, where="--checkpoint")
    assert info.value.problems[0].path == "--checkpoint"
