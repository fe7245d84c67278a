"""The deviation report as counsel reads it, from the shipped library and the Accord example:
labels, section numbers, programme figures, left-out clauses, overrides, warnings, fee tables,
in Markdown, JSON and DOCX (and PDF through LibreOffice)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from clauses import OmissionRec, WarningRec, assemble, load_library, parse_answers
from clauses._compare import compare_to_standard
from clauses.render.deviations import render_deviations_docx
from tests.clauses.docx_reading import W, document_xml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "accord-garment-safety.yaml"


@pytest.fixture(scope="module")
def lib():
    return load_library()


def _answers(**fee_changes):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    fees = data["clauses"]["monitoring_fees"]
    fees["tiers"][3]["fee"] = 60000  # was 37,500: a negotiated band
    fees.update(fee_changes)
    data["clauses"]["monitoring_fees"] = fees
    return data


def _report(lib, **fee_changes):
    answers = parse_answers(_answers(**fee_changes), lib)
    agreement = assemble(answers, lib)
    standard = assemble(answers.as_standard(lib), lib)
    return agreement, compare_to_standard(agreement, standard, lib)


@pytest.fixture(scope="module")
def negotiated(lib):
    return _report(lib, cap=200000)


def test_a_cap_below_the_programme_figure_is_a_deviation(negotiated):
    agreement, report = negotiated
    fees = report.clause("monitoring_fees")
    cap = next(v for v in fees.variables if v.name == "cap")
    assert (cap.standard, cap.chosen, cap.basis) == ("500000", "200000", "reference")
    assert "Bangladesh Accord 2013" in cap.source
    md = report.to_markdown()
    assert (
        "| Maximum annual fee | USD 500,000.00 (programme figure: Bangladesh Accord 2013: a "
        "maximum contribution of USD 500,000 a year) | USD 200,000.00 |" in md
    )
    assert report.counts()["reference_deviations"] == 1
    data = json.loads(json.dumps(report.to_json_dict()))
    fees_json = next(c for c in data["clauses"] if c["clause_id"] == "monitoring_fees")
    assert {
        "name": "cap",
        "label": "Maximum annual fee",
        "standard": "500000",
        "chosen": "200000",
        "basis": "reference",
        "source": cap.source,
    } in fees_json["variables"]


def test_the_programme_figure_itself_is_not_a_deviation(lib):
    _, report = _report(lib, cap=500000)
    assert [v.name for v in report.clause("monitoring_fees").variables] == ["tiers"]
    assert report.counts()["reference_deviations"] == 0


def test_no_cap_at_all_is_a_deviation_from_the_programme_figure(lib):
    _, report = _report(lib, cap=None)
    cap = next(v for v in report.clause("monitoring_fees").variables if v.name == "cap")
    assert (cap.standard, cap.chosen) == ("500000", None)
    assert "| USD 200,000.00 |" not in report.to_markdown()
    assert "(programme figure: Bangladesh Accord 2013" in report.to_markdown()


def test_labels_and_section_numbers_not_identifiers(negotiated):
    agreement, report = negotiated
    md = report.to_markdown()
    number = agreement.section("term_and_renewal").number
    assert f"## {number}. Term and Renewal — changed" in md
    transparency = agreement.section("transparency_reporting").number
    assert f"## {transparency}. Transparency and Reporting — changed" in md
    assert "| Reporting period | annually | quarterly |" in md
    for identifier in ("report_every", "report_due_days", "opt_out_notice_days", "`"):
        assert identifier not in md.split("## Clauses left out")[1].split("From the clause")[0]
    # alternatives by their labels in the clause table
    assert (
        f"| {number} | Term and Renewal | changed | One automatic renewal only (fallback) |" in md
    )


def test_the_fee_table_is_shown_as_a_table(negotiated):
    _, report = negotiated
    md = report.to_markdown()
    assert "| Fee table | see the table below | see the table below |" in md
    assert (
        "| Band | Standard: Upper limit of the band | Standard: Annual fee for the band | "
        "Chosen: Upper limit of the band | Chosen: Annual fee for the band |" in md
    )
    assert "| (d) | 50,000,000 | USD 37,500.00 | 50,000,000 | USD 60,000.00 |" in md
    assert "| (h) | none | USD 500,000.00 | none | USD 500,000.00 |" in md


def test_each_deviation_quotes_the_clause_commentary(negotiated, lib):
    _, report = negotiated
    md = report.to_markdown()
    for c in report.deviations:
        first = " ".join(lib.get(c.clause_id).commentary.split("\n\n")[0].split())
        assert f"> {first}" in md, c.clause_id


def test_omitted_clauses_warnings_and_overrides_are_listed(lib, tmp_path):
    answers = _answers()
    answers["clauses"]["monitoring_fees"]["due_days"] = 75  # past the floor (at most 60)
    answers["clauses"]["monitoring_fees"]["override"] = {
        "reason": "The Buyer's treasury pays suppliers on 75-day terms",
        "approved_by": "Steering Committee, 3 March 2026",
    }
    parsed = parse_answers(answers, lib)
    agreement = assemble(parsed, lib)
    standard = assemble(parsed.as_standard(lib), lib)
    # Built by hand until the library stream records omissions and warnings while drafting.
    agreement = agreement.model_copy(
        update={
            "omitted": [
                OmissionRec(
                    clause_id="sourcing_cutoff",
                    title="Sourcing Consequences",
                    required=True,
                    reason="The Buyer's sourcing exit is set out in the Steering Committee MoU",
                    approved_by="Example Global Industrial Union Federation",
                    lacks="a market consequence: a suspended supplier loses no orders",
                ),
                OmissionRec(clause_id="premium", title="Fair Food Premium", required=False),
            ],
            "warnings": [
                WarningRec(
                    path="clauses.monitoring_fees.tiers[7].fee",
                    message="the cap makes this band's fee unreachable",
                )
            ],
        }
    )
    report = compare_to_standard(agreement, standard, lib)
    md = report.to_markdown()
    assert (
        "| Sourcing Consequences | yes | The Buyer's sourcing exit is set out in the Steering "
        "Committee MoU | Example Global Industrial Union Federation | a market consequence: a "
        "suspended supplier loses no orders |" in md
    )
    assert "| Fair Food Premium | no | none recorded | none recorded | — |" in md
    assert "2 left out (1 of them required)" in md
    assert (
        "- the cap makes this band's fee unreachable (clauses.monitoring_fees.tiers[7].fee)" in md
    )
    section = agreement.section("monitoring_fees").number
    assert (
        f"| {section} | Payment deadline (days after the volume declaration) | 75 | at most 60 | "
        "The Buyer's treasury pays suppliers on 75-day terms | Steering Committee, 3 March 2026 |"
        in md
    )
    assert "**Floor overridden:** Payment deadline (days after the volume declaration) = 75" in md
    assert "## Sourcing Consequences — left out" in md
    assert (
        "- Without it the agreement lacks a market consequence: a suspended supplier loses no "
        "orders." in md
    )
    cutoff = " ".join(lib.get("sourcing_cutoff").commentary.split("\n\n")[0].split())
    assert f"> {cutoff}" in md.split("## Sourcing Consequences — left out")[1]
    assert "- No reason or approval is recorded." in md.split("## Fair Food Premium — left out")[1]
    tables = _tables(render_deviations_docx(report, tmp_path / "r.docx"))
    overrides = next(t for t in tables if t[0][-2:] == ["Reason", "Approved by"])
    assert overrides[1][-2:] == [
        "The Buyer's treasury pays suppliers on 75-day terms",
        "Steering Committee, 3 March 2026",
    ]
    left_out = next(t for t in tables if t[0][0] == "Clause" and t[0][1] == "Required")
    assert [row[:2] for row in left_out[1:]] == [
        ["Sourcing Consequences", "yes"],
        ["Fair Food Premium", "no"],
    ]
    data = report.to_json_dict()
    assert [o["clause_id"] for o in data["omitted"]] == ["sourcing_cutoff", "premium"]
    assert data["warnings"][0]["path"] == "clauses.monitoring_fees.tiers[7].fee"
    assert data["overrides"][0]["approved_by"] == "Steering Committee, 3 March 2026"


# -- DOCX ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_docx(negotiated, tmp_path_factory):
    _, report = negotiated
    return render_deviations_docx(report, tmp_path_factory.mktemp("dev") / "r.deviations.docx")


def _tables(path):
    return [
        [
            ["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tr.iter(f"{W}tc")]
            for tr in tbl.iter(f"{W}tr")
        ]
        for tbl in document_xml(path).iter(f"{W}tbl")
    ]


def test_docx_tables_are_real_word_tables(report_docx, negotiated):
    agreement, _ = negotiated
    tables = _tables(report_docx)
    fee = next(t for t in tables if t[0][0] == "Band")
    assert fee[4] == ["(d)", "50,000,000", "USD 37,500.00", "50,000,000", "USD 60,000.00"]
    clauses = next(t for t in tables if t[0][0] == "Section" and t[0][1] == "Clause")
    assert [row[:3] for row in clauses[1:3]] == [
        [agreement.sections[0].number, agreement.sections[0].title, "changed"],
        [agreement.sections[1].number, agreement.sections[1].title, "changed"],
    ]
    variables = [row for t in tables if t[0] == ["Variable", "Standard", "Chosen"] for row in t]
    assert [
        "Maximum annual fee",
        "USD 500,000.00 (programme figure: Bangladesh Accord 2013: a maximum contribution of "
        "USD 500,000 a year)",
        "USD 200,000.00",
    ] in variables
    # the header row repeats on every page a long table runs over
    root = document_xml(report_docx)
    assert all(tbl.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None for tbl in root.iter(f"{W}tbl"))


def test_docx_quotes_the_commentary_and_names_the_report(report_docx):
    root = document_xml(report_docx)
    quotes = [
        "".join(t.text or "" for t in p.iter(f"{W}t"))
        for p in root.iter(f"{W}p")
        if (s := p.find(f"{W}pPr/{W}pStyle")) is not None and s.get(f"{W}val") == "Quote"
    ]
    assert any(q.startswith("Independent monitoring has to be paid for") for q in quotes)


def test_the_same_report_gives_the_same_docx(negotiated, report_docx, tmp_path):
    _, report = negotiated
    again = render_deviations_docx(report, tmp_path / "again.docx")
    assert again.read_bytes() == report_docx.read_bytes()


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_the_report_converts_to_pdf_with_its_tables(report_docx, tmp_path):
    from clauses.render.deviations import render_deviations_pdf

    pdf = render_deviations_pdf(report_docx, tmp_path)
    assert pdf.name == "r.deviations.pdf" and pdf.stat().st_size > 0
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Deviations from the standard" in text
    assert "USD 60,000.00" in text and "USD 200,000.00" in text
