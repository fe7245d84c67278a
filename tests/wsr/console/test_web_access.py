"""The access policy (``wsr.console._access``), pure: who sees which agreement, what a brand
never sees, and the write matrix of console-shared.md, cell by cell."""

from __future__ import annotations

import json

import pytest

from wsr.console._access import (
    Action,
    Role,
    Viewer,
    buyer_names,
    may_see_agreement,
    may_write,
    redact_event,
    redact_view,
    sees_confidential,
)

RECORD = json.dumps(
    {
        "parties": [
            {"role": "buyer", "name": "Example Fresh Markets Inc."},
            {"role": "worker_organization", "name": "Example Farmworker Alliance"},
            {"role": "monitor", "name": "Example Fair Standards Council"},
        ]
    }
)


def viewer(role: Role, brand: str | None = None) -> Viewer:
    return Viewer(user_id=1, email=f"{role.value}@x.example", role=role, brand=brand)


ADMIN = viewer(Role.ADMIN)
MONITOR = viewer(Role.MONITOR)
NEGOTIATOR = viewer(Role.NEGOTIATOR)
COUNSEL = viewer(Role.COUNSEL, "Example Fresh Markets Inc.")
COUNSEL_OTHER = viewer(Role.COUNSEL, "Example Nobody Ltd")


def test_buyer_names_are_the_buyer_parties_only():
    assert buyer_names(RECORD) == {"Example Fresh Markets Inc."}
    assert buyer_names("not json") == frozenset()
    assert buyer_names(json.dumps({"parties": "x"})) == frozenset()


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        (ADMIN, True),
        (MONITOR, True),
        (NEGOTIATOR, True),
        (COUNSEL, True),
        (COUNSEL_OTHER, False),
        (viewer(Role.COUNSEL, None), False),
        # a brand is matched exactly, as the agreement gives it: no prefix, no case folding
        (viewer(Role.COUNSEL, "Example Fresh Markets"), False),
        (viewer(Role.COUNSEL, "example fresh markets inc."), False),
        # counsel is never the worker side, even with a worker organization's name
        (viewer(Role.COUNSEL, "Example Farmworker Alliance"), False),
    ],
)
def test_who_sees_an_agreement(who, sees):
    assert may_see_agreement(who, RECORD) is sees


def test_only_the_worker_side_sees_confidential_details():
    assert [sees_confidential(v) for v in (ADMIN, MONITOR, NEGOTIATOR, COUNSEL)] == [
        True,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("kind", "fields", "kept"),
    [
        (
            "complaint_filed",
            {"supplier": "G-1", "category": "harassment", "complainant_ref": "C-1"},
            {"supplier": "G-1", "category": "harassment"},
        ),
        ("complaint_resolved", {"complaint": "C-1", "outcome": "upheld"}, {}),
        (
            "remedy_directed",
            {"supplier": "G-1", "complaint": "C-1", "remedy": "back pay"},
            {"supplier": "G-1", "remedy": "back pay"},
        ),
        (
            "retaliation_found",
            {"supplier": "G-1", "complainant_ref": "C-1", "text": "fired the next day"},
            {"supplier": "G-1"},
        ),
        # any event type: a complainant_ref is never shown to a brand
        ("purchase_recorded", {"supplier": "G-1", "complainant_ref": "C-1"}, {"supplier": "G-1"}),
    ],
)
def test_counsel_never_sees_a_complainant(kind, fields, kept):
    assert redact_event(COUNSEL, kind, fields) == kept
    assert redact_event(MONITOR, kind, fields) == fields
    shown = redact_event(COUNSEL, kind, fields)
    shown["x"] = 1  # a copy: the caller's mapping is untouched
    assert "x" not in fields


def test_redact_view_scrubs_nested_documents():
    view = {
        "id": "obl-1",
        "data": {"complainant_ref": "C-1", "category": "harassment"},
        "history": [{"type": "retaliation_found", "fields": {"text": "t", "supplier": "G"}}],
    }
    shown = redact_view(COUNSEL, view)
    assert "C-1" not in json.dumps(shown)
    assert shown["history"][0]["fields"] == {"supplier": "G"}
    assert redact_view(ADMIN, view) == view


#: the write matrix of console-shared.md: role -> actions it may take
EXPECTED = {
    Role.ADMIN: set(Action),
    Role.MONITOR: {
        Action.EVENTS,
        Action.DETERMINATIONS,
        Action.EVIDENCE,
        Action.EVIDENCE_DECISIONS,
        Action.FULFIL,  # who decides evidence records performance (console brief)
        Action.BREACH,
        Action.WAIVE,
        Action.POWERS,
        Action.NOTICES,
        Action.BUNDLES,
        Action.CALENDAR,
    },
    Role.NEGOTIATOR: {
        Action.DRAFTS_CREATE,
        Action.DRAFTS_SUBMIT,
        Action.COMMENT,
        Action.DRAFTS_EXECUTE,
        Action.TRACK,
        Action.BUNDLES,
        Action.CALENDAR,
    },
    Role.COUNSEL: {Action.COMMENT, Action.REVIEW_DECIDE, Action.BUNDLES, Action.CALENDAR},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_write_matrix(role, action):
    assert may_write(viewer(role), action.value) is (action in EXPECTED[role])


def test_counsel_never_records_events_or_decides_evidence():
    for action in ("events", "determinations", "evidence_decisions", "fulfil", "breach", "users"):
        assert not may_write(COUNSEL, action)


def test_an_unknown_action_is_refused_for_everyone():
    assert not any(may_write(viewer(r), "delete_everything") for r in Role)


def test_redact_view_scrubs_the_audit_logs_documents():
    """The shapes the engine really stores (seen in the seeded database)."""
    after = {
        "type": "complaint_filed",
        "payload": {"category": "harassment", "complainant_ref": "C-1", "supplier": "G"},
    }
    assert redact_view(COUNSEL, after)["payload"] == {"category": "harassment", "supplier": "G"}
    record = {
        "data": {
            "event": "retaliation_found",
            "trigger_fields": {"text": "fired", "supplier": "G"},
            "breach_events": [
                {"event": "ev-1", "on": "2026-03-01", "text": "fired", "complainant_ref": "C-1"}
            ],
        }
    }
    shown = redact_view(COUNSEL, record)["data"]
    assert shown["trigger_fields"] == {"supplier": "G"}
    assert shown["breach_events"] == [{"event": "ev-1", "on": "2026-03-01"}]
