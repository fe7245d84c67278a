"""Who may see and do what in the console: the one access policy, pure (no FastAPI here).

Roles come from issue 12: admin, monitor and negotiator belong to the worker organization and
its monitoring body; counsel speaks for a brand (the buyer party) and sees only that brand's
agreements. A complainant's identity and the confidential details of a complaint never reach
a brand: every page, API answer, export, bundle and feed that shows an event goes through
:func:`redact_event` (and an obligation view through :func:`redact_view`), so the rule lives in
one place and a new screen cannot forget it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMIN = "admin"
    MONITOR = "monitor"
    NEGOTIATOR = "negotiator"
    COUNSEL = "counsel"


@dataclass(frozen=True)
class Viewer:
    """The signed-in person (from a session cookie or an API token)."""

    user_id: int
    email: str
    role: Role
    #: counsel's brand: the buyer party's name exactly as the agreements give it
    brand: str | None


class Action(StrEnum):
    """The writes the console offers; :data:`WRITES` says which role may do each."""

    USERS = "users"  # add, disable users; issue and revoke anyone's tokens
    EVENTS = "events"  # record an event on an agreement (incl. payroll import)
    DETERMINATIONS = "determinations"  # a supplier determination across agreements
    EVIDENCE = "evidence"  # upload evidence to an obligation
    EVIDENCE_DECISIONS = "evidence_decisions"  # accept or reject evidence
    #: record that an obligation was performed (``wsr fulfil``), optionally with evidence.
    #: Who decides evidence decides this: recording performance settles the obligation on
    #: the record as accepting its evidence would, so it is the monitoring body's (monitor,
    #: admin). A negotiator drafts and tracks but decides no evidence; counsel speaks for the
    #: brand, often the obligor, and may not settle its own brand's obligations.
    FULFIL = "fulfil"
    BREACH = "breach"  # confirm or dismiss a suspected breach
    WAIVE = "waive"
    POWERS = "powers"  # exercise a power (suspend, terminate, ...)
    NOTICES = "notices"  # notice recipients, resend
    BUNDLES = "bundles"  # arbitration bundle downloads
    CALENDAR = "calendar"  # one's own calendar feed tokens
    DRAFTS_CREATE = "drafts_create"
    DRAFTS_SUBMIT = "drafts_submit"  # draft -> in review
    COMMENT = "comment"  # comment threads per clause
    REVIEW_DECIDE = "review_decide"  # approve / request changes per clause
    DRAFTS_EXECUTE = "drafts_execute"  # approved -> executed
    TRACK = "track"  # register an executed agreement for tracking


_MONITOR = frozenset(
    {
        Action.EVENTS,
        Action.DETERMINATIONS,
        Action.EVIDENCE,
        Action.EVIDENCE_DECISIONS,
        Action.FULFIL,
        Action.BREACH,
        Action.WAIVE,
        Action.POWERS,
        Action.NOTICES,
        Action.BUNDLES,
        Action.CALENDAR,
    }
)
_NEGOTIATOR = frozenset(
    {
        Action.DRAFTS_CREATE,
        Action.DRAFTS_SUBMIT,
        Action.COMMENT,
        Action.DRAFTS_EXECUTE,
        Action.TRACK,
        # reading everything includes a bundle download and one's own deadline feed
        Action.BUNDLES,
        Action.CALENDAR,
    }
)
_COUNSEL = frozenset({Action.COMMENT, Action.REVIEW_DECIDE, Action.BUNDLES, Action.CALENDAR})

#: the write matrix: role -> the actions it may take (counsel: on its own brand's agreements)
WRITES: Mapping[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.MONITOR: _MONITOR,
    Role.NEGOTIATOR: _NEGOTIATOR,
    Role.COUNSEL: _COUNSEL,
}

#: the event fields a brand never sees, by event type: who complained (``complainant_ref``; a
#: ``complaint`` reference may be a complainant_ref too), and the confidential substance of a
#: complaint's outcome and of a retaliation finding. ``*`` applies to every event type.
CONFIDENTIAL_FIELDS: Mapping[str, frozenset[str]] = {
    "*": frozenset({"complainant_ref"}),
    "complaint_filed": frozenset({"complainant_ref"}),
    "complaint_resolved": frozenset({"complaint", "outcome"}),
    "remedy_directed": frozenset({"complaint"}),
    "retaliation_found": frozenset({"complainant_ref", "text"}),
}


def buyer_names(record_json: str) -> frozenset[str]:
    """The names of the buyer parties as the agreement record gives them (a JSON text)."""
    try:
        record = json.loads(record_json)
    except (TypeError, ValueError):
        return frozenset()
    parties = record.get("parties") if isinstance(record, dict) else None
    if not isinstance(parties, list):
        return frozenset()
    return frozenset(
        p["name"]
        for p in parties
        if isinstance(p, dict) and p.get("role") == "buyer" and isinstance(p.get("name"), str)
    )


def may_see_agreement(viewer: Viewer, record_json: str) -> bool:
    """Everyone on the worker side sees every agreement; counsel only its brand's."""
    if viewer.role is not Role.COUNSEL:
        return True
    return viewer.brand is not None and viewer.brand in buyer_names(record_json)


