"""The end of an agreement: termination (a decision) and expiry (the term running out).

What had accrued by the agreement's last day stays owed (the term clause: an ending does not
affect accrued obligations, such as a premium earned on purchases during the term or the
investigation of a complaint already filed). Ongoing duties (prohibitions) and scheduled
instances that had not begun end with it: terminated on a termination, discharged on expiry,
each audited with the reason. Later events are refused; earlier ones recorded late are still
accepted. Runs on every store.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clauses import Conflict, InputError
from obligations import (
    AgreementStatus,
    LegalState,
    ObligationService,
    reconcile,
    replay,
    verify_chain,
)
from tests.obligations.factories import (
    agreement,
    complaints_section,
    cutoff_section,
    premium_section,
    section,
    spec,
    term_section,
)


def at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def non_retaliation() -> dict:
    """A surviving duty: no retaliation for 12 months from execution, whatever happens."""
    return section(
        "9",
        "non_retaliation",
        {},
        [
            spec(
                "non_retaliation",
                "no_retaliation",
                kind="prohibition",
                obligor="buyer",
                trigger={"on": "execution"},
                anchor="execution",
                months=12,
                surviving=True,
            )
        ],
    )


def tracked(store, *sections, months: int = 36):
    svc = ObligationService(store, actor="test")
    agr = agreement(*sections, term_section(months=months))
    svc.track(agr, signed_on=date(2026, 1, 5), now=at("2026-01-05"))
    return svc, agr.id


def purchase(svc, agreement_id, on, now, quantity="1000"):
    return svc.record_event(
        agreement_id,
        "purchase_recorded",
        on=on,
        fields={"supplier": "GROWER-G", "quantity": quantity, "unit": "lb"},
        now=now,
    )


def test_termination_ends_open_obligations_and_keeps_surviving_ones(store):
    svc, aid = tracked(store, premium_section(), cutoff_section(), non_retaliation())
    purchase(svc, aid, "2026-01-07", at("2026-01-08"))
    [premium] = store.find_obligations(agreement_id=aid, spec_id="premium.payment")
    result = svc.terminate(
        aid, on="2026-02-01", reason="brand exited the programme", now=at("2026-02-02")
    )
    assert result.agreement.status is AgreementStatus.TERMINATED
    assert store.get_agreement(aid).status is AgreementStatus.TERMINATED
    assert result.terminated_on == date(2026, 2, 1)
    # the agreement itself carries the date and the reason
    assert result.agreement.terminated_on == date(2026, 2, 1)
    assert store.get_agreement(aid).terminated_on == date(2026, 2, 1)
    assert store.get_agreement(aid).termination_reason == "brand exited the programme"
    closed = {o.spec_id: o for o in result.closed}
    # the opt-out notice (due in 2028) had not begun: it ends with the agreement
    assert set(closed) == {"term_and_renewal.opt_out_notice"}
    reason = "agreement terminated on 2026-02-01: brand exited the programme"
    for ob in result.closed:
        assert ob.state is LegalState.TERMINATED and ob.data["reason"] == reason
        assert store.get_obligation(ob.id) == ob
    # the premium earned on January's purchases has accrued and is still owed; the surviving
    # non-retaliation duty stays too
    kept = {o.spec_id: o for o in result.surviving}
    assert set(kept) == {"premium.payment", "non_retaliation.no_retaliation"}
    assert kept["premium.payment"].id == premium.id
    for ob in kept.values():
        assert ob.state is LegalState.IN_EFFECT
        assert store.get_obligation(ob.id).state is LegalState.IN_EFFECT

    entries = store.audit_entries(aid)
    [ended] = [e for e in entries if e.action == "agreement_terminated"]
    assert ended.reason == "brand exited the programme"
    assert ended.after is not None and ended.after["terminated_on"] == "2026-02-01"
    assert ended.after["termination_reason"] == "brand exited the programme"
    assert ended.before is not None and ended.before["terminated_on"] is None
    terminated = [e for e in entries if e.action == "terminated"]
    assert sorted(e.obligation_id for e in terminated) == sorted(o.id for o in result.closed)
    assert all(e.reason == reason for e in terminated)
    assert verify_chain(store.audit_entries()) == []
    assert replay(store.audit_entries()) == {o.id: o for o in store.find_obligations()}
    assert reconcile(store, store.audit_entries()) == []

    # queries after termination materialise nothing new and change nothing
    before = store.find_obligations(agreement_id=aid)
    svc.obligations(agreement_id=aid, now=at("2026-06-01"))
    assert store.find_obligations(agreement_id=aid) == before


def test_events_after_termination_are_refused_earlier_ones_recorded(store):
    svc, aid = tracked(store, premium_section(), cutoff_section())
    svc.terminate(aid, on="2026-02-01", reason="material breach", now=at("2026-02-02"))
    before = (len(store.audit_entries()), store.list_events(aid))
    with pytest.raises(InputError) as exc:
        purchase(svc, aid, "2026-02-05", at("2026-02-06"))
    assert str(exc.value.problems[0]) == (
        f"on: agreement {aid} was terminated on 2026-02-01; "
        "events after that date cannot be recorded"
    )
    assert (len(store.audit_entries()), store.list_events(aid)) == before

    # a purchase made before the termination, reported late: recorded, and the premium it
    # earned accrued during the term, so it is owed although the agreement has ended
    r = purchase(svc, aid, "2026-01-28", at("2026-02-06"))
    [created] = r.created
    assert created.spec_id == "premium.payment" and created.state is LegalState.IN_EFFECT
    assert store.get_obligation(created.id).state is LegalState.IN_EFFECT
    assert not any("closed with the agreement" in m for m in r.messages)
    assert [e.occurred_on for e in store.list_events(aid)] == [date(2026, 1, 28)]


def test_bad_terminations_are_refused_and_write_nothing(store):
    svc, aid = tracked(store, premium_section())
    before = len(store.audit_entries())
    with pytest.raises(InputError, match="reason: a termination needs a reason"):
        svc.terminate(aid, on="2026-02-01", reason=" ", now=at("2026-02-02"))
    with pytest.raises(InputError) as exc:
        svc.terminate(
            aid,
            on="2026-05-01",
            reason="x",
            now=datetime.fromisoformat("2026-04-20T09:00:00-04:00"),
        )
    assert str(exc.value.problems[0]) == (
        "on: 2026-05-01 is after now (2026-04-20 09:00 -04:00); "
        "record events once they have happened"
    )
    with pytest.raises(InputError, match="is before the agreement was executed"):
        svc.terminate(aid, on="2025-12-01", reason="x", now=at("2026-02-02"))
    assert len(store.audit_entries()) == before
    svc.terminate(aid, on="2026-02-01", reason="x", now=at("2026-02-02"))
    after = len(store.audit_entries())
    with pytest.raises(Conflict, match="was terminated on 2026-02-01; nothing changed"):
        svc.terminate(aid, on="2026-02-03", reason="again", now=at("2026-02-04"))
    assert len(store.audit_entries()) == after


def test_expiry_discharges_ongoing_duties_and_keeps_what_accrued(store):
    """A 12-month term from 2026-01-05 ends on 2027-01-04 (no auto-renewal)."""
    svc, aid = tracked(store, complaints_section(), cutoff_section(), non_retaliation(), months=12)
    for day, supplier in (("2026-12-01", "GROWER-G"), ("2026-12-28", "GROWER-H")):
        svc.record_event(
            aid,
            "complaint_filed",
            on=day,
            fields={"supplier": supplier, "category": "wages"},
            now=at(day),
        )
    svc.record_event(
        aid,
        "supplier_suspended",
        on="2026-12-20",
        fields={"supplier": "GROWER-G", "reason": "audit"},
        now=at("2026-12-28"),  # reported late: the log is in time order
    )
    # a read shows the expiry; the sweep is what records it, and records exactly that
    shown = svc.obligations(agreement_id=aid, now=at("2027-01-10"))
    assert store.get_agreement(aid).status is AgreementStatus.ACTIVE
    svc.sweep(now=at("2027-01-10"))
    assert store.find_obligations(agreement_id=aid) == shown
    [agr] = svc.agreements(now=at("2027-01-10"))
    assert agr.status is AgreementStatus.EXPIRED and agr.term_end == date(2027, 1, 4)
    assert store.get_agreement(aid) == agr
    obs = {(o.spec_id, o.subject): o for o in store.find_obligations(agreement_id=aid)}
    # due 2026-12-15, within the term: still owed (and overdue)
    inside = obs[("complaint_mechanism.investigation", "GROWER-G")]
    assert inside.state is LegalState.IN_EFFECT and inside.due == date(2026, 12, 15)
    # due 2027-01-11, after the term, but the complaint was filed during it: still owed
    after = obs[("complaint_mechanism.investigation", "GROWER-H")]
    assert after.due == date(2027, 1, 11) and after.state is LegalState.IN_EFFECT
    # the buyer's duty not to buy from the suspended supplier ends with the agreement
    cutoff = obs[("sourcing_cutoff.cease_purchases", "GROWER-G")]
    assert cutoff.state is LegalState.DISCHARGED
    assert cutoff.data["reason"] == "agreement expired on 2027-01-04"
    # due 2027-01-05, after the term, and it survives the agreement
    kept = obs[("non_retaliation.no_retaliation", None)]
    assert kept.due == date(2027, 1, 5) and kept.state is LegalState.IN_EFFECT
    discharged = sorted(o.id for o in obs.values() if o.state is LegalState.DISCHARGED)
    assert discharged == [cutoff.id]
    assert (
        sorted(
            e.obligation_id
            for e in store.audit_entries(aid)
            if e.action == "discharged" and "expired" in e.reason
        )
        == discharged
    )

    with pytest.raises(InputError) as exc:
        svc.record_event(
            aid,
            "complaint_filed",
            on="2027-01-05",
            fields={"supplier": "GROWER-G", "category": "x"},
            now=at("2027-01-10"),
        )
    assert str(exc.value.problems[0]) == (
        f"on: agreement {aid} expired on 2027-01-04; events after that date cannot be recorded"
    )
    # the last day of the term still counts, and what it opens has accrued within the term
    r = svc.record_event(
        aid,
        "complaint_filed",
        on="2027-01-04",
        fields={"supplier": "GROWER-G", "category": "late report"},
        now=at("2027-01-10"),
    )
    assert r.created and {o.state for o in r.created} == {LegalState.IN_EFFECT}
    assert verify_chain(store.audit_entries()) == []
    assert reconcile(store, store.audit_entries()) == []  # every table as the log says


def test_decisions_cannot_be_dated_after_now(store):
    svc, aid = tracked(store, premium_section(), cutoff_section())
    r = purchase(svc, aid, "2026-01-07", at("2026-01-08"))
    [premium] = r.created
    now = datetime.fromisoformat("2026-01-20T09:00:00-05:00")
    message = (
        "on: 2026-01-21 is after now (2026-01-20 09:00 -05:00); "
        "record events once they have happened"
    )
    before = len(store.audit_entries())
    with pytest.raises(InputError) as exc:
        svc.fulfil(premium.id, on="2026-01-21", evidence=None, note="", now=now)
    assert str(exc.value.problems[0]) == message
    with pytest.raises(InputError) as exc:
        svc.confirm_breach(premium.id, on="2026-01-21", reason="unpaid", now=now)
    assert str(exc.value.problems[0]) == message
    with pytest.raises(InputError) as exc:
        purchase(svc, aid, "2026-01-21", now)
    assert str(exc.value.problems[0]) == message
    # an aware time later the same day is refused too; earlier that day is fine
    with pytest.raises(InputError, match="is after now"):
        purchase(svc, aid, "2026-01-20T10:00:00-05:00", now)
    assert len(store.audit_entries()) == before
    purchase(svc, aid, "2026-01-20T08:00:00-05:00", now)
    assert len(store.list_events(aid)) == 2


def test_a_determination_with_no_agreement_in_force_is_refused(store):
    svc, aid = tracked(store, premium_section(), cutoff_section())
    svc.terminate(aid, on="2026-02-01", reason="ended", now=at("2026-02-02"))
    before = len(store.audit_entries())
    with pytest.raises(InputError) as exc:
        svc.record_determination(
            "supplier_suspended",
            supplier="GROWER-G",
            on="2026-03-02",
            fields={},
            now=at("2026-03-02"),
        )
    assert str(exc.value.problems[0]) == (
        "on: no agreement covering GROWER-G is in force on 2026-03-02 "
        f"({aid}: agreement {aid} was terminated on 2026-02-01)"
    )
    assert len(store.audit_entries()) == before
