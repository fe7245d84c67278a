"""`wsr draft` end to end through ``wsr.cli.main`` on the shipped clause library."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from docx import Document

from clauses import Agreement
from tests.clauses.docx_reading import word_numbers
from wsr._entry import main  # the `wsr` script: a plain draft without typer

ANSWERS = Path(__file__).parent / "fixtures" / "draft_answers.yaml"


def run(argv, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".wsr-" in p.name)  # staging or set-aside


def test_default_formats_write_record_docx_and_markdown(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(["draft", str(ANSWERS), "--out", str(out)], capsys)
    assert code == 0, err
    record = next(out.glob("*.json"))
    agreement = Agreement.from_json(record.read_text(encoding="utf-8"))
    aid = agreement.id
    doc_stem = f"gulf-coast-tomato-fair-food-agreement-{aid}"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{aid}.json", f"{doc_stem}.docx", f"{doc_stem}.md"]
    )
    assert stdout.splitlines() == [
        "title: Gulf Coast Tomato Fair Food Agreement",
        str(out / f"{aid}.json"),
        str(out / f"{doc_stem}.docx"),
        str(out / f"{doc_stem}.md"),
        f"agreement id: {aid}",
    ]
    # this fixture leaves required clauses out: each is a warning on stderr, and in the record
    assert err and all(line.startswith("warning: clauses.") for line in err.splitlines())
    assert record.read_text(encoding="utf-8") == agreement.to_json()
    doc = Document(str(out / f"{doc_stem}.docx"))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Gulf Coast Tomato Fair Food Agreement"
    for section in agreement.sections:
        assert section.title in texts
        for p in section.paragraphs:
            assert p.text in texts
    assert [row.cells[0].text for row in doc.tables[0].rows] == [
        "Supplier ID",
        "GROWER-G",
        "GROWER-H",
    ]
    # Word's own list numbering (from the styles) gives the numbers stored in the record
    expected = []
    for section in agreement.sections:
        expected.append((section.number, section.title))
        expected += [(p.number, p.text) for p in section.paragraphs]
    assert word_numbers(out / f"{doc_stem}.docx") == expected
    assert agreement.sections[0].title in (out / f"{doc_stem}.md").read_text(encoding="utf-8")
    assert _leftovers(tmp_path) == []


def test_same_answers_give_the_same_files(tmp_path, capsys):
    assert run(["draft", str(ANSWERS), "--out", str(tmp_path / "a")], capsys)[0] == 0
    assert run(["draft", str(ANSWERS), "--out", str(tmp_path / "b")], capsys)[0] == 0
    for f in (tmp_path / "a").iterdir():
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name


def test_compare_standard_writes_report_and_redline(tmp_path, capsys):
    out = tmp_path / "nested" / "out"
    code, stdout, err = run(
        ["--now", "2026-01-02T10:00:00+00:00", "draft", str(ANSWERS), "--out", str(out),
         "--format", "md", "--compare-standard"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    aid = stdout.splitlines()[-1].removeprefix("agreement id: ")
    doc = f"gulf-coast-tomato-fair-food-agreement-{aid}"
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            f"{aid}.json",
            f"{doc}.md",
            f"{doc}.deviations.md",
            f"{aid}.deviations.json",
            f"{doc}.deviations.docx",
            f"{doc}.redline.docx",
        ]
    )
    # exactly one agreement record among the JSON files, and it sorts first
    assert [n for n in names if n.endswith(".json") and ".deviations" not in n] == [f"{aid}.json"]
    report = json.loads((out / f"{aid}.deviations.json").read_text(encoding="utf-8"))
    assert report["agreement_id"] == aid and report["standard_id"].startswith("agr-")
    premium = next(c for c in report["clauses"] if c["clause_id"] == "premium")
    # the fixture pays within 31 days; whatever the standard says, the report must agree
    std_days = next(v for v in premium["variables"] if v["name"] == "payment_due_days")["standard"]
    assert premium["status"] == "changed" and std_days != 31
    md = (out / f"{doc}.deviations.md").read_text(encoding="utf-8")
    assert f"| Payment deadline (days after the period ends) | {std_days} | 31 |" in md
    assert "Deviations from the standard" in _document_xml(out / f"{doc}.deviations.docx")
    xml = _document_xml(out / f"{doc}.redline.docx")
    assert "<w:ins " in xml and "<w:del " in xml
    assert 'w:date="2026-01-02T10:00:00Z"' in xml  # the revision date is --now


def _document_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_unknown_format_is_exit_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(
        ["draft", str(ANSWERS), "--out", str(out), "--format", "docx,x"], capsys
    )
    assert code == 2
    assert err.strip() == "--format: unknown format 'x' (choose from docx, md, pdf)"
    assert not out.exists() and stdout == ""


def test_bad_answers_exit_2_with_paths_and_nothing_written(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        ANSWERS.read_text(encoding="utf-8").replace("rate: 0.01", "rate: -1"), encoding="utf-8"
    )
    out = tmp_path / "deeper" / "out"
    code, stdout, err = run(["draft", str(bad), "--out", str(out)], capsys)
    assert code == 2
    assert err.splitlines() == ["clauses.premium.rate: must be greater than 0"]
    assert stdout == ""
    assert not (tmp_path / "deeper").exists()


def test_missing_answers_file(tmp_path, capsys):
    code, _, err = run(["draft", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "nope.yaml" in err
    assert not (tmp_path / "o").exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    code, _, err = run(["draft", str(ANSWERS), "--out", str(target)], capsys)
    assert code == 2 and err.startswith("--out: ")
    assert target.read_text() == "x"


def test_pdf_without_libreoffice_exit_1_and_nothing_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    out = tmp_path / "out"
    code, stdout, err = run(["draft", str(ANSWERS), "--out", str(out), "--format", "pdf"], capsys)
    assert code == 1
    assert (
        "LibreOffice is not installed; install the Debian package libreoffice-writer-nogui" in err
    )
    assert not out.exists() and _leftovers(tmp_path) == []


def test_a_failure_while_rendering_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    """A LibreOffice that fails (a stand-in executable exiting 1, to inject the failure late,
    after the record, DOCX and Markdown were already rendered into the staging folder)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    fake = tools / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    out = tmp_path / "out"
    code, stdout, err = run(
        ["draft", str(ANSWERS), "--out", str(out), "--format", "docx,md,pdf"], capsys
    )
    assert code == 1
    assert "LibreOffice could not convert" in err
    assert not out.exists() and _leftovers(tmp_path) == [] and stdout == ""


