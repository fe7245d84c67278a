"""The premium pass-through checked worker by worker (obligations/_payroll.py, _payroll_csv.py).

Pure parts first (the division rule, the file reader), then the rule through the service on
every store (memory, SQLite, PostgreSQL).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from clauses import InputError
from obligations import LegalState, Money, ObligationService
from obligations._ledgers import PayrollLine, payroll_lines
from obligations._payroll import allocate, check_payroll
from obligations._payroll_csv import parse_payroll_csv
from tests.obligations.factories import fair_food

HEADER = "worker_ref,period_start,period_end,pay_date,earnings,premium\n"
WEEK = (date(2026, 1, 5), date(2026, 1, 11))


def usd(value: str) -> Decimal:
    return Decimal(value)


# -- the division rule --------------------------------------------------------------------------


def test_allocate_hand_checked_with_remainder_cents_and_a_tie():
    """97.00 USD among earnings A 100, B 100, C 100, D 50 (total 350).

    Exact parts: A, B, C = 97 x 100 / 350 = 27.714285…; D = 97 x 50 / 350 = 13.857142….
    Rounded down: 27.71 + 27.71 + 27.71 + 13.85 = 96.98, so 2 cents are left.
    Losses in rounding: D 0.007142…, A = B = C 0.004285…. The first cent goes to D (largest
    loss) → 13.86; the second to the tie A/B/C, broken by reference → A 27.72.
    Result: A 27.72, B 27.71, C 27.71, D 13.86; sum 97.00.
    """
    parts = allocate(
        usd("97.00"), {"C": usd(100), "D": usd(50), "B": usd(100), "A": usd(100)}, "USD"
    )
    assert parts == {"A": usd("27.72"), "B": usd("27.71"), "C": usd("27.71"), "D": usd("13.86")}
    assert sum(parts.values()) == usd("97.00")


def test_allocate_respects_the_minor_unit_and_zero_earnings():
    # JPY has no minor unit: 100 yen in three equal parts → 34, 33, 33
    assert allocate(Decimal(100), {"x": usd(1), "y": usd(1), "z": usd(1)}, "JPY") == {
        "x": Decimal(34),
        "y": Decimal(33),
        "z": Decimal(33),
    }
    assert allocate(usd("10.00"), {"a": usd(0), "b": usd(5)}, "USD") == {
        "a": usd("0.00"),
        "b": usd("10.00"),
    }
    assert allocate(usd("10.00"), {"a": usd(0)}, "USD") == {"a": Decimal(0)}


@pytest.mark.parametrize("seed", range(30))
def test_allocate_always_sums_to_the_share(seed):
    rng = random.Random(seed)
    weights = {
        f"W-{i:03}": Decimal(rng.randint(0, 100000)) / 100 for i in range(rng.randint(1, 40))
    }
    weights["W-000"] = Decimal("1.00")  # at least one worker with earnings
    total = Decimal(rng.randint(0, 10**7)) / 100
    parts = allocate(total, weights, "USD")
    assert sum(parts.values()) == total
    exact = {k: total * w / sum(weights.values()) for k, w in weights.items()}
    # nobody is more than one cent from their exact part
    assert all(abs(parts[k] - exact[k]) < Decimal("0.01") for k in weights)


def line(ref: str, earnings: str, premium: str | None, *, start="2026-01-05", end="2026-01-11"):
    return PayrollLine(
        worker_ref=ref,
        period_start=start,
        period_end=end,
        pay_date="2026-01-30",
        earnings=earnings,
        premium=premium,
    )


def test_check_payroll_hand_checked():
    """Workers' Share 2425.00 USD (97% of a 2500.00 premium) for the week 5–11 Jan 2026.

    Lines: W-001 earned 600.00, paid 1000.00; W-002 300.00, paid 400.00; W-003 300.00 with no
    premium line; W-004's line is for 12–18 Jan (outside the period: not counted);
    W-005 earned 0.
    Qualifying earnings 600 + 300 + 300 = 1200. Parts: W-001 2425 x 600/1200 = 1212.50;
    W-002 and W-003 2425 x 300/1200 = 606.25 each (exact, no remainder cents).
    Short: W-001 1212.50 - 1000.00 = 212.50; W-002 606.25 - 400.00 = 206.25; W-003 606.25.
    Total short 1025.00; credited 1000.00 + 400.00 = 1400.00 = 2425.00 - 1025.00.
    """
    check = check_payroll(
        [
            line("W-002", "300.00", "400.00"),
            line("W-001", "600.00", "1000.00"),
            line("W-003", "300.00", None),
            line("W-004", "500.00", "10.00", start="2026-01-12", end="2026-01-18"),
            line("W-005", "0", None),
        ],
        owed=Money(value="2425.00", currency="USD"),
        period=WEEK,
    )
    assert {s.worker_ref: s.due for s in check.shares} == {
        "W-001": usd("1212.50"),
        "W-002": usd("606.25"),
        "W-003": usd("606.25"),
        "W-005": usd("0.00"),
    }
    assert check.short_by_worker == {
        "W-001": usd("212.50"),
        "W-002": usd("206.25"),
        "W-003": usd("606.25"),
    }
    assert check.short == usd("1025.00") and check.credited == usd("1400.00")
    assert check.missing_premium == ("W-003",)
    assert [x.worker_ref for x in check.outside] == ["W-004"]
    # no one's excess makes up for another's shortfall
    over = check_payroll(
        [line("A", "100", "60.00"), line("B", "100", "40.00")],
        owed=Money(value="100.00", currency="USD"),
        period=WEEK,
    )
    assert over.short == usd("10.00") and over.short_by_worker == {"B": usd("10.00")}


# -- the file -----------------------------------------------------------------------------------


def parse(text: str | bytes):
    content = text.encode() if isinstance(text, str) else text
    return parse_payroll_csv(content, source="pay.csv", currency="USD")


def problems(text: str | bytes) -> list[str]:
    with pytest.raises(InputError) as info:
        parse(text)
    return [str(p) for p in info.value.problems]


def test_parse_a_good_file_in_any_column_order():
    f = parse(
        "premium,earnings,worker_ref,period_start,period_end,pay_date\n"
        "155.20,640.00,W-1,2026-01-05,2026-01-11,2026-01-30\n"
        ",320,W-2,2026-01-05,2026-01-11,2026-01-30\n"
        "\n"
    )
    assert [(x.worker_ref, x.earnings, x.premium) for x in f.lines] == [
        ("W-1", usd("640.00"), usd("155.20")),
        ("W-2", usd("320"), None),
    ]
    assert f.where(f.lines[1], "earnings") == "pay.csv:3:2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "",
            ["pay.csv:1:1: the file is empty; the first row names the columns: " + HEADER.strip()],
        ),
        (
            b"\xef\xbb\xbf" + HEADER.encode(),
            [
                "pay.csv:1:1: the file starts with a byte-order mark; save it as UTF-8 without BOM "
                "(in a spreadsheet: CSV UTF-8 is fine once the BOM is removed, or plain CSV)"
            ],
        ),
        (
            HEADER.replace(",", ";") + "W-1;2026-01-05;2026-01-11;2026-01-30;1;1\n",
            ["pay.csv:1:1: the columns are separated by semicolons; separate them by commas"],
        ),
        (
            HEADER.replace(",", "\t"),
            ["pay.csv:1:1: the columns are separated by tabs; separate them by commas"],
        ),
        (HEADER, ["pay.csv:2:1: no payroll lines after the header row"]),
        (
            "worker_ref,name,period_start,pay_date,premium\n",
            [
                "pay.csv:1:2: unknown column 'name'; the file carries worker references only, "
                "never names (columns: worker_ref, period_start, period_end, pay_date, "
                "earnings, premium)",
                "pay.csv:1:6: missing column 'period_end' (last day of that work (YYYY-MM-DD))",
                "pay.csv:1:6: missing column 'earnings' (the worker's earnings for the Premium "
                "Period, in the agreement currency)",
            ],
        ),
        (
            HEADER
            + "W-1,2026-01-05,2026-01-11,2026-01-30,lots,1\n"
            + "W-2,2026-01-05,2026-01-11,2026-01-30,-5,-1\n"
            + "W-1,2026-01-05,2026-01-11,2026-01-30,1.234,\n"
            + "W-3,2026-01-05,2026-01-11\n"
            + ",2026-01-11,2026-01-05,2026-02-30,,x\n",
            [
                "pay.csv:2:5: earnings 'lots' is not a decimal number (e.g. 640.00)",
                "pay.csv:3:5: earnings -5 must not be negative",
                "pay.csv:3:6: premium -1 must not be negative",
                "pay.csv:4:1: worker W-1 already has a line (line 2); give one line per worker "
                "with their earnings for the whole Premium Period",
                "pay.csv:4:5: earnings 1.234 has more decimal places than USD allows (2)",
                "pay.csv:5:4: has 3 fields but the header has 6",
                "pay.csv:6:1: worker_ref is empty; give the worker's payroll reference",
                "pay.csv:6:4: pay_date '2026-02-30' is not an ISO date (YYYY-MM-DD)",
                "pay.csv:6:3: period_end is before period_start",
                "pay.csv:6:5: earnings is empty; give the worker's earnings (0 if none)",
                "pay.csv:6:6: premium 'x' is not a decimal number (e.g. 640.00)",
            ],
        ),
        (
            HEADER.encode() + b"W-1,2026-01-05,2026-01-11,2026-01-30,1,\xff\n",
            ["pay.csv:2:6: not UTF-8 text; save the file as UTF-8 CSV"],
        ),
        (
            "worker_ref,worker_ref,period_start,period_end,pay_date,earnings,premium\n",
            ["pay.csv:1:2: column 'worker_ref' appears twice"],
        ),
    ],
    ids=[
        "empty",
        "bom",
        "semicolons",
        "tabs",
        "header-only",
        "name-and-missing-columns",
        "bad-values",
        "not-utf8",
        "duplicate-column",
    ],
)
def test_bad_files_are_refused_with_file_line_column(text, expected):
    assert problems(text) == expected


# -- through the service, on every store --------------------------------------------------------

T_PAID = datetime(2026, 1, 24, 14, tzinfo=UTC)
T_PAYROLL = datetime(2026, 1, 31, 14, tzinfo=UTC)


def _premium_paid(store) -> tuple[ObligationService, str, str]:
    """Agreement tracked, 10,000 lb bought from GROWER-G in the week of 5 Jan (100.00 USD of
    premium), paid on 23 Jan: the Workers' Share is 97.00 USD, due on the payroll by 30 Jan."""
    svc = ObligationService(store, actor="test")
    agr = fair_food()
    svc.track(agr, signed_on=date(2026, 1, 5), now=T_PAID)
    svc.record_event(
        agr.id,
        "purchase_recorded",
        on="2026-01-07",
        fields={"supplier": "GROWER-G", "quantity": "10000", "unit": "lb"},
        now=T_PAID,
    )
    [premium] = store.find_obligations(agreement_id=agr.id, spec_id="premium.payment")
    [share] = svc.record_event(
        agr.id,
        "payment_recorded",
        on="2026-01-23",
        fields={"obligation": premium.id, "amount": "100.00"},
        now=T_PAID,
    ).created
    assert share.amount == Money(value="97.00", currency="USD") and share.due == date(2026, 1, 30)
    return svc, agr.id, share.id


