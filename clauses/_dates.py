"""The one range of dates and places in time the engine accepts from a person.

Python's dates run from year 1 to 9999, but the engine adds terms, horizons and deadlines to every
date it is given (a 10-year term plus a 400-day horizon), and converts local days to UTC: a date
near either end overflowed deep inside (``OverflowError: date value out of range``), sometimes
only at ``wsr track`` after a clean draft. So every date and instant a person gives — effective
dates, ``--on``, ``--now``, ``--signed-on``, date fields of events — must lie within
:data:`FIRST_DAY` … :data:`LAST_DAY`, far enough inside the representable range that anything
computed from it still fits. Time zones must be real places (``America/New_York``) or UTC:
``localtime`` means whatever the server is set to, and ``Factory`` is a placeholder zone with no
place behind it.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import date, datetime

#: the first and last day any date given to the engine may be
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
#: the regions of the IANA database whose zones are places
_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
#: zones without a place that still name one well-defined clock
_PLACELESS_OK = frozenset({"UTC", "Etc/UTC"})


def day_problem(day: date) -> str | None:
    """Why ``day`` is outside the range the engine works in, or None."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return (
        f"{day.isoformat()} is outside the dates this engine works with "
        f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}); check the year"
    )


def instant_problem(when: datetime) -> str | None:
    """Why the aware ``when`` is outside the range (judged on its own local date), or None."""
    return day_problem(when.date())


@functools.cache
def place_zones() -> frozenset[str]:
    """The IANA zone names that are real places (``Region/City``), plus UTC."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name.split("/", 1)[0] in _REGIONS or name in _PLACELESS_OK
    )


def zone_problem(name: object) -> str | None:
    """Why ``name`` cannot be an agreement's time zone, or None."""
    if isinstance(name, str) and name in place_zones():
        return None
    shown = repr(name) if isinstance(name, str) else type(name).__name__
    if isinstance(name, str) and name in zoneinfo.available_timezones():
        return (
            f"{shown} is not a place; give the IANA zone of the place the agreement is "
            "performed, such as America/New_York or Asia/Dhaka (or UTC)"
        )
    return f"unknown IANA time zone {shown} (e.g. America/New_York, Asia/Dhaka, UTC)"
