from __future__ import annotations

from pathlib import Path

import pytest

from clauses import LibraryError, check_library, load_library

MINI = Path(__file__).parent / "fixtures" / "mini"


def copy_mini(tmp_path: Path, edits: dict[str, list[tuple[str, str]]] | None = None) -> Path:
    for f in MINI.glob("*.yaml"):
        text = f.read_text()
        for old, new in (edits or {}).get(f.name, []):
            assert old in text, (f.name, old)
            text = text.replace(old, new, 1)
        (tmp_path / f.name).write_text(text)
    return tmp_path


def check(tmp_path: Path, edits: dict[str, list[tuple[str, str]]]) -> list[str]:
    lib = load_library(copy_mini(tmp_path, edits))
    return [f"{p.path.rsplit('/', 1)[-1]}: {p.message}" for p in check_library(lib)]


def test_the_fixture_library_is_clean() -> None:
    assert check_library(load_library(MINI)) == []


PREMIUM = "premium.yaml"
FEES = "monitoring_fees.yaml"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            PREMIUM,
            "per {{ unit }} purchased",
            "per {{ units }} purchased",
            "premium.yaml: alternatives.standard.text: template uses undeclared variable 'units'",
        ),
        (
            PREMIUM,
            "  note:\n    type: text",
            "  spare:\n    type: text\n    label: s\n  note:\n    type: text",
            "premium.yaml: variables.spare: declared but not used by any text, definition "
            "or obligation",
        ),
        (
            PREMIUM,
            "accrued {{ period }}.\n",
            "accrued {{ period }.\n",
            "premium.yaml: alternatives.standard.text: template syntax error at line 2",
        ),
        (
            FEES,
            "ref('parties_and_definitions')",
            "ref('parties')",
            "monitoring_fees.yaml: alternatives.standard.text: ref('parties') at line 6 "
            "names a clause "
            "not in the library",
        ),
        (
            FEES,
            "has('premium')",
            "has('premum')",
            "monitoring_fees.yaml: alternatives.standard.text: has('premum') at line 6 "
            "names a clause",
        ),
        (
            PREMIUM,
            "deadline: {anchor: period_end, days: payment_due_days}",
            "deadline: {anchor: period_end, days: pay_days}",
            "premium.yaml: obligations[0].deadline.days: names undeclared variable 'pay_days'",
        ),
        (
            PREMIUM,
            "deadline: {anchor: period_end, days: payment_due_days}",
            "deadline: {anchor: period_end, days: rate}",
            "premium.yaml: obligations[0].deadline.days: variable 'rate' must be of type integer",
        ),
        (
            PREMIUM,
            "cure: {days: 10,",
            "cure: {days: cure_days,",
            "premium.yaml: obligations[0].cure.days: names undeclared variable 'cure_days'",
        ),
        (
            PREMIUM,
            "accrue: {per: period, quantity: quantity}",
            "accrue: {per: fortnightly, quantity: quantity}",
            "premium.yaml: obligations[0].accrue.per: 'fortnightly' is neither a period",
        ),
        (
            PREMIUM,
            "accrue: {per: period, quantity: quantity}",
            "accrue: {per: unit, quantity: quantity}",
            "premium.yaml: obligations[0].accrue.per: variable 'unit' may only offer",
        ),
        (
            PREMIUM,
            "amount: {formula: quantity * rate}",
            "amount: {formula: weight * rate}",
            "premium.yaml: obligations[0].amount.formula: 'weight' is neither a declared "
            "variable nor "
            "a field of the trigger event",
        ),
        (
            PREMIUM,
            "amount: {formula: quantity * rate}",
            "amount: {formula: quantity ** rate}",
            "premium.yaml: obligations[0].amount.formula: 'quantity ** rate': BinOp is not allowed",
        ),
        (
            PREMIUM,
            "event: purchase_recorded}",
            "event: purchase_made}",
            "premium.yaml: obligations[0].trigger.event: unknown event type 'purchase_made'",
        ),
        (
            PREMIUM,
            "match: subject}",
            "match: subject}\n    ends_on: [{event: contract_ended}]",
            "premium.yaml: obligations[1].ends_on[0].event: unknown event type 'contract_ended'",
        ),
        (
            PREMIUM,
            "trigger: {on: event, event: payment_recorded}",
            "trigger: {on: event, event: payment_recorded, where: {payer: buyer}}",
            "premium.yaml: obligations[1].trigger.where.payer: event 'payment_recorded' "
            "has no field",
        ),
        (
            PREMIUM,
            "obligor: supplier",
            "obligor: grower",
            "premium.yaml: obligations[1].obligor: unknown role 'grower'",
        ),
        (
            PREMIUM,
            "beneficiary: workers",
            "beneficiary: farmworkers",
            "premium.yaml: obligations[1].beneficiary: unknown role 'farmworkers'",
        ),
        (
            PREMIUM,
            "holder: worker_organization",
            "holder: union",
            "premium.yaml: powers[0].holder: unknown role 'union'",
        ),
        (
            PREMIUM,
            "obligations: [pay_premium]",
            "obligations: [pay_premium, pay_bonus]",
            "premium.yaml: alternatives.floor.obligations: unknown obligation spec 'pay_bonus'",
        ),
        (
            PREMIUM,
            "trigger: violation:pay_premium",
            "trigger: violation:pay_bonus",
            "premium.yaml: powers[0].trigger: violation of unknown obligation spec 'pay_bonus'",
        ),
        (
            PREMIUM,
            "trigger: violation:pay_premium",
            "trigger: season_ended",
            "premium.yaml: powers[0].trigger: 'season_ended' is neither violation:<spec id> nor",
        ),
        (
            PREMIUM,
            "powers: [escalate_to_monitor]",
            "powers: [terminate]",
            "premium.yaml: obligations[0].cure.powers: unknown power 'terminate'",
        ),
        (
            PREMIUM,
            "defaults: {payment_due_days: 45}",
            "defaults: {payment_due_days: 60}",
            "premium.yaml: alternatives.extended_payment.defaults.payment_due_days: "
            "a fallback default "
            "must not fall past the floor: 60 is beyond the floor (at most 45)",
        ),
        (
            PREMIUM,
            "defaults: {payment_due_days: 45}",
            "defaults: {payment_due_days: soon}",
            "premium.yaml: alternatives.extended_payment.defaults.payment_due_days: "
            "default fails its "
            "own variable: must be a whole number",
        ),
        (
            PREMIUM,
            "defaults: {payment_due_days: 45}",
            "defaults: {payment_days: 45}",
            "premium.yaml: alternatives.extended_payment.defaults.payment_days: "
            "not a declared variable",
        ),
        (
            PREMIUM,
            "    default: 97\n",
            "    default: 85\n",
            "premium.yaml: variables.worker_share_pct.default: the default is past the floor: "
            "85 is "
            "below the floor (at least 90)",
        ),
        (
            PREMIUM,
            "    default: 0.01\n",
            "    default: 0\n",
            "premium.yaml: variables.rate.default: default fails its own variable: "
            "must be greater than 0",
        ),
        (
            PREMIUM,
            "  - id: pass_through",
            "  - id: pay_premium",
            "premium.yaml: obligations: duplicate id 'pay_premium'",
        ),
        (
            PREMIUM,
            "order: 50",
            "order: 70",
            "premium.yaml: order: order 70 is also used by monitoring_fees",
        ),
    ],
)
def test_each_incoherence_is_reported(
    tmp_path: Path, file: str, old: str, new: str, expected: str
) -> None:
    got = check(tmp_path, {file: [(old, new)]})
    assert any(p.startswith(expected) for p in got), got


