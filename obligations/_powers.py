"""Powers, tracked: what a confirmed breach makes available, until a person exercises it.

A clause's ``powers`` (suspend, terminate, cease purchases, arbitrate …) name what triggers
them; ``PowersRule`` finds the ones a confirmed breach of an obligation makes available, and
they are kept on that obligation (``data["available_powers"]``), so they travel with it into
the store, the audit log (before → after) and every view (``wsr obligations --json``: the
``powers`` key). A power is ``available`` from the confirmation and ``exercised`` once a person
says so, with the date and a reason (``wsr power exercise``); exercising is recorded, the
engine does not itself suspend or terminate anything.

A power's id is ``<obligation id>/<power id>``: one breach, one right, one exercise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from clauses import Conflict, InputError, NotFound

from ._enums import AuditAction, PowerState
from ._lifecycle import annotate, audit
from ._model import AuditEntry, Obligation

if TYPE_CHECKING:  # the clause schema (pydantic) is not needed to read the powers key
    from clauses._schema import PowerSpec

KEY = "available_powers"


def power_ref(obligation_id: str, power_id: str) -> str:
    return f"{obligation_id}/{power_id}"


def split_ref(ref: str) -> tuple[str, str]:
    """(obligation id, power id) of ``<obligation id>/<power id>``."""
    obligation_id, sep, power_id = ref.partition("/")
    if not sep or not obligation_id or not power_id:
        raise InputError.single(
            "POWER_ID",
            f"{ref!r} is not a power id (<obligation id>/<power id>, as `wsr obligations` shows)",
        )
    return obligation_id, power_id


def made_available(
    powers: Iterable[PowerSpec], *, obligation_id: str, on: date
) -> list[dict[str, Any]]:
    """The entries a confirmed breach on ``on`` adds to its obligation."""
    return [
        {
            "id": power_ref(obligation_id, p.id),
            "power": p.id,
            "title": p.title,
            "holder": p.holder,
            "against": p.against,
            "action": p.action.value,
            "state": PowerState.AVAILABLE.value,
            "available_on": on.isoformat(),
            "exercised_on": None,
            "exercised_by": None,
            "reason": None,
        }
        for p in powers
    ]


def powers_view(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``powers`` key of an obligation's view (copies; ``[]`` when none)."""
    return [dict(p) for p in data.get(KEY, [])]


def exercise(
    ob: Obligation, power_id: str, *, on: date, reason: str, at: datetime, actor: str
) -> tuple[Obligation, AuditEntry]:
    """``ob`` with its power ``power_id`` exercised by ``actor`` on ``on``, and the audit entry.

    Refused: a power the obligation does not carry, one already exercised, no reason, a date
    before the power became available.
    """
    entries = [dict(p) for p in ob.data.get(KEY, [])]
    found = next((p for p in entries if p["power"] == power_id), None)
    if found is None:
        have = ", ".join(p["id"] for p in entries) or "none: no breach of it has been confirmed"
        raise NotFound(
            "power", power_ref(ob.id, power_id), path="POWER_ID", hint=f"available: {have}"
        )
    if found["state"] == PowerState.EXERCISED.value:
        raise Conflict(
            "POWER_ID",
            f"{found['id']} was already exercised on {found['exercised_on']} by "
            f"{found['exercised_by']}; nothing changed",
        )
    if not reason.strip():
        raise InputError.single("--reason", "say why the power is exercised; it goes on the record")
    if on < date.fromisoformat(found["available_on"]):
        raise InputError.single(
            "--on",
            f"{on.isoformat()} is before the power became available ({found['available_on']})",
        )
    found.update(
        state=PowerState.EXERCISED.value,
        exercised_on=on.isoformat(),
        exercised_by=actor,
        reason=reason,
    )
    data = {**ob.data, KEY: entries}
    after = annotate(ob, at=at, data=data)
    why = f"{found['title']} ({found['action']} against {found['against']}): {reason}"
    return after, audit(
        ob, after, action=AuditAction.POWER_EXERCISED, at=at, actor=actor, reason=why
    )
