"""Compiling specs into instances at execution, and the recurrence horizon."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from obligations import HORIZON, LegalState, compile_agreement
from obligations._compile import compile_instances, horizon, pending_periods
from obligations._context import AgreementContext, initial_term_end
from tests.obligations.factories import (
    agreement,
    fair_food,
    reporting_section,
    term_section,
)

NOW = datetime(2026, 1, 5, 15, tzinfo=UTC)


def test_event_specs_create_nothing_at_execution():
    assert compile_agreement(fair_food(), date(2026, 1, 5), NOW) == []


def test_term_end_defaults_to_36_months_and_follows_the_clause():
    # the last day of the term: 36 months from 2026-01-05 end on 2029-01-04
    assert initial_term_end(fair_food()) == date(2029, 1, 4)
    assert initial_term_end(agreement(term_section(months=26))) == date(2028, 3, 4)


def test_opt_out_notice_counts_back_from_term_end():
    obs = compile_agreement(agreement(term_section(opt_out_days=90)), date(2026, 1, 5), NOW)
    assert len(obs) == 1
    ob = obs[0]
    assert ob.spec_id == "term_and_renewal.opt_out_notice"
    assert ob.due == date(2028, 10, 6)  # 90 days before the last day, 2029-01-04
    assert ob.key == "once" and ob.subject is None
    assert ob.state is LegalState.IN_EFFECT
    assert ob.due_at == datetime(2028, 10, 7, 4, tzinfo=UTC)


def test_recurrences_are_materialised_up_to_the_horizon_only():
    agr = agreement(reporting_section(every="quarterly", days=30))
    obs = compile_agreement(agr, date(2026, 1, 5), NOW)
    # quarters from Q1 2026; due 30 days after quarter end; horizon = 2026-01-05 + 400 days
    assert (
        horizon(
            AgreementContext(agreement=agr, signed_on=date(2026, 1, 5), term_end=date(2029, 1, 5)),
            NOW,
        )
        == date(2026, 1, 5) + HORIZON
    )
    assert [(o.key, o.due.isoformat()) for o in obs] == [
        ("2026-01-01", "2026-04-30"),
        ("2026-04-01", "2026-07-30"),
        ("2026-07-01", "2026-10-30"),
        ("2026-10-01", "2027-01-30"),
        ("2027-01-01", "2027-04-30"),  # the next deadline after the horizon is always there
    ]
    assert all(o.period_end is not None and o.due > o.period_end for o in obs)
    assert len({o.id for o in obs}) == 5


def test_recurrence_per_supplier_and_until_term_end():
    agr = agreement(
        reporting_section(every="annually", days=0, subject="supplier"),
        term_section(months=24),
        suppliers=("A", "B", "C"),
    )
    ctx = AgreementContext(agreement=agr, signed_on=date(2026, 1, 5), term_end=date(2028, 1, 5))
    periods = list(
        pending_periods(ctx, ctx.spec("transparency_reporting.report"), through=date(2099, 1, 1))
    )
    assert [p[0][0].year for p in periods] == [
        2026,
        2027,
        2028,
    ]  # 2028 overlaps the term's last days
    later = compile_instances(ctx, now=datetime(2027, 6, 1, tzinfo=UTC))
    reports = [o for o in later if o.spec_id == "transparency_reporting.report"]
    assert sorted({o.subject for o in reports}) == ["A", "B", "C"]
    assert len(reports) == 9  # 2026, 2027 due by the horizon (2028-07-05); 2028 the next one


def test_weekly_recurrence_horizon_bounds_the_count():
    agr = agreement(reporting_section(every="weekly", days=7))
    obs = compile_agreement(agr, date(2026, 1, 5), NOW)
    assert len(obs) == 57  # weeks ending 2026-01-11 … 2027-01-31 (due ≤ 2027-02-09) + the next
    assert sorted(o.due for o in obs)[-2] <= date(2026, 1, 5) + timedelta(days=400)
    assert max(o.due for o in obs) == date(2027, 2, 14)
    assert all(o.state is LegalState.IN_EFFECT for o in obs)