def payroll(text: str):
    return parse_payroll_csv((HEADER + text).encode(), source="pay.csv", currency="USD")


def test_shortfall_per_worker_then_catch_up_fulfils(store):
    """97.00 USD among A 100, B 100, C 100, D 50 → A 27.72, B 27.71, C 27.71, D 13.86 (see
    test_allocate_hand_checked_with_remainder_cents_and_a_tie).

    Payroll of 30 Jan: A 27.72, B 27.71, C has no premium line, D 13.00, E's line is for the
    week of 12 Jan (outside). Short: C 27.71 + D 0.86 = 28.57; credited 97.00 - 28.57 = 68.43.
    Catch-up payroll of 6 Feb: C 27.71, D 0.86 → nothing short; fulfilled 7 days late.
    """
    svc, aid, share_id = _premium_paid(store)
    first = payroll(
        "A,2026-01-05,2026-01-11,2026-01-30,100.00,27.72\n"
        "B,2026-01-05,2026-01-11,2026-01-30,100.00,27.71\n"
        "C,2026-01-05,2026-01-11,2026-01-30,100.00,\n"
        "D,2026-01-05,2026-01-11,2026-01-30,50.00,13.00\n"
        "E,2026-01-12,2026-01-18,2026-01-30,80.00,5.00\n"
    )
    r = svc.import_payroll(aid, "GROWER-G", first, period="2026-01-07", now=T_PAYROLL)
    [short] = r.changed
    assert short.id == share_id and short.state is LegalState.IN_EFFECT
    assert "pass_through_shortfall" in short.flags and short.paid == usd("68.43")
    assert short.data["shortfall"] == "28.57"
    assert short.data["shortfall_by_worker"] == {"C": "27.71", "D": "0.86"}
    assert r.messages == [
        "pass-through shortfall for GROWER-G, Premium Period 2026-01-05–2026-01-11: 97.00 USD "
        "owed, 68.43 USD reached the right workers; 28.57 USD short (C 27.71 USD, D 0.86 USD)",
        "earnings in the period but no premium line: C",
        "lines for work outside the Premium Period 2026-01-05–2026-01-11, not counted: "
        "E (2026-01-12–2026-01-18)",
    ]
    assert r.event.type == "payroll_recorded" and r.event.occurred_on == date(2026, 1, 30)
    assert [x.worker_ref for x in payroll_lines(short)] == ["A", "B", "C", "D", "E"]
    # the stored event reads back with typed lines (what a replay applies)
    [stored_event] = store.list_events(aid, type="payroll_recorded")
    assert stored_event.payload["lines"][3] == {
        "worker_ref": "D",
        "period_start": date(2026, 1, 5),
        "period_end": date(2026, 1, 11),
        "pay_date": date(2026, 1, 30),
        "earnings": usd("50.00"),
        "premium": usd("13.00"),
    }

    # a catch-up whose earnings contradict the first payroll is refused, nothing recorded
    later = datetime(2026, 2, 7, 14, tzinfo=UTC)
    events_before = len(store.list_events(aid))
    wrong = payroll("C,2026-01-05,2026-01-11,2026-02-06,90.00,27.71\n")
    with pytest.raises(InputError) as info:
        svc.import_payroll(aid, "GROWER-G", wrong, period="2026-01-07", now=later)
    assert [str(p) for p in info.value.problems] == [
        "pay.csv:2:5: earnings 90.00 for C differ from the 100.00 on the payroll already "
        "recorded for the Premium Period 2026-01-05–2026-01-11"
    ]
    assert len(store.list_events(aid)) == events_before

    catch_up = payroll(
        "C,2026-01-05,2026-01-11,2026-02-06,100.00,27.71\n"
        "D,2026-01-05,2026-01-11,2026-02-06,50.00,0.86\n"
    )
    r = svc.import_payroll(aid, "GROWER-G", catch_up, period="2026-01-11", now=later)
    [done] = r.changed
    assert done.state is LegalState.FULFILLED and done.late and done.data["days_late"] == 7
    assert done.paid == usd("97.00") and "pass_through_shortfall" not in done.flags
    assert "shortfall_by_worker" not in done.data
    # replay from the stored event gives the same lines back, typed
    stored = store.get_obligation(done.id)
    assert len(payroll_lines(stored)) == 7 and payroll_lines(stored)[5].premium == usd("27.71")


