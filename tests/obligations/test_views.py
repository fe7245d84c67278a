"""The JSON listing built straight from rows equals ``Obligation.to_view`` exactly."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from obligations import OPEN, LegalState, Money

NOW = datetime(2026, 2, 5, 14, 0, tzinfo=UTC)


def test_store_views_equal_to_view(store, make_agreement, make_obligation, rich_obligation):
    store.add_agreement(make_agreement())
    written = [
        rich_obligation,
        make_obligation(subject=None, key="once", spec_id="transparency_reporting.report"),
        make_obligation(
            key="2026-01-12",
            amount=Money(value=Decimal("1235"), currency="JPY"),
            paid=Decimal("0.000"),
            state=LegalState.FULFILLED,
            fulfilled_on=date(2026, 2, 1),
        ),
        make_obligation(key="2026-01-19", due=date(2026, 2, 4), kind="prohibition"),
        make_obligation(key="2026-01-26", due=date(2026, 2, 4)),
        make_obligation(key="2026-02-02", due=date(2026, 2, 9), flags=frozenset({"late", "b"})),
        make_obligation(key="2026-02-09", due=date(2026, 3, 30), paid=Decimal("0.005")),
    ]
    store.add_obligations(written)
    for filters in (
        {},
        {"states": OPEN, "due_before": NOW},
        {"states": OPEN, "due_from": NOW, "due_before": NOW + timedelta(days=7)},
        {"states": OPEN, "limit": 2, "exclude_kinds": ("prohibition",)},
    ):
        views = store.find_views(now=NOW, **filters)
        expected = [(o.due_at, o.id, o.to_view(NOW)) for o in store.find_obligations(**filters)]
        assert views == expected
        # byte for byte, as `wsr obligations --json` prints them
        assert json.dumps([v for _, _, v in views]) == json.dumps([v for _, _, v in expected])
