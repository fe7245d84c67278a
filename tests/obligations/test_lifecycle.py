"""Lifecycle: Symboleo transitions, absorbing final states, and rebuilding state from the log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clauses import InvalidTransition
from obligations import FINAL, LegalState, Obligation, replay, transition
from obligations._audit import link, verify_chain
from obligations._lifecycle import (
    ACTIONS,
    REOPENING,
    TRANSITIONS,
    allowed_actions,
    annotate,
    birth,
    move,
)

T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
S = LegalState


def created(i: int = 1) -> Obligation:
    return Obligation(
        id=f"ob-{i}",
        agreement_id="agr-1",
        clause_id="sourcing_cutoff",
        clause_version="1.0.0",
        spec_id="sourcing_cutoff.cease_purchases",
        section="3",
        title="Stop purchasing",
        kind="prohibition",
        obligor="buyer",
        beneficiary="worker_organization",
        subject="GROWER-H",
        key="ev-1",
        due=date(2026, 3, 9),
        due_at=datetime(2026, 3, 10, 4, tzinfo=UTC),
        state=S.CREATED,
        created_at=T0,
        updated_at=T0,
    )


def test_the_happy_path():
    ob = transition(created(), "activate", at=T0)
    assert ob.state is S.IN_EFFECT
    ob = transition(ob, "suspend", at=T0)
    assert ob.state is S.SUSPENDED
    ob = transition(ob, "resume", at=T0 + timedelta(days=1))
    assert ob.state is S.IN_EFFECT and ob.updated_at == T0 + timedelta(days=1)
    done = transition(ob, "discharge", at=T0, reason="waived by the coalition")
    assert done.state is S.DISCHARGED and done.data["reason"] == "waived by the coalition"


def test_created_can_only_activate_or_expire():
    assert transition(created(), "expire", at=T0).state is S.DISCHARGED
    with pytest.raises(InvalidTransition, match="it cannot be fulfilled") as exc:
        transition(created(), "fulfil", at=T0)
    assert "activated, expired" in str(exc.value)


def test_terminated_from_in_effect_and_suspended_only():
    active = transition(created(), "activate", at=T0)
    assert transition(active, "terminate", at=T0).state is S.TERMINATED
    assert (
        transition(transition(active, "suspend", at=T0), "terminate", at=T0).state is S.TERMINATED
    )
    with pytest.raises(InvalidTransition):
        transition(created(), "terminate", at=T0)


def test_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown lifecycle action 'pay'"):
        transition(created(), "pay", at=T0)


def test_final_state_error_names_the_obligation_and_is_a_problem():
    done = transition(transition(created(), "activate", at=T0), "fulfil", at=T0)
    with pytest.raises(InvalidTransition) as exc:
        transition(done, "violate", at=T0)
    assert (
        str(exc.value.problems[0]) == "ob-1: obligation 'ob-1' is fulfilled; it cannot be violated"
    )


def test_annotate_never_changes_state():
    ob = transition(created(), "activate", at=T0)
    flagged = annotate(ob, at=T0, flags=ob.flags | {"breach_suspected"})
    assert flagged.state is S.IN_EFFECT and "breach_suspected" in flagged.flags
    with pytest.raises(ValueError):
        annotate(ob, at=T0, state=S.FULFILLED)


def test_birth_is_audited_as_created_then_activated():
    ob, entries = birth(created(), at=T0, actor="test", reason="executed")
    assert ob.state is S.IN_EFFECT
    assert [e.action for e in entries] == ["created", "activated"]
    assert entries[0].before is None and entries[0].after["state"] == "created"
    assert entries[1].before["state"] == "created" and entries[1].after["state"] == "in_effect"
    with pytest.raises(ValueError):
        birth(ob, at=T0, actor="test")


# -- properties --------------------------------------------------------------------------------

actions = st.sampled_from(ACTIONS)


@given(st.lists(actions, max_size=12))
def test_final_states_absorb(sequence):
    ob = created()
    for action in sequence:
        before = ob
        try:
            ob = transition(ob, action, at=T0)
        except InvalidTransition:
            assert ob == before  # a refused move changes nothing
            if before.state in FINAL:
                continue
            assert before.state not in TRANSITIONS[action]
        else:
            # the one declared way out of a final state (obligations._lifecycle.REOPENING)
            if (action, before.state) not in REOPENING:
                assert before.state not in FINAL, f"{action} left final state {before.state}"


def test_only_a_fulfilment_reopens():
    assert REOPENING == {("reopen", S.FULFILLED)}
    assert TRANSITIONS["reopen"] == {S.FULFILLED: S.IN_EFFECT}
    for state in FINAL - {S.FULFILLED}:
        ob = Obligation.from_dict({**created().to_dict(), "state": state.value})
        with pytest.raises(InvalidTransition):
            transition(ob, "reopen", at=T0)
    done = transition(transition(created(), "activate", at=T0), "fulfil", at=T0, reason="paid")
    assert done.data["reason"] == "paid"
    again = transition(done, "reopen", at=T0)
    assert again.state is S.IN_EFFECT and "reason" not in again.data
    # a reopening is not offered as an alternative when another move is refused
    with pytest.raises(InvalidTransition) as info:
        transition(done, "fulfil", at=T0)
    assert "reopen" not in str(info.value)


@given(st.sampled_from(list(S)), actions)
def test_fulfilled_violated_discharged_only_from_in_effect_or_expiry(state, action):
    ob = created()
    ob = Obligation.from_dict({**ob.to_dict(), "state": state.value})
    try:
        after = transition(ob, action, at=T0)
    except InvalidTransition:
        assert action not in allowed_actions(state)
        return
    if after.state in (S.FULFILLED, S.VIOLATED):
        assert state is S.IN_EFFECT
    if after.state is S.DISCHARGED:
        assert state is S.IN_EFFECT or (state is S.CREATED and action == "expire")
    if after.state is S.TERMINATED:
        assert state in (S.IN_EFFECT, S.SUSPENDED)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 2), actions), max_size=25))
def test_replaying_the_audit_log_rebuilds_the_same_state(steps):
    current: dict[str, Obligation] = {}
    log = []
    for i in range(3):
        ob, entries = birth(created(i), at=T0, actor="test")
        current[ob.id] = ob
        log.extend(entries)
    for n, (which, action) in enumerate(steps):
        ob = current[f"ob-{which}"]
        at = T0 + timedelta(minutes=n)
        try:
            after, entry = move(ob, action, at=at, actor="test", reason=f"step {n}")
        except InvalidTransition:
            continue
        current[after.id] = after
        log.append(entry)
    chained = link(log, last=None)
    assert verify_chain(chained) == []
    assert replay(chained) == current
