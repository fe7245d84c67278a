"""The audit log's hash chain: pure functions shared by every store and by verification.

Each entry's hash covers the previous entry's hash and the entry's canonical JSON (everything
except ``seq`` and ``hash``), so editing any stored row breaks its own hash and deleting a row
breaks the next row's ``prev_hash`` (and leaves a gap in ``seq``). Stores call :func:`link`
(or :func:`link_texts`) when appending, which computes what :func:`chain_hash` does without
serialising a snapshot twice; :func:`verify_chain` is what ``wsr audit --verify`` and the
tests run over what a store returns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring as _encode_str
from typing import Any

from clauses import Problem, canonical_json

from ._model import AuditEntry

#: the prev_hash of the first entry in a chain
GENESIS = "0" * 64


def chain_hash(prev_hash: str | None, entry: AuditEntry) -> str:
    """sha256 over ``prev_hash`` + the canonical JSON of the entry without seq/hash."""
    body = entry.hashed_body()
    body["prev_hash"] = prev_hash
    return _digest(prev_hash, body)


def _digest(prev_hash: str | None, body: dict[str, Any]) -> str:
    text = (prev_hash or GENESIS) + canonical_json(body)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link(entries: Sequence[AuditEntry], *, last: AuditEntry | None) -> list[AuditEntry]:
    """Give new entries their seq, prev_hash and hash, continuing after ``last``."""
    return [entry for entry, _, _ in link_texts(entries, last=last)]


def link_texts(
    entries: Sequence[AuditEntry], *, last: AuditEntry | None
) -> list[tuple[AuditEntry, str | None, str | None]]:
    """:func:`link`, each entry with the canonical JSON of its ``before`` and ``after``.

    A store writes those texts as they are: each snapshot is serialised once, for the hash
    and for the row (tracking a large agreement appends tens of thousands of entries).
    """
    out: list[tuple[AuditEntry, str | None, str | None]] = []
    seq = 0 if last is None or last.seq is None else last.seq
    prev = GENESIS if last is None or last.hash is None else last.hash
    shown: tuple[object, str | None] = (None, None)  # the last ``after`` and its text
    for entry in entries:
        seq += 1
        if entry.before is None:
            before = None
        elif entry.before is shown[0]:  # a move's before is often the previous after itself
            before = shown[1]
        else:
            before = _snapshot(entry.before)
        after = None if entry.after is None else _snapshot(entry.after)
        shown = (entry.after, after)
        text = prev + _body_json(entry, prev, before, after)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        out.append((entry.chained(seq=seq, prev_hash=prev, hash=digest), before, after))
        prev = digest
    return out


def _snapshot(value: Mapping[str, Any]) -> str:
    return canonical_json(value if type(value) is dict else dict(value))


def _str(value: str | None) -> str:
    # what json.dumps writes for a str (ensure_ascii=False); anything else goes through it
    return _encode_str(value) if type(value) is str else canonical_json(value)


def _body_json(entry: AuditEntry, prev_hash: str, before: str | None, after: str | None) -> str:
    """``canonical_json(body)`` for :func:`chain_hash`'s body, spelled out with the snapshots'
    texts already made: the keys in sorted order, each value as ``json.dumps`` writes it.

    Byte for byte the same text (the tests compare the two on every kind of entry), without
    serialising each snapshot a second time inside the body.
    """
    return (
        f'{{"action":{_str(entry.action)},"actor":{_str(entry.actor)},'
        f'"after":{"null" if after is None else after},'
        f'"agreement_id":{_str(entry.agreement_id)},"at":{_str(entry.at.isoformat())},'
        f'"before":{"null" if before is None else before},'
        f'"obligation_id":{_str(entry.obligation_id)},"prev_hash":{_str(prev_hash)},'
        f'"reason":{_str(entry.reason)}}}'
    )


def verify_chain(entries: Sequence[AuditEntry]) -> list[Problem]:
    """Every break in the chain, located by ``audit.<seq>``; an empty list means intact.

    Pass the whole chain in ``seq`` order: a row edited in place fails its own hash, a deleted
    row shows as a gap in ``seq`` and as a ``prev_hash`` that no longer matches.
    """
    problems: list[Problem] = []
    prev_hash = GENESIS
    prev_seq = 0
    for entry in entries:
        where = f"audit.{entry.seq}"
        if entry.seq is None or entry.hash is None:
            problems.append(Problem(where, "entry was never chained (no seq or hash)"))
            continue
        if entry.seq != prev_seq + 1:
            problems.append(
                Problem(where, f"seq jumps from {prev_seq} to {entry.seq}: an entry was removed")
            )
        first = prev_seq == 0 and entry.prev_hash is None  # a chain may start from None
        if entry.prev_hash != prev_hash and not first:
            problems.append(
                Problem(where, "prev_hash does not match the previous entry: the chain was broken")
            )
        if chain_hash(entry.prev_hash, entry) != entry.hash:
            problems.append(Problem(where, "hash does not match the content: the entry was edited"))
        prev_hash = entry.hash
        prev_seq = entry.seq
    return problems
