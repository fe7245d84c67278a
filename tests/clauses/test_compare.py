from __future__ import annotations

import json

import pytest

from clauses._agreement import seal
from clauses._compare import DeviationStatus, compare_to_standard, merge_order
from tests.clauses.render_fixtures import negotiated_agreement, standard_agreement


@pytest.fixture(scope="module")
def report():
    return compare_to_standard(negotiated_agreement(), standard_agreement())


def test_statuses_per_clause_in_merged_order(report):
    assert [(c.clause_id, c.status) for c in report.clauses] == [
        ("term_and_renewal", DeviationStatus.SAME),
        ("premium", DeviationStatus.CHANGED),
        ("sourcing_cutoff", DeviationStatus.SAME),
        ("complaint_mechanism", DeviationStatus.ABSENT),
        ("dispute_resolution", DeviationStatus.SAME),
        ("worker_education", DeviationStatus.ADDED),
    ]
    assert [c.clause_id for c in report.deviations] == [
        "premium",
        "complaint_mechanism",
        "worker_education",
    ]


def test_changed_clause_details(report):
    premium = report.clause("premium")
    assert (premium.alternative, premium.alternative_kind) == ("extended_payment", "fallback")
    assert (premium.standard_alternative, premium.standard_alternative_kind) == (
        "standard",
        "standard",
    )
    assert [(v.name, v.standard, v.chosen) for v in premium.variables] == [
        ("payment_due_days", 31, 45)
    ]
    assert [o.variable for o in premium.overrides] == ["payment_due_days"]
    assert premium.text_changed
    assert (premium.number, premium.standard_number) == ("2", "2")


def test_absent_and_added(report):
    absent = report.clause("complaint_mechanism")
    assert (absent.number, absent.standard_number, absent.alternative) == (None, "4", None)
    added = report.clause("worker_education")
    assert (added.number, added.standard_number, added.standard_alternative) == ("5", None, None)
    assert added.alternative_kind == "fallback"


def test_counts(report):
    assert report.counts() == {
        "same": 3,
        "changed": 1,
        "added": 1,
        "absent": 1,
        "left_out": 1,
        "required_left_out": 0,
        "floor_overrides": 1,
        "reference_deviations": 0,
        "warnings": 0,
    }


def test_identical_agreements_have_no_deviations():
    std = standard_agreement()
    report = compare_to_standard(std, std)
    assert report.deviations == ()
    assert all(c.status is DeviationStatus.SAME for c in report.clauses)
    assert (
        "0 changed, 0 added, 0 left out (0 of them required); 0 floor override(s); "
        "0 value(s) away from the programme's figure; 0 warning(s)." in report.to_markdown()
    )


def test_decimal_strings_compare_by_value():
    std = standard_agreement()
    body = std.model_dump(mode="json")
    body["sections"][1]["variables"]["rate"] = "0.010"
    report = compare_to_standard(seal(body), std)
    assert report.clause("premium").status is DeviationStatus.SAME


def test_text_only_change_is_a_change():
    std = standard_agreement()
    body = std.model_dump(mode="json")
    body["sections"][0]["paragraphs"][0]["text"] += " Really."
    report = compare_to_standard(seal(body), std)
    term = report.clause("term_and_renewal")
    assert term.status is DeviationStatus.CHANGED and term.text_changed and term.variables == ()
    assert "The text differs from the standard text." in report.to_markdown()


def test_markdown(report):
    md = report.to_markdown()
    assert md.startswith("# Deviations from the standard: Gulf Coast Tomato Fair Food Agreement\n")
    assert "| 2 | Fair Food Premium | changed | extended_payment (fallback) | standard |" in md
    assert "| (4) | Complaints | left out | — | standard |" in md
    assert "| payment_due_days | 31 | 45 |" in md
    assert (
        "**Floor overridden:** payment_due_days = 45 (floor: at most 31); reason: Buyer's "
        "payment system runs monthly; approved by Sam Cruz." in md
    )
    assert (
        "| 2 | payment_due_days | 45 | at most 31 | Buyer's payment system runs monthly "
        "| Sam Cruz |" in md
    )
    assert "| Complaints | no | none recorded | none recorded | — |" in md
    assert "## Complaints — left out" in md
    assert "## 5. Worker Education — added" in md
    assert "## 1. Term and Renewal" not in md  # unchanged clauses only appear in the table


def test_json_dict_is_json(report):
    data = json.loads(json.dumps(report.to_json_dict()))
    assert data["agreement_id"] == negotiated_agreement().id
    assert data["standard_id"] == standard_agreement().id
    assert data["summary"]["changed"] == 1
    premium = next(c for c in data["clauses"] if c["clause_id"] == "premium")
    assert premium["variables"] == [{"name": "payment_due_days", "standard": 31, "chosen": 45}]
    assert premium["overrides"][0]["approved_by"] == "Sam Cruz"
    assert data["overrides"][0]["reason"] == "Buyer's payment system runs monthly"


@pytest.mark.parametrize(
    ("agreement", "standard", "expected"),
    [
        (["a", "b"], ["a", "b"], [("a", True, True), ("b", True, True)]),
        (["a", "c"], ["a", "b", "c"], [("a", True, True), ("b", False, True), ("c", True, True)]),
        (
            ["b", "x"],
            ["a", "b", "c"],
            [("a", False, True), ("b", True, True), ("x", True, False), ("c", False, True)],
        ),
        ([], ["a"], [("a", False, True)]),
        (["x"], [], [("x", True, False)]),
    ],
    ids=["same", "absent-middle", "absent-ends-and-added", "all-absent", "all-added"],
)
def test_merge_order(agreement, standard, expected):
    assert merge_order(agreement, standard) == expected


def test_standard_only_defaults_do_not_count_under_the_same_alternative():
    """The standard twin may carry defaults for variables the chosen text never uses."""
    std = standard_agreement()
    body = std.model_dump(mode="json")
    body["sections"][1]["variables"]["unused_default"] = 6
    report = compare_to_standard(std, seal(body))
    assert report.clause("premium").status is DeviationStatus.SAME


def test_a_variable_dropped_by_another_alternative_is_listed():
    std = standard_agreement()
    body = std.model_dump(mode="json")
    premium = body["sections"][1]
    premium["alternative"], premium["alternative_kind"] = "floor", "floor"
    del premium["variables"]["worker_share_pct"]
    report = compare_to_standard(seal(body), std)
    changes = [(v.name, v.standard, v.chosen) for v in report.clause("premium").variables]
    assert changes == [("worker_share_pct", "97", None)]
    assert "| worker_share_pct | 97 | — |" in report.to_markdown()