def sees_confidential(viewer: Viewer) -> bool:
    """Whether complainants' identities and confidential complaint details may be shown."""
    return viewer.role in (Role.ADMIN, Role.MONITOR, Role.NEGOTIATOR)


def confidential_fields(event_type: str) -> frozenset[str]:
    return CONFIDENTIAL_FIELDS["*"] | CONFIDENTIAL_FIELDS.get(event_type, frozenset())


def redact_event(viewer: Viewer, event_type: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """An event's fields as ``viewer`` may see them (a copy; confidential ones dropped)."""
    if sees_confidential(viewer):
        return dict(fields)
    hidden = confidential_fields(event_type)
    return {k: v for k, v in fields.items() if k not in hidden}


def redact_view(viewer: Viewer, view: Mapping[str, Any]) -> dict[str, Any]:
    """An obligation's view or record (``to_view``/``to_dict``), an audit entry's before or
    after, or any JSON-like document, as ``viewer`` may see it. For a brand:

    * every ``complainant_ref`` key, at any depth, is dropped;
    * an event document (``type`` with ``fields`` or ``payload``: the API's and the audit
      log's) and an obligation's trigger (``data.event`` with ``trigger_fields``) go through
      :func:`redact_event`;
    * the events that raised a suspected breach (``breach_events``) keep only which event,
      when, and a purchase's quantity and unit: they record the fields of any event type
      flattened, so which of them is confidential cannot be told there.
    """
    if sees_confidential(viewer):
        return dict(view)
    return _scrub(viewer, view)  # type: ignore[no-any-return]


#: what a brand sees of one ``breach_events`` entry
_BREACH_EVENT_KEYS = frozenset({"event", "on", "quantity", "unit"})


def _scrub(viewer: Viewer, value: Any) -> Any:
    if isinstance(value, Mapping):
        out = {k: _scrub(viewer, v) for k, v in value.items() if k not in CONFIDENTIAL_FIELDS["*"]}
        for kind_key, fields_key in (
            ("type", "fields"),
            ("type", "payload"),
            ("event", "trigger_fields"),
        ):
            kind, fields = out.get(kind_key), out.get(fields_key)
            if isinstance(kind, str) and isinstance(fields, Mapping):
                out[fields_key] = redact_event(viewer, kind, fields)
        events = out.get("breach_events")
        if isinstance(events, list):
            out["breach_events"] = [
                {k: v for k, v in e.items() if k in _BREACH_EVENT_KEYS}
                if isinstance(e, Mapping)
                else e
                for e in events
            ]
        return out
    if isinstance(value, list | tuple):
        return [_scrub(viewer, v) for v in value]
    return value


def may_write(viewer: Viewer, action: str) -> bool:
    """Whether ``viewer``'s role may take ``action`` (an :class:`Action` value). For counsel
    the route also checks :func:`may_see_agreement` on the agreement concerned."""
    try:
        wanted = Action(action)
    except ValueError:
        return False
    return wanted in WRITES[viewer.role]