def test_a_file_that_cannot_be_replaced_leaves_the_previous_draft_exactly(tmp_path, capsys):
    """Issue 9: one target that cannot be replaced, found only when the files move in, must
    leave the folder as it was — never a mix of the earlier draft's files and the new ones."""
    out = tmp_path / "out"
    code, stdout, err = run(["draft", str(ANSWERS), "--out", str(out)], capsys)
    assert code == 0, err
    record, docx, md = (out / Path(line).name for line in stdout.splitlines()[1:4])
    assert record.suffix == ".json" and docx.suffix == ".docx" and md.suffix == ".md"
    record.write_text("the earlier record")  # what a previous draft left
    md.unlink()
    md.mkdir()  # the Markdown cannot replace a folder: the third move fails
    before = {p.name: (p.read_bytes() if p.is_file() else None) for p in out.iterdir()}
    code, stdout, err = run(["draft", str(ANSWERS), "--out", str(out)], capsys)
    assert code == 2 and err.startswith("--out: cannot write") and "nothing was changed" in err
    after = {p.name: (p.read_bytes() if p.is_file() else None) for p in out.iterdir()}
    assert after == before and record.read_text() == "the earlier record"
    assert _leftovers(tmp_path) == [] and stdout == ""


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_pdf_format(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(
        ["draft", str(ANSWERS), "--out", str(out), "--format", "pdf,docx"], capsys
    )
    assert code == 0, err
    aid = stdout.splitlines()[-1].removeprefix("agreement id: ")
    doc = f"gulf-coast-tomato-fair-food-agreement-{aid}"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{aid}.json", f"{doc}.docx", f"{doc}.pdf"]
    )
    assert (out / f"{doc}.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_compare_standard_with_pdf_writes_the_report_as_pdf(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(
        ["draft", str(ANSWERS), "--out", str(out), "--format", "pdf", "--compare-standard"],
        capsys,
    )
    assert code == 0, err
    aid = stdout.splitlines()[-1].removeprefix("agreement id: ")
    doc = f"gulf-coast-tomato-fair-food-agreement-{aid}"
    names = {p.name for p in out.iterdir()}
    assert {f"{doc}.pdf", f"{doc}.deviations.docx", f"{doc}.deviations.pdf"} <= names
    assert (out / f"{doc}.deviations.pdf").read_bytes().startswith(b"%PDF")
    assert f"{out / doc}.deviations.pdf" in stdout.splitlines()


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_pdf_only_does_not_deliver_the_docx(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(["draft", str(ANSWERS), "--out", str(out), "--format", "pdf"], capsys)
    assert code == 0, err
    assert sorted(p.suffix for p in out.iterdir()) == [".json", ".pdf"]


def _without_market_consequence(tmp_path: Path, omit: str = "") -> Path:
    import yaml

    data = yaml.safe_load(
        (Path(__file__).parents[2] / "examples/fair-food-produce.yaml").read_text()
    )
    del data["clauses"]["sourcing_cutoff"]
    text = yaml.safe_dump(data, allow_unicode=True) + omit
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_strict_refuses_a_required_clause_left_out_and_writes_nothing(tmp_path, capsys):
    answers = _without_market_consequence(tmp_path)
    out = tmp_path / "out"
    code, _, err = run(["draft", str(answers), "--out", str(out), "--strict"], capsys)
    assert code == 2
    assert err.startswith("clauses.sourcing_cutoff: required clause ")
    assert "omit.sourcing_cutoff.reason" in err and not out.exists()
    # without --strict the same answers draft, and the record says what is missing
    code, _, err = run(["draft", str(answers), "--out", str(out), "--format", "md"], capsys)
    assert code == 0, err
    record = Agreement.from_json(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert [w.path for w in record.warnings] == ["clauses.sourcing_cutoff"]


def test_strict_accepts_a_recorded_omission(tmp_path, capsys):
    answers = _without_market_consequence(
        tmp_path,
        "omit:\n  sourcing_cutoff: {reason: pilot season only, approved_by: General Counsel}\n",
    )
    out = tmp_path / "out"
    code, _, err = run(
        ["draft", str(answers), "--out", str(out), "--format", "md", "--strict"], capsys
    )
    assert code == 0, err
    record = Agreement.from_json(next(out.glob("*.json")).read_text(encoding="utf-8"))
    [o] = [o for o in record.omitted if o.clause_id == "sourcing_cutoff"]
    assert (o.required, o.reason, o.approved_by) == (True, "pilot season only", "General Counsel")
    assert record.warnings == []


def test_name_gives_readable_file_names_and_keeps_the_id(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(
        ["draft", str(ANSWERS), "--out", str(out), "--name", "gulf-2026"], capsys
    )
    assert code == 0, err
    aid = stdout.splitlines()[-1].removeprefix("agreement id: ")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{aid}.json", f"gulf-2026-{aid}.docx", f"gulf-2026-{aid}.md"]
    )


@pytest.mark.parametrize("bad", ["../up", "a/b", ".hidden", "x" * 81, "trailing.", "sp ace"])
def test_unsafe_name_is_exit_2_and_writes_nothing(tmp_path, capsys, bad):
    out = tmp_path / "out"
    code, stdout, err = run(["draft", str(ANSWERS), "--out", str(out), "--name", bad], capsys)
    assert code == 2 and err.startswith("--name: ") and stdout == ""
    assert not out.exists()


def test_title_slug():
    from wsr._draft import title_slug

    assert title_slug("Gulf Coast Tomato Fair Food Agreement") == (
        "gulf-coast-tomato-fair-food-agreement"
    )
    assert title_slug("Acuerdo Caf\u00e9 & T\u00e9 (2026)") == "acuerdo-cafe-te-2026"
    assert title_slug("\u5354\u8b70") == "agreement"
    long = title_slug(
        "Example Denim Brands Agreement to Eliminate Gender-Based Violence and Harassment"
    )
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("example-denim-brands")


def _accord_with(tmp_path: Path, **fees) -> Path:
    import yaml

    examples = Path(__file__).resolve().parents[2] / "examples"
    answers = yaml.safe_load((examples / "accord-garment-safety.yaml").read_text(encoding="utf-8"))
    answers["clauses"]["monitoring_fees"].update(fees)
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, sort_keys=False), encoding="utf-8")
    return path


