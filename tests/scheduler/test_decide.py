"""The decision step (scheduler._decide): pure, so tested on hand-built state, by example and
with Hypothesis over ladders, creation days and sweep calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from obligations import LegalState
from scheduler import DEFAULT_REMINDERS, AgreementState, Follower, Party, Role, Step, decide
from scheduler._decide import ladder, local_day
from tests.obligations.conftest import _obligation

TZ = "America/New_York"
DUE = date(2026, 2, 11)
PARTIES = (
    Party("buyer", "Buyer Co", ("legal@buyer.example", "ops@buyer.example")),
    Party("workers", "Workers' Alliance", ("office@workers.example",), language="es"),
    Party("monitor", "Standards Council", ("desk@council.example",)),
)


def at(day: date, hour: int = 9) -> datetime:
    """``hour`` o'clock in New York on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ))


def state(*obligations, reminders=None, followers=(), holders=None) -> AgreementState:
    return AgreementState(
        agreement_id="agr-000000000001",
        timezone=TZ,
        parties=PARTIES,
        followers=followers,
        obligations=obligations,
        reminders=reminders or {},
        holders=holders or {},
    )


def ob(**over):
    values = {"due": DUE, "created_at": at(DUE - timedelta(60))}
    values.update(over)
    return _obligation(**values)


def steps(decisions):
    return sorted({(d.step_name, d.recipient.email) for d in decisions})


def test_default_ladder_reminds_the_obligor_14_7_and_1_days_before():
    o = ob()
    seen = {}
    for back in (20, 14, 13, 7, 1):
        got = decide([state(o)], now=at(DUE - timedelta(back)))
        seen[back] = steps(got)
    assert seen[20] == []
    assert seen[14] == [("reminder_14", "legal@buyer.example")]
    assert seen[13] == [("reminder_14", "legal@buyer.example")]  # still the latest rung
    assert seen[7] == [("reminder_7", "legal@buyer.example")]
    assert seen[1] == [("reminder_1", "legal@buyer.example")]


def test_the_spec_s_own_reminders_replace_the_default_and_empty_means_none_before_the_due_day():
    o = ob()
    spec = {o.spec_id: (30,)}
    assert steps(decide([state(o, reminders=spec)], now=at(DUE - timedelta(20)))) == [
        ("reminder_30", "legal@buyer.example")
    ]
    none = {o.spec_id: ()}
    assert decide([state(o, reminders=none)], now=at(DUE - timedelta(1))) == []
    assert steps(decide([state(o, reminders=none)], now=at(DUE))) == [
        ("due", "legal@buyer.example")
    ]


def test_overdue_notices_every_seven_days_go_to_obligor_monitor_and_beneficiary():
    o = ob()
    assert steps(decide([state(o)], now=at(DUE + timedelta(3)))) == [("due", "legal@buyer.example")]
    got = decide([state(o)], now=at(DUE + timedelta(7)))
    assert steps(got) == [
        ("overdue_7", "desk@council.example"),
        ("overdue_7", "legal@buyer.example"),
        ("overdue_7", "office@workers.example"),
    ]
    assert {d.recipient.role for d in got} == {Role.OBLIGOR, Role.MONITOR, Role.BENEFICIARY}
    assert {d.recipient.language for d in got if d.recipient.role is Role.BENEFICIARY} == {"es"}
    assert {d.step_name for d in decide([state(o)], now=at(DUE + timedelta(15)))} == {"overdue_14"}


def test_followers_get_a_copy_of_every_notice_in_their_language_once():
    o = ob()
    f = (Follower("Staff@Council.example", "Staff", "es"), Follower("desk@council.example", "D"))
    got = decide([state(o, followers=f)], now=at(DUE + timedelta(7)))
    emails = [d.recipient.email for d in got]
    assert len(emails) == len(set(emails)) == 4  # the monitor's address is not doubled
    staff = next(d for d in got if d.recipient.email == "staff@council.example")
    assert (staff.recipient.role, staff.recipient.language) == (Role.FOLLOWER, "es")


def test_nothing_for_duties_not_in_effect_nor_for_prohibitions_by_time():
    for s in (
        LegalState.CREATED,
        LegalState.SUSPENDED,
        LegalState.FULFILLED,
        LegalState.DISCHARGED,
    ):
        assert decide([state(ob(state=s))], now=at(DUE + timedelta(7))) == []
    assert decide([state(ob(kind="prohibition"))], now=at(DUE + timedelta(7))) == []


