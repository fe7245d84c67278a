"""Periods, deadlines and the end of the local day, in the agreement's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obligations._calendar import (
    PERIODS,
    add_business_days,
    country_for_timezone,
    due_date,
    end_of_local_day,
    is_business_day,
    local_date,
    next_period,
    period_of,
    periods,
    start_of_local_day,
)

NY = "America/New_York"


def test_weekly_is_the_iso_week_monday_to_sunday():
    assert period_of(date(2026, 1, 7), "weekly") == (date(2026, 1, 5), date(2026, 1, 11))
    assert period_of(date(2026, 1, 11), "weekly") == (date(2026, 1, 5), date(2026, 1, 11))
    assert period_of(date(2026, 1, 12), "weekly") == (date(2026, 1, 12), date(2026, 1, 18))
    # a week spanning the new year belongs to neither year in particular
    assert period_of(date(2026, 1, 1), "weekly") == (date(2025, 12, 29), date(2026, 1, 4))


def test_calendar_periods():
    assert period_of(date(2028, 2, 10), "monthly") == (date(2028, 2, 1), date(2028, 2, 29))
    assert period_of(date(2026, 5, 20), "quarterly") == (date(2026, 4, 1), date(2026, 6, 30))
    assert period_of(date(2026, 12, 31), "quarterly") == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_of(date(2026, 7, 4), "annually") == (date(2026, 1, 1), date(2026, 12, 31))
    assert next_period(date(2026, 1, 5), "weekly") == date(2026, 1, 12)
    with pytest.raises(ValueError, match="unknown period 'fortnightly'"):
        period_of(date(2026, 1, 1), "fortnightly")


def test_sunday_late_evening_local_is_still_the_old_week():
    # Sunday 2026-01-11 23:30 in New York is already Monday 04:30 UTC
    instant = datetime(2026, 1, 11, 23, 30, tzinfo=ZoneInfo(NY))
    assert instant.astimezone(UTC).date() == date(2026, 1, 12)
    assert period_of(local_date(instant, NY), "weekly") == (date(2026, 1, 5), date(2026, 1, 11))


def test_periods_cover_a_range_without_gaps():
    got = list(periods(date(2026, 1, 7), date(2026, 1, 20), "weekly"))
    assert got == [
        (date(2026, 1, 5), date(2026, 1, 11)),
        (date(2026, 1, 12), date(2026, 1, 18)),
        (date(2026, 1, 19), date(2026, 1, 25)),
    ]


def test_month_arithmetic_clamps_to_month_end():
    assert due_date(date(2026, 1, 31), months=1) == date(2026, 2, 28)
    assert due_date(date(2028, 1, 31), months=1) == date(2028, 2, 29)  # leap year
    assert due_date(date(2028, 2, 29), months=12) == date(2029, 2, 28)
    assert due_date(date(2026, 1, 11), days=31) == date(2026, 2, 11)  # scenario A
    assert due_date(date(2026, 1, 15), days=30) == date(2026, 2, 14)  # scenario C
    assert due_date(date(2026, 3, 6), months=6, days=-1) == date(2026, 9, 5)  # scenario B window


def test_month_end_rounding_and_backwards_days():
    assert due_date(date(2026, 2, 3), days=10, rounding="month_end") == date(2026, 2, 28)
    assert due_date(date(2028, 2, 20), days=5, rounding="month_end") == date(2028, 2, 29)
    assert due_date(date(2029, 1, 5), days=-90) == date(2028, 10, 7)
    with pytest.raises(ValueError):
        due_date(date(2026, 1, 1), calendar="lunar")
    with pytest.raises(ValueError):
        due_date(date(2026, 1, 1), rounding="up")


def test_business_days_skip_weekends_and_public_holidays():
    assert country_for_timezone(NY) == "US"
    assert country_for_timezone("Asia/Dhaka") == "BD"
    assert country_for_timezone("Africa/Maseru") == "LS"
    assert country_for_timezone("Asia/Kolkata") == "IN"
    assert country_for_timezone("Asia/Karachi") == "PK"
    assert country_for_timezone("Europe/Paris") is None
    # Thursday 24 Dec 2026 + 3 business days: skips Christmas (Fri), the weekend → Wed 30 Dec
    assert add_business_days(date(2026, 12, 24), 3, "US") == date(2026, 12, 30)
    assert add_business_days(date(2026, 12, 24), 3, None) == date(2026, 12, 29)
    assert not is_business_day(date(2026, 7, 3), "US")  # Independence Day observed
    assert is_business_day(date(2026, 7, 3), None)
    assert add_business_days(date(2026, 12, 28), -2, "US") == date(2026, 12, 23)
    assert due_date(date(2026, 12, 24), days=3, calendar="business_days", country="US") == date(
        2026, 12, 30
    )
    # Bangladesh: Victory Day, 16 December
    assert not is_business_day(date(2026, 12, 16), "BD")


def test_end_of_local_day_is_the_next_local_midnight_in_utc():
    assert end_of_local_day(date(2026, 2, 11), NY) == datetime(2026, 2, 12, 5, tzinfo=UTC)
    assert end_of_local_day(date(2026, 7, 1), NY) == datetime(2026, 7, 2, 4, tzinfo=UTC)
    assert start_of_local_day(date(2026, 3, 2), NY) == datetime(2026, 3, 2, 5, tzinfo=UTC)
    assert end_of_local_day(date(2026, 3, 1), "Asia/Dhaka") == datetime(2026, 3, 1, 18, tzinfo=UTC)


def test_dst_spring_forward_and_fall_back_days_in_new_york():
    # 8 March 2026: clocks jump 02:00 → 03:00, the local day lasts 23 hours
    start = start_of_local_day(date(2026, 3, 8), NY)
    end = end_of_local_day(date(2026, 3, 8), NY)
    assert (start, end) == (
        datetime(2026, 3, 8, 5, tzinfo=UTC),
        datetime(2026, 3, 9, 4, tzinfo=UTC),
    )
    assert end - start == timedelta(hours=23)
    # 1 November 2026: clocks fall back 02:00 → 01:00, the local day lasts 25 hours
    start = start_of_local_day(date(2026, 11, 1), NY)
    end = end_of_local_day(date(2026, 11, 1), NY)
    assert end - start == timedelta(hours=25)
    assert end == datetime(2026, 11, 2, 5, tzinfo=UTC)


def test_a_midnight_that_does_not_exist_resolves_to_the_jump():
    # Chile moved clocks from 00:00 to 01:00 on 11 Sept 2022; the 10th ends at the jump
    assert end_of_local_day(date(2022, 9, 10), "America/Santiago") == datetime(
        2022, 9, 11, 4, tzinfo=UTC
    )


def test_local_date_refuses_naive():
    with pytest.raises(ValueError, match="no UTC offset"):
        local_date(datetime(2026, 1, 1, 12), NY)


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
zones = st.sampled_from(
    [NY, "Asia/Dhaka", "Africa/Maseru", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
)


@given(dates, st.sampled_from(PERIODS))
def test_every_date_lies_in_its_period(d, period):
    start, end = period_of(d, period)
    assert start <= d <= end
    assert period_of(start, period) == (start, end) == period_of(end, period)
    assert period_of(end + timedelta(days=1), period)[0] == end + timedelta(days=1)


@given(
    dates,
    st.integers(0, 400),
    st.integers(0, 36),
    st.sampled_from(["calendar_days", "business_days"]),
    st.sampled_from(["none", "month_end"]),
)
def test_due_is_never_before_the_anchor(anchor, days, months, calendar, rounding):
    due = due_date(
        anchor, days=days, months=months, calendar=calendar, rounding=rounding, country="US"
    )
    assert due >= anchor
    if calendar == "business_days" and days:
        assert is_business_day(due, "US") or rounding == "month_end"


@given(dates, zones)
def test_local_days_tile_time(d, tz):
    end = end_of_local_day(d, tz)
    assert end == start_of_local_day(d + timedelta(days=1), tz)
    assert timedelta(hours=22) <= end - start_of_local_day(d, tz) <= timedelta(hours=26)
    assert local_date(end - timedelta(microseconds=1), tz) == d
    assert local_date(end, tz) == d + timedelta(days=1)