def test_warnings_are_printed_and_kept_in_the_record(tmp_path, capsys):
    answers = _accord_with(tmp_path, cap=200000)
    out = tmp_path / "out"
    code, stdout, err = run(["draft", str(answers), "--out", str(out), "--format", "md"], capsys)
    assert code == 0, err
    assert stdout.splitlines()[0] == (
        "title: Example Apparel Group Garment Safety Agreement (Bangladesh)"
    )
    assert err.splitlines() == [
        "warning: clauses.monitoring_fees.tiers[6].fee: band 7's fee 375,000.00 is above the "
        "maximum annual fee 200,000.00: the cap applies, so this fee is never charged",
        "warning: clauses.monitoring_fees.tiers[7].fee: band 8's fee 500,000.00 is above the "
        "maximum annual fee 200,000.00: the cap applies, so this fee is never charged",
    ]
    [record] = out.glob("*.json")
    warnings = Agreement.from_json(record.read_text(encoding="utf-8")).warnings
    assert [w.path for w in warnings] == [
        "clauses.monitoring_fees.tiers[6].fee",
        "clauses.monitoring_fees.tiers[7].fee",
    ]


def test_contradictory_tiers_exit_2_and_write_nothing(tmp_path, capsys):
    tiers = [
        {"up_to": 1000000, "fee": 1000},
        {"up_to": 50000000, "fee": 10000},
        {"up_to": 25000000, "fee": 17500},
        {"up_to": None, "fee": 500000},
    ]
    answers = _accord_with(tmp_path, tiers=tiers, floor=600000)
    out = tmp_path / "out"
    code, stdout, err = run(["draft", str(answers), "--out", str(out)], capsys)
    assert code == 2 and stdout == ""
    assert err.splitlines() == [
        "clauses.monitoring_fees.tiers[2].up_to: 25,000,000.00 is below the upper limit of the "
        "band before it (50,000,000.00): bands must be in ascending order without overlap",
        "clauses.monitoring_fees.floor: the minimum annual fee 600,000.00 is above the maximum "
        "annual fee 500,000.00: no fee can satisfy both",
    ]
    assert not out.exists()