def test_problems_are_located_by_file(tmp_path: Path) -> None:
    lib = load_library(copy_mini(tmp_path, {PREMIUM: [("order: 50", "order: 70")]}))
    paths = sorted(p.path for p in check_library(lib))
    assert paths == [f"{tmp_path}/monitoring_fees.yaml: order", f"{tmp_path}/premium.yaml: order"]


def test_file_name_must_match_the_id(tmp_path: Path) -> None:
    copy_mini(tmp_path)
    (tmp_path / "premium.yaml").rename(tmp_path / "the_premium.yaml")
    got = [str(p) for p in check_library(load_library(tmp_path))]
    assert got == [f"{tmp_path}/the_premium.yaml: id: the file must be named premium.yaml"]


def test_defines_are_checked_like_text(tmp_path: Path) -> None:
    got = check(
        tmp_path, {PREMIUM: [("per {{ unit }} paid under", "per {{ measure }} paid under")]}
    )
    assert "premium.yaml: defines[0].definition: template uses undeclared variable 'measure'" in got


def test_schema_errors_surface_when_loading(tmp_path: Path) -> None:
    copy_mini(
        tmp_path,
        {
            PREMIUM: [
                ("    type: decimal\n    label: Premium", "    type: float\n    label: Premium")
            ]
        },
    )
    with pytest.raises(LibraryError) as err:
        load_library(tmp_path)
    (problem,) = err.value.problems
    assert problem.path.endswith("premium.yaml: variables.rate.type")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'variables: {rate: "0.01", period: weekly}',
            'variables: {rate: "0.01", period: daily}',
            "premium.yaml: tests[0].variables.period: must be one of: weekly, monthly",
        ),
        (
            'variables: {rate: "0.01", period: weekly}',
            'variables: {rate: "0.01", speed: 3}',
            "premium.yaml: tests[0].variables.speed: not a declared variable",
        ),
        (
            '{type: purchase_recorded, "on"',
            '{type: purchase_made, "on"',
            "premium.yaml: tests[0].events[0].type: unknown event type 'purchase_made'",
        ),
        (
            'quantity: "1000"',
            'weight: "1000"',
            "premium.yaml: tests[0].events[0].set.weight: event 'purchase_recorded' has no field",
        ),
        (
            "{spec: premium.pay_premium,",
            "{spec: premium.pay_bonus,",
            "premium.yaml: tests[0].expect[0].spec: unknown obligation spec 'premium.pay_bonus'",
        ),
        (
            "{spec: pass_through,",
            "{spec: monitoring_fees.pass_through,",
            "premium.yaml: tests[0].expect[1].spec: unknown obligation spec",
        ),
    ],
)
def test_trace_scenarios_are_checked(tmp_path: Path, old: str, new: str, expected: str) -> None:
    got = check(tmp_path, {PREMIUM: [(old, new)]})
    assert any(p.startswith(expected) for p in got), got


