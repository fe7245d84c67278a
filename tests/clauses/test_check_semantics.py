"""``wsr library --check`` refuses a spec whose semantics the engine would not act on:
an unknown event in a keyword, a filter or match on a field the event does not have, a
settlement the spec cannot take, a prohibition that is "performed", an obligation nothing
settles, a unit the engine cannot convert."""

from __future__ import annotations

from pathlib import Path

import pytest

from clauses import LibraryError, load_library
from tests.clauses.test_check import PREMIUM, check, copy_mini

PAYMENT = "      - {by: payment, event: payment_recorded, match: obligation}\n"
PAYROLL = "      - {by: payroll, event: payroll_recorded, match: subject}\n"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            PAYMENT,
            "      - {by: payment, event: payment_sent, match: obligation}\n",
            "premium.yaml: obligations[0].settled_by[0].event: unknown event type 'payment_sent'",
        ),
        (
            PAYMENT,
            "      - {by: payment, event: purchase_recorded, match: obligation}\n",
            "premium.yaml: obligations[0].settled_by[0]: event 'purchase_recorded' has no money "
            "field 'amount'",
        ),
        (
            PAYMENT,
            "      - {by: payment, event: payment_recorded, match: subject}\n",
            "premium.yaml: obligations[0].settled_by[0].match: `by: payment` credits the "
            "obligation the event names",
        ),
        (
            PAYMENT,
            "      - {by: event, event: complaint_resolved, match: subject}\n",
            "premium.yaml: obligations[0].settled_by[0].match: event 'complaint_resolved' has "
            "no supplier field 'supplier'",
        ),
        (
            PAYMENT,
            "      - {by: event, event: audit_finding, match: subject, where: {grade: A}}\n",
            "premium.yaml: obligations[0].settled_by[0].where.grade: event 'audit_finding' has "
            "no field 'grade'",
        ),
        (
            PAYMENT,
            PAYMENT + "    violated_by: [{event: purchase_recorded, where: {colour: red}}]\n",
            "premium.yaml: obligations[0].violated_by[0].where.colour: event "
            "'purchase_recorded' has no field 'colour'",
        ),
        (
            "    settled_by:\n" + PAYMENT,
            "",
            "premium.yaml: obligations[0].settled_by: nothing settles this obligation",
        ),
        (
            "    kind: payment\n    obligor: buyer\n    beneficiary: supplier\n",
            "    kind: prohibition\n    obligor: buyer\n    beneficiary: supplier\n",
            "premium.yaml: obligations[0].settled_by: a prohibition is kept, not performed",
        ),
        (
            "accrue: {per: period, quantity: quantity}",
            "accrue: {per: period, quantity: unit}",
            "premium.yaml: obligations[0].accrue.quantity: event 'purchase_recorded' has no "
            "decimal field 'unit'",
        ),
        (
            "accrue: {per: period, quantity: quantity}",
            "accrue: {per: period, quantity: quantity, unit_field: unit, unit: stone}",
            "premium.yaml: obligations[0].accrue.unit: unknown unit 'stone'",
        ),
        (
            "accrue: {per: period, quantity: quantity}",
            "accrue: {per: period, quantity: quantity, unit_field: unit, unit_variable: unit}",
            "premium.yaml: obligations[0].accrue.unit_variable: variable 'unit' must be an enum "
            "of units",
        ),
        (
            PAYROLL,
            "      - {by: payroll, event: payment_recorded, match: subject}\n",
            "premium.yaml: obligations[1].settled_by[0]: event 'payment_recorded' has no money "
            "field 'premium_paid'",
        ),
    ],
)
def test_each_unactionable_declaration_is_refused(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    got = check(tmp_path, {PREMIUM: [(old, new)]})
    assert any(p.startswith(expected) for p in got), got


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            PAYMENT,
            PAYMENT + "    kpi: true\n    violated_by: [{event: purchase_recorded}]\n",
            "a KPI is a target, never a breach",
        ),
        (
            PAYMENT,
            PAYMENT + "    ends_on: [{time: end}]\n",
            "`ends_on: time: end` needs `ends`",
        ),
        (
            PAYMENT,
            PAYMENT + "    unknown_keyword: true\n",
            "unknown_keyword: Extra inputs are not permitted",
        ),
    ],
)
def test_the_schema_refuses_contradictory_or_unknown_keywords(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    with pytest.raises(LibraryError, match=expected):
        load_library(copy_mini(tmp_path, {PREMIUM: [(old, new)]}))
