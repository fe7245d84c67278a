"""A zone is checked by looking at its one file; the answer is always the full list's.

``clauses._dates._listed_zone`` answers "does ``zoneinfo.available_timezones()`` list this
name?" without listing every zone (~40 ms of every draft). It may say no where the list says yes
(the list then decides), never yes where the list says no.
"""

from __future__ import annotations

import zoneinfo

import pytest

from clauses import zone_problem
from clauses._dates import _is_place_zone, _listed_zone, place_zones

TZIF = b"TZif2" + b"\0" * 40

ODD_NAMES = [
    "Asia/../Asia/Dhaka",
    "Asia//Dhaka",
    "Asia/Dhaka/",
    "/Asia/Dhaka",
    "./UTC",
    "Asia/./Dhaka",
    "America",
    "Asia",
    "posixrules",
    "right/Asia/Dhaka",
    "posix/Asia/Dhaka",
    "Factory",
    "localtime",
    "Asia/Dhaka\0",
    "Asia\\Dhaka",
    "asia/dhaka",
    "zone.tab",
    "tzdata.zi",
    "America/zone.tab",
    "",
]


@pytest.fixture
def tzpath(tmp_path):
    """A TZPATH of one folder, restored afterwards."""
    saved = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[str(tmp_path)])
    yield tmp_path
    zoneinfo.reset_tzpath(to=saved)


def test_every_listed_zone_and_odd_name_gets_the_lists_answer():
    listed = zoneinfo.available_timezones()
    places = place_zones()
    for name in sorted(listed) + ODD_NAMES:
        if _listed_zone(name):
            assert name in listed, name  # never yes where the list says no
        assert _is_place_zone(name) == (name in places), name
    # and on this machine the one-file look answers for every place (the full list is not built)
    assert all(_listed_zone(name) for name in places)


def test_linked_folders_other_files_and_links_in_a_tzpath(tzpath):
    """Names no ``tzdata`` package lists, in a TZPATH of our own, against the full walk."""
    (tzpath / "Asia").mkdir()
    (tzpath / "Asia" / "Faketown").write_bytes(TZIF)
    (tzpath / "Asia" / "Notes").write_bytes(b"not a zone file")
    (tzpath / "Europe").mkdir()
    (tzpath / "Europe" / "Fake_Link").symlink_to(tzpath / "Asia" / "Faketown")
    (tzpath / "Europe" / "Subdir").mkdir()
    (tzpath / "Africa").symlink_to(tzpath / "Asia", target_is_directory=True)
    (tzpath / "Fakezone").write_bytes(TZIF)
    (tzpath / "posixrules").write_bytes(TZIF)
    listed = zoneinfo.available_timezones()
    ours = {"Asia/Faketown", "Europe/Fake_Link", "Fakezone"}
    assert ours <= listed  # and the walk skips the linked Africa/ and posixrules
    assert not {"Africa/Faketown", "Asia/Notes", "posixrules"} & listed
    for name in ours:
        assert _listed_zone(name), name
    for name in ["Asia/Notes", "Africa/Faketown", "Europe/Subdir", "Europe", "posixrules"]:
        assert not _listed_zone(name), name
    place_zones.cache_clear()
    try:
        assert zone_problem("Asia/Faketown") is None
        assert zone_problem("Africa/Faketown") == (
            "unknown IANA time zone 'Africa/Faketown' (e.g. America/New_York, Asia/Dhaka, UTC)"
        )
        assert "is not a place" in str(zone_problem("Fakezone"))
    finally:
        place_zones.cache_clear()


def test_the_tzdata_list_is_read_as_available_timezones_reads_it():
    from importlib import resources

    from clauses._dates import _tzdata_zones

    try:
        with resources.files("tzdata").joinpath("zones").open("r") as fh:
            expected = frozenset(zone.strip() for zone in fh if zone.strip())
    except (ImportError, FileNotFoundError):
        expected = frozenset()
    assert _tzdata_zones() == expected
