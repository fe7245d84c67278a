"""Every stored table checked against the audit log: what ``wsr audit verify`` adds to the chain.

The log is the record (see :mod:`obligations._lifecycle`): every change of an obligation is an
entry with the complete ``after`` snapshot, every agreement change (tracked, status, terminated)
carries the agreement's view, every event is logged as recorded, and evidence is cited by its
SHA-256 in the obligation's ``data``. Replaying the log therefore rebuilds what every table must
hold; each difference is reported as ``<table>.<id>.<field>: stored X, log says Y``. A verified
chain plus no difference here means nobody changed the database behind the engine's back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from clauses import NotFound, Problem, canonical_json

from ._evidence import DECISION
from ._model import AuditEntry
from .abc import ObligationStore

#: the audit action that records an event (its ``after`` is the stored event)
EVENT_ACTION = "event_recorded"

_ABSENT = object()


def action_name(action: object) -> str:
    """An audit action as the log stores it, whether a plain string or an enum member."""
    value = getattr(action, "value", action)
    return str(value)


@attrs.define(frozen=True)
class Rebuilt:
    """What the log says each table holds: id -> (the seq that last set it, its snapshot)."""

    agreements: dict[str, tuple[int, dict[str, Any]]]
    record_hashes: dict[str, str]
    obligations: dict[str, tuple[int, dict[str, Any]]]
    events: dict[str, tuple[int, dict[str, Any]]]


def rebuild(entries: Iterable[AuditEntry]) -> Rebuilt:
    """Replay the log (in seq order) into the last snapshot of every row it created."""
    agreements: dict[str, tuple[int, dict[str, Any]]] = {}
    hashes: dict[str, str] = {}
    obligations: dict[str, tuple[int, dict[str, Any]]] = {}
    events: dict[str, tuple[int, dict[str, Any]]] = {}
    for e in entries:
        if e.after is None or e.seq is None:
            continue
        after = dict(e.after)
        if e.obligation_id is not None:
            obligations[e.obligation_id] = (e.seq, after)
        elif action_name(e.action) == EVENT_ACTION and "id" in after:
            events[str(after["id"])] = (e.seq, after)
        elif after.get("id") == e.agreement_id and "status" in after and "signed_on" in after:
            digest = after.pop("content_hash", None)
            if digest is not None:
                hashes.setdefault(e.agreement_id, str(digest))
            agreements[e.agreement_id] = (e.seq, after)
    return Rebuilt(agreements, hashes, obligations, events)


def reconcile(
    store: ObligationStore, entries: Sequence[AuditEntry], *, agreement_id: str | None = None
) -> list[Problem]:
    """Every difference between the stored tables and the log (``entries``: the whole chain).

    ``agreement_id`` narrows the report to that agreement's rows.
    """
    log = rebuild(entries)
    problems: list[Problem] = []
    stored_agreements = {a.id: a for a in store.list_agreements()}
    ids = sorted(set(stored_agreements) | set(log.agreements))
    if agreement_id is not None:
        ids = [i for i in ids if i == agreement_id]

    for aid in ids:
        tracked = stored_agreements.get(aid)
        logged = log.agreements.get(aid)
        stored_view = None if tracked is None else tracked.view()
        problems += _compare("agreements", aid, stored_view, None if logged is None else logged[1])
        if tracked is not None and aid in log.record_hashes:
            got = _record_hash(tracked.record_json)
            if got != log.record_hashes[aid]:
                problems.append(
                    Problem(
                        f"agreements.{aid}.record_json",
                        f"stored {got}, log says {log.record_hashes[aid]}",
                    )
                )

    stored_obs = {o.id: o.to_dict() for o in store.find_obligations(agreement_id=agreement_id)}
    logged_obs = {
        k: v
        for k, v in log.obligations.items()
        if agreement_id is None or v[1].get("agreement_id") == agreement_id
    }
    for oid in sorted(set(stored_obs) | set(logged_obs)):
        seen = logged_obs.get(oid)
        problems += _compare("obligations", oid, stored_obs.get(oid), seen and seen[1])

    stored_events: dict[str, dict[str, Any]] = {}
    for aid in ids:
        for ev in store.list_events(aid):
            stored_events[str(ev.id)] = ev.to_dict()
    logged_events = {
        k: v
        for k, v in log.events.items()
        if agreement_id is None or v[1].get("agreement_id") == agreement_id
    }
    for eid in sorted(set(stored_events) | set(logged_events)):
        seen = logged_events.get(eid)
        problems += _compare("events", eid, stored_events.get(eid), seen and seen[1])

    problems += _evidence(store, logged_obs, stored_obs)
    return problems


def _record_hash(record_json: str) -> str:
    """The content hash of a stored agreement record, recomputed from its content."""
    from clauses._agreement import seal

    try:
        body = json.loads(record_json)
        if not isinstance(body, dict):
            return "a record that is not a JSON object"
        return seal(body).content_hash
    except json.JSONDecodeError:
        return "broken JSON"
    except ValueError:  # pydantic's ValidationError is a ValueError
        return "a record that does not validate"


def _evidence(
    store: ObligationStore,
    logged_obs: Mapping[str, tuple[int, Mapping[str, Any]]],
    stored_obs: Mapping[str, Any],
) -> list[Problem]:
    """Evidence links against the refs the log's obligations cite; every cited file re-hashed."""
    problems: list[Problem] = []
    wanted: dict[str, list[dict[str, Any]]] = {}
    for oid, (_, after) in logged_obs.items():
        refs = (after.get("data") or {}).get("evidence") or []
        # a monitor's decision is kept beside the ref (obligations._evidence), not in the link
        wanted[oid] = [
            {k: v for k, v in r.items() if k != DECISION} for r in refs if isinstance(r, Mapping)
        ]
    have: dict[str, list[dict[str, Any]]] = {}
    for ref in store.all_evidence():
        if ref.obligation_id in logged_obs or ref.obligation_id in stored_obs:
            have.setdefault(ref.obligation_id, []).append(ref.to_dict())
    digests: dict[str, int] = {}
    for oid in sorted(set(wanted) | set(have)):
        mine, theirs = have.get(oid, []), wanted.get(oid, [])
        for i in range(max(len(mine), len(theirs))):
            s = mine[i] if i < len(mine) else None
            w = theirs[i] if i < len(theirs) else None
            problems += _compare("evidence_links", f"{oid}.{i + 1}", s, w)
            if w is not None and "sha256" in w:
                digests.setdefault(str(w["sha256"]), int(w.get("size", -1)))
    for sha, size in sorted(digests.items()):
        try:
            content = store.evidence_content(sha)
        except NotFound:
            problems.append(
                Problem(f"evidence.{sha}.content", f"stored nothing, log says {size} bytes")
            )
            continue
        got = hashlib.sha256(content).hexdigest()
        if got != sha:
            problems.append(Problem(f"evidence.{sha}.content", f"stored bytes hash to {got}, "
                                    f"log says {sha}"))  # fmt: skip
        elif len(content) != size:
            problems.append(
                Problem(f"evidence.{sha}.size", f"stored {len(content)}, log says {size}")
            )
    return problems


def _compare(
    table: str, ident: str, stored: Mapping[str, Any] | None, logged: Mapping[str, Any] | None
) -> list[Problem]:
    where = f"{table}.{ident}"
    if stored is None and logged is None:
        return []
    if stored is None:
        return [Problem(where, "stored nothing, log says the row exists (it was deleted)")]
    if logged is None:
        return [Problem(where, "stored a row, log says nothing of it (it was inserted)")]
    if stored == logged:  # JSON-shaped on both sides: the usual case costs one comparison
        return []
    out = []
    for field in sorted(set(stored) | set(logged)):
        s, w = stored.get(field, _ABSENT), logged.get(field, _ABSENT)
        if _norm(s) != _norm(w):
            out.append(Problem(f"{where}.{field}", f"stored {_show(s)}, log says {_show(w)}"))
    return out


def _norm(value: Any) -> Any:
    if value is _ABSENT:
        return _ABSENT
    return canonical_json(value)


def _show(value: Any) -> str:
    if value is _ABSENT:
        return "nothing"
    if isinstance(value, str) and value:
        return value
    text = canonical_json(value)
    return text if len(text) <= 200 else text[:197] + "..."
