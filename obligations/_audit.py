"""The audit log's hash chain, its keyed signatures and checkpoints: pure functions shared by
every store and by verification.

Each entry's hash covers the previous entry's hash and the entry's canonical JSON (everything
except ``seq``, ``hash`` and ``mac``), so editing any stored row breaks its own hash and deleting
a row breaks the next row's ``prev_hash`` (and leaves a gap in ``seq``). That alone stops no one
who can write to the database: the digest is public, so a rewritten log can be re-hashed. So
each entry also carries a ``mac``, an HMAC-SHA256 of its seq and hash under a secret key kept
outside the database (:mod:`obligations._auditkey`), and the chain head carries one over the
last seq and hash: without the key a database user can neither re-sign edited entries nor sign
a head that hides entries cut off the end.

The key holder can still rewrite and re-sign everything; :func:`checkpoint_line` is the answer
to that: a signed line naming the head (seq, hash, time) that a monitor publishes or e-mails,
and :func:`verify_checkpoint` proves the log still extends it — the entry at that seq still has
that hash — which no re-signing can fake.

Stores call :func:`link_texts` when appending; :func:`verify_chain` and :func:`verify_head` are
what ``wsr audit verify`` and the tests run over what a store returns.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from json.encoder import encode_basestring as _encode_str
from typing import Any

import attrs

from clauses import EngineError, InputError, Problem, canonical_json

from ._model import AuditEntry

#: the prev_hash of the first entry in a chain
GENESIS = "0" * 64

#: what to do next, in every message about a store that is not what the log says
VERIFY_HINT = "run `wsr audit verify` to see everything that differs from the audit log"


class StoreCorrupted(EngineError, RuntimeError):
    """A stored row cannot be what the engine wrote: damaged, or edited outside ``wsr``.

    Raised before anything is written on top of it (the unit of work rolls back); the CLI prints
    ``error: <table>.<id>: <message>`` and exits 1, like ``wsr audit verify`` finding a problem.
    """

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}; nothing was written — {VERIFY_HINT}")


@attrs.define(frozen=True, kw_only=True)
class AuditHead:
    """The one-row chain head: the last appended seq and hash, signed.

    ``legacy_seq`` is the last entry written before migration 0003_audit (0 for a log begun
    after it): those entries' hashes do not cover ``recorded_at``.
    """

    seq: int
    hash: str | None
    mac: str | None = None
    legacy_seq: int = 0


def chain_hash(prev_hash: str | None, entry: AuditEntry, *, legacy: bool = False) -> str:
    """sha256 over ``prev_hash`` + the canonical JSON of the entry without seq/hash/mac."""
    body = entry.hashed_body(legacy=legacy)
    body["prev_hash"] = prev_hash
    return _digest(prev_hash, body)


def _digest(prev_hash: str | None, body: dict[str, Any]) -> str:
    text = (prev_hash or GENESIS) + canonical_json(body)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_mac(key: bytes, seq: int, digest: str) -> str:
    """The keyed signature of one entry: its place in the chain and its hash."""
    return _mac(key, f"wsr-audit-entry\n{seq}\n{digest}")


def head_mac(key: bytes, head: AuditHead) -> str:
    """The keyed signature of the chain head (a different domain than an entry's, so an
    entry's mac can never be copied into the head to hide entries cut off after it)."""
    return _mac(key, f"wsr-audit-head\n{head.seq}\n{head.hash or ''}\n{head.legacy_seq}")


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_head(key: bytes | None, head: AuditHead) -> AuditHead:
    """``head`` with its mac (None without a key)."""
    return attrs.evolve(head, mac=None if key is None else head_mac(key, head))


def link(
    entries: Sequence[AuditEntry],
    *,
    last: AuditEntry | None,
    recorded_at: datetime | None = None,
    key: bytes | None = None,
) -> list[AuditEntry]:
    """Give new entries their seq, prev_hash, hash, recorded_at and mac, continuing after
    ``last``."""
    linked = link_texts(entries, last=last, recorded_at=recorded_at, key=key)
    return [entry for entry, _, _ in linked]


def link_texts(
    entries: Sequence[AuditEntry],
    *,
    last: AuditEntry | None,
    recorded_at: datetime | None = None,
    key: bytes | None = None,
) -> list[tuple[AuditEntry, str | None, str | None]]:
    """:func:`link`, each entry with the canonical JSON of its ``before`` and ``after``.

    A store writes those texts as they are: each snapshot is serialised once, for the hash
    and for the row (tracking a large agreement appends tens of thousands of entries).
    ``recorded_at`` is the store's wall-clock time for the whole append; ``key`` signs each
    entry (None for a legacy store that has no key yet).
    """
    out: list[tuple[AuditEntry, str | None, str | None]] = []
    seq = 0 if last is None or last.seq is None else last.seq
    prev = GENESIS if last is None or last.hash is None else last.hash
    shown: tuple[object, str | None] = (None, None)  # the last ``after`` and its text
    recorded = "null" if recorded_at is None else _encode_str(recorded_at.isoformat())
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
        text = prev + _body_json(entry, prev, before, after, recorded)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        mac = None if key is None else entry_mac(key, seq, digest)
        chained = entry.chained(
            seq=seq, prev_hash=prev, hash=digest, recorded_at=recorded_at, mac=mac
        )
        out.append((chained, before, after))
        prev = digest
    return out


def _snapshot(value: Mapping[str, Any]) -> str:
    return canonical_json(value if type(value) is dict else dict(value))


def _str(value: str | None) -> str:
    # what json.dumps writes for a str (ensure_ascii=False); anything else goes through it
    return _encode_str(value) if type(value) is str else canonical_json(value)


def _body_json(
    entry: AuditEntry,
    prev_hash: str,
    before: str | None,
    after: str | None,
    recorded: str | None = None,
) -> str:
    """``canonical_json(body)`` for :func:`chain_hash`'s body, spelled out with the snapshots'
    texts already made: the keys in sorted order, each value as ``json.dumps`` writes it.

    Byte for byte the same text (the tests compare the two on every kind of entry), without
    serialising each snapshot a second time inside the body. ``recorded`` is the JSON text of
    the ``recorded_at`` the entry is about to get (the entry's own when not given).
    """
    if recorded is None:
        at = entry.recorded_at
        recorded = "null" if at is None else _encode_str(at.isoformat())
    return (
        f'{{"action":{_str(entry.action)},"actor":{_str(entry.actor)},'
        f'"after":{"null" if after is None else after},'
        f'"agreement_id":{_str(entry.agreement_id)},"at":{_str(entry.at.isoformat())},'
        f'"before":{"null" if before is None else before},'
        f'"obligation_id":{_str(entry.obligation_id)},"prev_hash":{_str(prev_hash)},'
        f'"reason":{_str(entry.reason)},"recorded_at":{recorded}}}'
    )


def verify_chain(
    entries: Sequence[AuditEntry], *, key: bytes | None = None, legacy_seq: int = 0
) -> list[Problem]:
    """Every break in the chain, located by ``audit.<seq>``; an empty list means intact.

    Pass the whole chain in ``seq`` order: a row edited in place fails its own hash, a deleted
    row shows as a gap in ``seq`` and as a ``prev_hash`` that no longer matches. With ``key``,
    every entry must also carry its mac under that key (a re-hashed rewrite cannot). Entries up
    to ``legacy_seq`` are hashed the way they were written, without ``recorded_at``.
    """
    problems: list[Problem] = []
    prev_hash = GENESIS
    prev_seq = 0
    prev_recorded: datetime | None = None
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
        legacy = entry.seq <= legacy_seq
        if chain_hash(entry.prev_hash, entry, legacy=legacy) != entry.hash:
            problems.append(Problem(where, "hash does not match the content: the entry was edited"))
        if key is not None:
            if entry.mac is None:
                problems.append(
                    Problem(
                        where,
                        "entry is not signed although the log has a key: it was "
                        "rewritten by someone without the key",
                    )  # fmt: skip
                )
            elif not hmac.compare_digest(entry.mac, entry_mac(key, entry.seq, entry.hash)):
                problems.append(
                    Problem(where, "signature does not match the key: the entry was rewritten "
                            "by someone without the key (or this is not the log's key file)")
                )  # fmt: skip
        if entry.recorded_at is not None and prev_recorded is not None:
            if entry.recorded_at < prev_recorded:
                problems.append(
                    Problem(where, f"recorded at {entry.recorded_at.isoformat()}, before the "
                            f"entry ahead of it ({prev_recorded.isoformat()}): entries were "
                            "reordered")
                )  # fmt: skip
        prev_recorded = entry.recorded_at or prev_recorded
        prev_hash = entry.hash
        prev_seq = entry.seq
    return problems


def verify_head(
    head: AuditHead, entries: Sequence[AuditEntry], *, key: bytes | None, key_exists: bool
) -> list[Problem]:
    """What is wrong with the chain head: it must name the last entry and, once the log has a
    key, be signed with it — which is how entries cut off the *end* (or all of them) are
    noticed by someone without the key's help from the entries themselves."""
    problems: list[Problem] = []
    last_seq = entries[-1].seq if entries else 0
    last_hash = entries[-1].hash if entries else None
    if (last_seq, last_hash) != (head.seq, head.hash):
        problems.append(
            Problem(
                "audit",
                f"the log ends at entry {last_seq} but entry {head.seq} was the last one "
                "appended: entries were removed from the end or the last entry was replaced",
            )
        )
    if key is None:
        return problems
    if head.mac is None:
        if key_exists:
            problems.append(
                Problem(
                    "audit_head",
                    "the chain head is not signed although this log has a key: entries were "
                    "removed (or the head was reset) by someone without the key"
                    + (
                        " — or the first write to a new database was killed after its key was "
                        "made; then that key signed nothing"
                        if head.seq == 0
                        else ""
                    ),
                )
            )
    elif not hmac.compare_digest(head.mac, head_mac(key, head)):
        problems.append(
            Problem(
                "audit_head",
                "the chain head's signature does not match the key: the head was rewritten "
                "(entries removed or replaced at the end) by someone without the key",
            )
        )
    return problems


# -- checkpoints -------------------------------------------------------------------------------

CHECKPOINT_TAG = "wsr-audit-checkpoint/1"

_CHECKPOINT = re.compile(
    r"^" + re.escape(CHECKPOINT_TAG) + r" seq=(?P<seq>\d{1,18}) hash=(?P<hash>[0-9a-f]{64}|none)"
    r" at=(?P<at>\S+) sig=(?P<sig>[0-9a-f]{64})$"
)


@attrs.define(frozen=True, kw_only=True)
class Checkpoint:
    """The head of the log at some moment, as a signed line kept outside the database."""

    seq: int
    hash: str | None
    at: datetime
    sig: str

    def line(self) -> str:
        return _checkpoint_text(self.seq, self.hash, self.at) + f" sig={self.sig}"


def _checkpoint_text(seq: int, digest: str | None, at: datetime) -> str:
    return f"{CHECKPOINT_TAG} seq={seq} hash={digest or 'none'} at={at.isoformat()}"


def make_checkpoint(key: bytes, *, seq: int, digest: str | None, at: datetime) -> Checkpoint:
    """The checkpoint of a head (``at``: when the head entry was recorded, wall clock)."""
    sig = _mac(key, "wsr-audit-checkpoint\n" + _checkpoint_text(seq, digest, at))
    return Checkpoint(seq=seq, hash=digest, at=at, sig=sig)


def parse_checkpoint(text: str, *, where: str) -> Checkpoint:
    """A checkpoint line as :meth:`Checkpoint.line` wrote it; InputError naming ``where``."""
    m = _CHECKPOINT.match(text.strip())
    if m is None:
        raise InputError.single(
            where,
            f"not a checkpoint line (expected `{CHECKPOINT_TAG} seq=N hash=HEX at=TIME sig=HEX`"
            ", as `wsr audit checkpoint` prints it)",
        )
    try:
        at = datetime.fromisoformat(m["at"])
    except ValueError:
        raise InputError.single(where, f"{m['at']!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise InputError.single(where, f"{m['at']!r} has no UTC offset")
    digest = None if m["hash"] == "none" else m["hash"]
    return Checkpoint(seq=int(m["seq"]), hash=digest, at=at, sig=m["sig"])


def verify_checkpoint(
    checkpoint: Checkpoint, entries: Sequence[AuditEntry], *, key: bytes | None, where: str
) -> list[Problem]:
    """Whether the log (``entries``, the whole chain in seq order) still extends ``checkpoint``.

    The signature proves the line was made with the log's key (checked when the key is at
    hand); the extension check needs no key at all: the entry at the checkpoint's seq must
    still carry the checkpoint's hash. Since every hash covers the one before it, that holds
    only if nothing up to that entry was changed, removed or re-hashed — whoever did it.
    """
    problems: list[Problem] = []
    if key is not None:
        expected = make_checkpoint(
            key, seq=checkpoint.seq, digest=checkpoint.hash, at=checkpoint.at
        )
        if not hmac.compare_digest(expected.sig, checkpoint.sig):
            problems.append(
                Problem(where, "the checkpoint's signature does not match this log's key: it "
                        "was not made by `wsr audit checkpoint` on this log, or it was edited")
            )  # fmt: skip
    if checkpoint.seq == 0:
        return problems
    by_seq = {e.seq: e for e in entries}
    found = by_seq.get(checkpoint.seq)
    last = entries[-1].seq if entries else 0
    if found is None:
        problems.append(
            Problem(
                where,
                f"the log has no entry {checkpoint.seq} (it ends at {last}): entries the "
                "checkpoint covers were removed",
            )
        )
    elif found.hash != checkpoint.hash:
        problems.append(
            Problem(
                where,
                f"entry {checkpoint.seq} has hash {found.hash} but the checkpoint says "
                f"{checkpoint.hash}: the log up to the checkpoint was rewritten",
            )
        )
    return problems
