from __future__ import annotations

import json
from pathlib import Path

import pytest

from wsr.cli import main

MINI = Path(__file__).parents[1] / "clauses" / "fixtures" / "mini"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(["library", *args])
    out, err = capsys.readouterr()
    code = exit_.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_table_lists_every_clause(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--path", str(MINI))
    assert code == 0
    assert "Clause library (3 clauses)" in out
    for text in (
        "parties_and_definitions",
        "monitoring_fees",
        "1.2.0",
        "Premium",
        "extended_payment (fallback)",
        "floor (floor)",
    ):
        assert text in out
    assert (
        out.index("parties_and_definitions") < out.index("premium") < out.index("monitoring_fees")
    )


def test_one_clause_in_detail(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "premium", "--path", str(MINI))
    assert code == 0
    assert out.startswith("premium 1.2.0: Premium\n")
    assert "  worker_share_pct (percent): Share paid to workers\n    default: 97\n" in out
    assert "    floor: at least 90" in out
    assert "    bounds: > 0" in out
    assert "  note (text, optional): Extra note" in out
    assert (
        "  extended_payment [fallback]: Longer payment period\n    defaults: payment_due_days=45"
        in out
    )
    assert "  pay_premium [payment] buyer -> supplier: Pay the premium" in out
    assert (
        "  escalate_to_monitor [escalate] worker_organization against buyer: "
        "on violation:pay_premium" in out
    )


def test_unknown_clause_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bonus", "--path", str(MINI))
    assert code == 2
    assert out == ""
    assert err.startswith("clauses.bonus: no clause with the id 'bonus' was found; known: ")


def test_json_for_all_and_for_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "--path", str(MINI))
    assert code == 0
    data = json.loads(out)
    assert [c["id"] for c in data] == ["parties_and_definitions", "premium", "monitoring_fees"]
    code, out, _ = run(capsys, "premium", "--json", "--path", str(MINI))
    one = json.loads(out)
    assert one["variables"]["rate"]["default"] == "0.01"
    assert one["obligations"][0]["trigger"]["on"] == "event"


def test_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--check", "--path", str(MINI))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "library OK: 3 clauses"
    assert (
        out.splitlines()[1]
        == "constraints checked when drafting (variables that could contradict):"
    )
    assert out.splitlines()[-1] == (
        "  every clause [warning]: a reminder that would fall before its obligation exists"
    )


def test_check_lists_the_shipped_constraints(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--check")
    assert code == 0
    assert "  monitoring_fees.fee_table [errors and warnings]: fee_tiers(tiers, cap, floor)" in out
    assert (
        "  term_and_renewal.notice_inside_renewal_term [error]: "
        "opt_out_notice_days < renewal_term_months * 28 (when auto_renew)" in out
    )


def test_check_reports_every_problem_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for f in MINI.glob("*.yaml"):
        text = f.read_text()
        if f.name == "premium.yaml":
            text = text.replace("order: 50", "order: 70").replace(
                "{{ unit }} purchased", "{{ units }} purchased"
            )
        (tmp_path / f.name).write_text(text)
    code, out, err = run(capsys, "--check", "--path", str(tmp_path))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert (
        f"{tmp_path}/premium.yaml: alternatives.standard.text: "
        "template uses undeclared variable 'units'" in lines
    )
    assert f"{tmp_path}/premium.yaml: order: order 70 is also used by monitoring_fees" in lines
    assert f"{tmp_path}/monitoring_fees.yaml: order: order 70 is also used by premium" in lines


def test_check_reports_load_errors_as_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "premium.yaml").write_text("id: premium\nversion: [\n")
    code, _, err = run(capsys, "--check", "--path", str(tmp_path))
    assert code == 2
    assert err.startswith(f"{tmp_path}/premium.yaml: YAML syntax error at line 3")


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "ClauseDef"
    assert "alternatives" in schema["required"]