def test_a_ref_to_an_optional_clause_must_be_guarded(tmp_path: Path) -> None:
    got = check(tmp_path, {FEES: [("{% if has('premium') %}", ""), ("{% endif %}.\n", ".\n")]})
    assert got == [
        "monitoring_fees.yaml: alternatives.standard.text: ref('premium') at line 6 is not inside "
        "{% if has('premium') %}; drafting fails whenever the optional clause 'premium' is left out"
    ]


CAP = "    label: Cap\n    required: false\n"


def test_a_programme_reference_on_a_variable_without_default_is_clean(tmp_path: Path) -> None:
    ref = CAP + '    reference: {value: 500000, source: "Accord 2013"}\n'
    assert check(tmp_path, {FEES: [(CAP, ref)]}) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            CAP,
            CAP + '    reference: {value: "a lot", source: "Accord 2013"}\n',
            "monitoring_fees.yaml: variables.cap.reference.value: the reference fails its own "
            "variable",
        ),
        (
            "    default: 1000\n",
            '    default: 1000\n    reference: {value: 1000, source: "Accord 2013"}\n',
            "monitoring_fees.yaml: variables.floor.reference: the variable has a default",
        ),
    ],
    ids=["not-a-value-of-the-variable", "beside-a-default"],
)
def test_a_bad_programme_reference_is_reported(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    got = check(tmp_path, {FEES: [(old, new)]})
    assert any(p.startswith(expected) for p in got), got


def test_a_programme_reference_needs_its_source(tmp_path: Path) -> None:
    copy_mini(tmp_path, {FEES: [(CAP, CAP + "    reference: {value: 500000}\n")]})
    with pytest.raises(LibraryError, match="source"):
        load_library(tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "sets: {email_receipt: next_business_day}",
            "sets: {email_receipt: sometimes}",
            "retired_alternatives.deemed_receipt.sets.email_receipt: not a valid value",
        ),
        (
            "sets: {email_receipt: next_business_day}",
            "sets: {no_such_variable: 1}",
            "retired_alternatives.deemed_receipt.sets.no_such_variable: not a variable of",
        ),
        (
            "moved_to: general_provisions",
            "moved_to: premium",
            "retired_alternatives.deemed_receipt.moved_to: 'premium' is not in every agreement",
        ),
    ],
)
def test_retired_alternatives_are_checked(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    from clauses._library import DEFAULT_LIBRARY

    for f in DEFAULT_LIBRARY.glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        if f.name == "parties_and_definitions.yaml":
            assert old in text
            text = text.replace(old, new, 1)
        (tmp_path / f.name).write_text(text, encoding="utf-8")
    found = [
        f"{p.path.split(': ', 1)[1]}: {p.message}" for p in check_library(load_library(tmp_path))
    ]
    assert any(line.startswith(expected) for line in found), found