def test_a_suspected_breach_tells_the_monitor_and_a_confirmed_one_serves_the_obligor():
    suspected = ob(kind="prohibition", flags={"breach_suspected"})
    assert steps(decide([state(suspected)], now=at(DUE + timedelta(2)))) == [
        ("breach_suspected", "desk@council.example"),
        ("breach_suspected", "office@workers.example"),
    ]
    confirmed = ob(state=LegalState.VIOLATED, flags={"breach_suspected"})
    got = decide([state(confirmed)], now=at(DUE + timedelta(9)))
    assert {(d.step, d.recipient.role) for d in got} == {
        (Step.BREACH_NOTICE, Role.OBLIGOR),
        (Step.BREACH_NOTICE, Role.MONITOR),
        (Step.BREACH_NOTICE, Role.BENEFICIARY),
    }
    kpi = ob(kpi=True, flags={"breach_suspected"})
    assert all(d.step is not Step.BREACH_SUSPECTED for d in decide([state(kpi)], now=at(DUE)))


def test_an_overdue_cure_escalates_to_the_holders_of_the_powers():
    cure = ob(spec_id="premium.payment.cure", data={"cure_of": "ob-x", "powers": ["suspend"]})
    got = decide(
        [state(cure, holders={"premium.payment": ["workers"]})], now=at(DUE + timedelta(7))
    )
    escalation = sorted(
        (d.recipient.role.value, d.recipient.email) for d in got if d.step is Step.ESCALATION
    )
    assert escalation == [("holder", "office@workers.example"), ("monitor", "desk@council.example")]


def test_a_rung_dated_before_the_obligation_existed_is_never_sent():
    late_born = ob(created_at=at(DUE - timedelta(10)))
    assert decide([state(late_born)], now=at(DUE - timedelta(10))) == []  # 14 days: before it
    assert steps(decide([state(late_born)], now=at(DUE - timedelta(7)))) == [
        ("reminder_7", "legal@buyer.example")
    ]


def test_the_local_day_decides_not_the_utc_day():
    o = ob()
    # 23:30 in New York on the day 7 days before is already the next day in UTC
    evening = datetime(2026, 2, 4, 23, 30, tzinfo=UTC) + timedelta(hours=5)
    assert {d.step_name for d in decide([state(o)], now=evening)} == {"reminder_7"}


# -- properties ---------------------------------------------------------------------------------

offsets = st.lists(st.integers(1, 40), max_size=5).map(tuple)


@settings(max_examples=150, deadline=None)
@given(
    reminders=st.one_of(st.none(), offsets),
    created_back=st.integers(0, 60),
    start_back=st.integers(-10, 50),
    gaps=st.lists(st.integers(1, 9), min_size=1, max_size=25),
    hour=st.integers(0, 23),
)
def test_daily_or_irregular_sweeps_decide_each_key_once_in_ladder_order(
    reminders, created_back, start_back, gaps, hour
):
    """Whatever the calendar of sweeps: each notice key is decided at most once, a second sweep
    at the same now decides nothing, no rung precedes the obligation's creation, and the rungs
    reached go forward along the ladder (never back to an earlier one)."""
    o = ob(created_at=at(DUE - timedelta(created_back)))
    spec = {} if reminders is None else {o.spec_id: reminders}
    s = state(o, reminders=spec)
    ladder_days = reminders if reminders is not None else DEFAULT_REMINDERS
    known: set[str] = set()
    order: list[int] = []
    day = DUE - timedelta(start_back)
    for gap in gaps:
        now = at(day, hour)
        got = decide([s], now=now, known=known)
        assert decide([s], now=now, known=known | {d.notice_id for d in got}) == []
        for d in got:
            assert d.notice_id not in known
            known.add(d.notice_id)
            assert d.step in (Step.REMINDER, Step.DUE, Step.OVERDUE)
            assert d.due_on - timedelta(d.offset_days or 0) >= local_day(o.created_at, TZ)
            if d.step is Step.REMINDER:
                assert d.offset_days in ladder_days
            order.append(-(d.offset_days or 0))
        day += timedelta(gap)
    assert order == sorted(order)


@settings(max_examples=100, deadline=None)
@given(reminders=offsets, back=st.integers(-40, 60))
def test_the_latest_rung_is_the_one_whose_day_came_last(reminders, back):
    o = ob()
    today = DUE - timedelta(back)
    rung = ladder(o, reminders, today)
    days = [DUE - timedelta(d) for d in reminders if d > 0] + [DUE]
    days += [DUE + timedelta(7 * k) for k in range(1, 20)]
    passed = [d for d in days if d <= today]
    if not passed:
        assert rung is None
    else:
        assert rung is not None and rung[2] == max(passed)
