"""Dates and deadlines in the agreement's own time zone: periods, due dates, end of the local day.

Contract deadlines are local dates ("within 31 days after the end of the week"), and a deadline
runs to the END of its local day; that instant is what timing compares against. Everything
here is pure: dates in, dates out, with the zone given explicitly.

Choices made explicit:
- periods are calendar periods in the agreement zone: weekly = ISO week (Monday–Sunday),
  monthly, quarterly (Jan/Apr/Jul/Oct), annually (calendar year); ends are inclusive dates;
- months are added first (``relativedelta``: Jan 31 + 1 month = Feb 28, or 29 in a leap year),
  then days, then ``month_end`` rounding moves the date to the last day of its month;
- business days skip Saturday, Sunday and the public holidays of the country the agreement's
  zone lies in (a small table; zones outside it get weekends only);
- negative days count backwards (``term_end`` anchors: a notice due N days before the end);
- the end of a local day is the next local midnight as an aware UTC instant; if that midnight
  does not exist (a DST jump at 00:00) the instant of the jump is used, and if it occurs twice
  (a fall-back at 00:00) the first occurrence, the earliest moment the day is over.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

Period = Literal["weekly", "monthly", "quarterly", "annually"]
PERIODS: tuple[str, ...] = ("weekly", "monthly", "quarterly", "annually")

#: IANA zone → ISO country for public holidays; the zones our programmes run in
_ZONE_COUNTRY: dict[str, str] = {
    "Asia/Dhaka": "BD",
    "Africa/Maseru": "LS",
    "Asia/Kolkata": "IN",
    "Asia/Calcutta": "IN",
    "Asia/Karachi": "PK",
}


def zone(name: str) -> ZoneInfo:
    """The IANA zone by name (raises ``ZoneInfoNotFoundError`` for unknown names)."""
    return _zone(name)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# -- periods ---------------------------------------------------------------------------------


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r} (known: {', '.join(PERIODS)})")


def period_of(d: date, period: str) -> tuple[date, date]:
    """The (first, last) day of the calendar period containing ``d``; both inclusive."""
    _check_period(period)
    if period == "weekly":
        start = d - timedelta(days=d.weekday())
        return start, start + timedelta(days=6)
    if period == "monthly":
        return d.replace(day=1), d.replace(day=monthrange(d.year, d.month)[1])
    if period == "quarterly":
        first_month = 3 * ((d.month - 1) // 3) + 1
        start = date(d.year, first_month, 1)
        end_month = first_month + 2
        return start, date(d.year, end_month, monthrange(d.year, end_month)[1])
    return date(d.year, 1, 1), date(d.year, 12, 31)


def next_period(start: date, period: str) -> date:
    """The first day of the period after the one that starts on ``start``."""
    return period_of(start, period)[1] + timedelta(days=1)


def periods(first: date, last: date, period: str) -> Iterator[tuple[date, date]]:
    """Every period that overlaps the inclusive range ``first``..``last``, in order."""
    start, end = period_of(first, period)
    while start <= last:
        yield start, end
        start, end = period_of(end + timedelta(days=1), period)


# -- deadlines -------------------------------------------------------------------------------


def country_for_timezone(tz: str) -> str | None:
    """The country whose public holidays apply, derived from the agreement zone (or None)."""
    if tz.startswith("America/"):
        return "US"
    return _ZONE_COUNTRY.get(tz)


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    # imported here: the package costs ~0.1 s to import and most reads never count a business day
    import holidays

    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_business_day(d: date, country: str | None) -> bool:
    """Monday–Friday and not a public holiday of ``country``."""
    if d.weekday() >= 5:
        return False
    return country is None or d not in _holidays(country, d.year)


def add_business_days(d: date, n: int, country: str | None) -> date:
    """``n`` business days after ``d`` (before it when negative); ``d`` itself never counts."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        d += timedelta(days=step)
        if is_business_day(d, country):
            remaining -= 1
    return d


def month_end(d: date) -> date:
    return d.replace(day=monthrange(d.year, d.month)[1])


def due_date(
    anchor: date,
    *,
    days: int = 0,
    months: int = 0,
    calendar: str = "calendar_days",
    rounding: str = "none",
    country: str | None = None,
) -> date:
    """Anchor + months + days on the given calendar, then rounded as the clause says."""
    if calendar not in ("calendar_days", "business_days"):
        raise ValueError(f"unknown calendar {calendar!r}")
    if rounding not in ("none", "month_end"):
        raise ValueError(f"unknown rounding {rounding!r}")
    d = anchor + relativedelta(months=months) if months else anchor
    if calendar == "business_days":
        d = add_business_days(d, days, country)
    else:
        d = d + timedelta(days=days)
    return month_end(d) if rounding == "month_end" else d


def add_months(d: date, months: int) -> date:
    """Calendar month arithmetic (clamped to the last day of a shorter month)."""
    result: date = d + relativedelta(months=months)
    return result


# -- instants --------------------------------------------------------------------------------


def start_of_local_day(d: date, tz: str) -> datetime:
    """The first instant of local day ``d`` as an aware UTC datetime."""
    # fold=0: a midnight that does not exist (a jump at 00:00) takes the offset from before the
    # jump, which in UTC is the instant of the jump; a midnight that occurs twice resolves to
    # the first occurrence.
    return datetime.combine(d, time(0), tzinfo=zone(tz)).replace(fold=0).astimezone(UTC)


def end_of_local_day(d: date, tz: str) -> datetime:
    """The instant local day ``d`` ends (next local midnight, exclusive), aware UTC."""
    return start_of_local_day(d + timedelta(days=1), tz)


def local_date(instant: datetime, tz: str) -> date:
    """The local calendar date of an aware instant in ``tz``."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} has no UTC offset")
    return instant.astimezone(zone(tz)).date()