def test_refusals_write_nothing(store):
    svc, aid, _ = _premium_paid(store)
    good = payroll("A,2026-01-05,2026-01-11,2026-01-30,100.00,97.00\n")
    cases = [
        ("GROWER-NOPE", "2026-01-07", good, "supplier: unknown supplier 'GROWER-NOPE'"),
        ("GROWER-H", "2026-01-07", good, "period: no premium payment to GROWER-H"),
        ("GROWER-G", "2026-02-07", good, "period: no premium payment to GROWER-G"),
        ("GROWER-G", "Jan", good, "period: 'Jan' is not an ISO date"),
        (
            "GROWER-G",
            "2026-01-07",
            payroll("A,2026-01-05,2026-01-11,2026-02-02,100.00,97.00\n"),
            "pay.csv:2:4: pay date 2026-02-02 is after today (2026-01-31)",
        ),
    ]
    before = (store.list_events(aid), store.find_obligations(agreement_id=aid))
    audit = len(store.audit_entries())
    for supplier, period, file, message in cases:
        with pytest.raises(InputError) as info:
            svc.import_payroll(aid, supplier, file, period=period, now=T_PAYROLL)
        assert str(info.value.problems[0]).startswith(message)
    assert (store.list_events(aid), store.find_obligations(agreement_id=aid)) == before
    assert len(store.audit_entries()) == audit


