"""Shared values for the review tests: an agreement drafted from a shipped example, its people."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from clauses import load_library
from wsr._review import Reviewer
from wsr._review_draft import Drafted, draft_from_upload

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FAIR_FOOD = EXAMPLES / "fair-food-produce.yaml"
BRAND = "Example Fresh Markets Inc."  # the buyer party of fair-food-produce.yaml
NOW = datetime(2026, 1, 2, 15, 0, tzinfo=UTC)

NEGOTIATOR = Reviewer("nego@workers.example", "negotiator")
COUNSEL = Reviewer("counsel@freshmarkets.example", "counsel", BRAND)
OTHER_COUNSEL = Reviewer("counsel@elsewhere.example", "counsel", "Example Elsewhere Stores")
MONITOR = Reviewer("monitor@council.example", "monitor")
ADMIN = Reviewer("admin@wsr.example", "admin")


@cache
def library():
    return load_library()


@cache
def fair_food() -> Drafted:
    return draft_from_upload(FAIR_FOOD.read_bytes(), "fair-food-produce.yaml", library())
