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
import os
import stat
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


def _listed_zone(name: str) -> bool:
    """True only if ``zoneinfo.available_timezones()`` lists ``name`` (False: not known here).

    ``available_timezones()`` walks every folder of ``zoneinfo.TZPATH`` and opens each of its ~600
    files (~40 ms, on every draft) to answer a question about one name. This asks what it asks of
    that one name: listed by the ``tzdata`` package, or a file (or a link to one) under a TZPATH
    root, reached through readable real folders (the walk does not follow linked folders),
    beginning with ``TZif``. It never says yes where the list would say no; where it says no,
    the full list decides (``tests/clauses/test_zones.py``).
    """
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts) or "\\" in name or "\0" in name:
        return False
    if name == "posixrules" or (len(parts) > 1 and parts[0] in ("right", "posix")):
        return False  # what the list leaves out: a special link, the leap-second copies
    if name in _tzdata_zones():
        return True
    for root in zoneinfo.TZPATH:
        if not os.access(root, os.R_OK):
            continue
        folder = root
        try:
            for part in parts[:-1]:
                folder = os.path.join(folder, part)
                if not stat.S_ISDIR(os.lstat(folder).st_mode) or not os.access(folder, os.R_OK):
                    break  # a linked or unreadable folder: the walk would not list it
            else:
                path = os.path.join(folder, parts[-1])
                if stat.S_ISDIR(os.lstat(path).st_mode) or not os.path.isfile(path):
                    continue
                with open(path, "rb") as fh:
                    if fh.read(4) == b"TZif":
                        return True
        except OSError:
            continue
    return False


@functools.cache
def _tzdata_zones() -> frozenset[str]:
    """The zones the ``tzdata`` package lists (one file), as ``available_timezones()`` reads it.

    An installed package's folder is read directly: importing ``importlib.resources`` for it
    cost more than the file. A package elsewhere (a zip) is read through ``importlib.resources``.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec("tzdata")
    except (ImportError, ValueError):
        return frozenset()
    if spec is None:
        return frozenset()
    try:
        if spec.origin and os.path.isfile(spec.origin):
            zones = os.path.join(os.path.dirname(spec.origin), "zones")
            with open(zones, encoding="utf-8") as fh:
                return frozenset(zone.strip() for zone in fh if zone.strip())
        from importlib import resources

        with resources.files("tzdata").joinpath("zones").open("r") as fh:
            return frozenset(zone.strip() for zone in fh if zone.strip())
    except (ImportError, FileNotFoundError):
        return frozenset()


def _is_place_zone(name: str) -> bool:
    """``name in place_zones()``, without listing every zone when the name is a plain one."""
    placed = name.split("/", 1)[0] in _REGIONS or name in _PLACELESS_OK
    if placed and _listed_zone(name):
        return True
    return name in place_zones()


def zone_problem(name: object) -> str | None:
    """Why ``name`` cannot be an agreement's time zone, or None."""
    if isinstance(name, str) and _is_place_zone(name):
        return None
    shown = repr(name) if isinstance(name, str) else type(name).__name__
    if isinstance(name, str) and name in zoneinfo.available_timezones():
        return (
            f"{shown} is not a place; give the IANA zone of the place the agreement is "
            "performed, such as America/New_York or Asia/Dhaka (or UTC)"
        )
    return f"unknown IANA time zone {shown} (e.g. America/New_York, Asia/Dhaka, UTC)"