def test_exact_payroll_fulfils_on_time(store):
    svc, aid, share_id = _premium_paid(store)
    r = svc.import_payroll(
        aid,
        "GROWER-G",
        payroll(
            "A,2026-01-05,2026-01-11,2026-01-29,100.00,27.72\n"
            "B,2026-01-05,2026-01-11,2026-01-29,100.00,27.71\n"
            "C,2026-01-05,2026-01-11,2026-01-29,100.00,27.71\n"
            "D,2026-01-05,2026-01-11,2026-01-29,50.00,13.86\n"
        ),
        period=date(2026, 1, 5),
        now=T_PAYROLL,
    )
    [done] = r.changed
    assert done.id == share_id and done.state is LegalState.FULFILLED and not done.late
    assert done.fulfilled_on == date(2026, 1, 29) and done.paid == usd("97.00")
    assert r.messages == [
        "pass-through for GROWER-G, Premium Period 2026-01-05–2026-01-11: 97.00 USD owed, every "
        "Qualifying Worker paid their share; fulfilled"
    ]


def test_lines_can_be_recorded_as_an_event_too(store):
    """``wsr event … payroll_recorded --set lines=[…] --set period=…`` takes the same path."""
    svc, aid, share_id = _premium_paid(store)
    lines = [
        {
            "worker_ref": "A",
            "period_start": "2026-01-05",
            "period_end": "2026-01-11",
            "pay_date": "2026-01-30",
            "earnings": "1",
            "premium": "97.00",
        }
    ]
    fields = {"supplier": "GROWER-G", "pay_date": "2026-01-30", "premium_paid": "97.00"}
    with pytest.raises(InputError, match="period: required with lines"):
        svc.record_event(
            aid,
            "payroll_recorded",
            on="2026-01-30",
            fields={**fields, "lines": json.dumps(lines)},
            now=T_PAYROLL,
        )
    with pytest.raises(InputError, match=r"lines\[0\]: needs worker_ref"):
        svc.record_event(
            aid,
            "payroll_recorded",
            on="2026-01-30",
            fields={**fields, "period": "2026-01-05", "lines": '[{"worker_ref": "A"}]'},
            now=T_PAYROLL,
        )
    r = svc.record_event(
        aid,
        "payroll_recorded",
        on="2026-01-30",
        fields={**fields, "period": "2026-01-05", "lines": json.dumps(lines)},
        now=T_PAYROLL,
    )
    [done] = r.changed
    assert done.id == share_id and done.state is LegalState.FULFILLED


def test_windows_line_ends_are_read():
    f = parse(HEADER.replace("\n", "\r\n") + "W-1,2026-01-05,2026-01-11,2026-01-30,1,1\r\n")
    assert [(x.worker_ref, x.source) for x in f.lines] == [("W-1", "pay.csv:2")]
