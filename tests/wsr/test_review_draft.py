"""Drafts from uploaded answers: the same problems as `wsr draft`, the same files as it writes."""

from __future__ import annotations

import shutil

import pytest

from clauses import InputError
from clauses.interview import answers_mapping, answers_yaml, prefill
from tests.wsr.review_fixtures import FAIR_FOOD, NOW, fair_food, library
from wsr._review_draft import Download, draft_from_upload, render_download
from wsr.cli import main

BAD = (
    FAIR_FOOD.read_text(encoding="utf-8")
    .replace("rate: 0.01", "rate: -3")
    .replace("timezone: America/New_York", "timezone: Mars/Olympus")
)


def _cli_problems(tmp_path, text: str, capsys, name: str = "answers.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["draft", str(path), "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    return [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]


def test_bad_answers_give_the_clis_paths_and_messages(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as exc:
        draft_from_upload(BAD.encode(), "mine.yaml", library())
    got = [str(p) for p in exc.value.problems]
    assert any(p.startswith("agreement.timezone: ") for p in got)
    assert any(p.startswith("clauses.premium.rate: ") for p in got)
    assert got == _cli_problems(tmp_path, BAD, capsys)


def test_file_level_problems_are_put_on_the_answers_field(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    broken = "agreement: [unclosed\n"
    with pytest.raises(InputError) as exc:
        draft_from_upload(broken.encode(), "a.yaml", library())
    [p] = exc.value.problems
    # the CLI names the file where the upload names its field; the message is the same
    [cli] = _cli_problems(tmp_path, broken, capsys)
    assert p.path == "answers" and cli == f"answers.yaml: {p.message}"
    with pytest.raises(InputError, match="answers: is not UTF-8 text"):
        draft_from_upload(b"agreement: \xff\xfe\n", "a.yaml", library())
    with pytest.raises(InputError, match="answers: the answers file is empty"):
        draft_from_upload(b"  \n", None, library())
    with pytest.raises(InputError, match="answers: is 1,048,577 bytes; .* at most 1 MiB"):
        draft_from_upload(b"#" * ((1 << 20) + 1), "a.yaml", library())


def test_json_answers_are_read_as_json():
    import json

    from clauses._library import load_yaml_text

    data = load_yaml_text(FAIR_FOOD.read_text(encoding="utf-8"), "x")
    text = json.dumps(data, default=str)
    d = draft_from_upload(text.encode(), "answers.json", library())
    assert d.agreement.id == fair_food().agreement.id


def test_the_interviews_saved_answers_draft_the_same_agreement():
    lib = library()
    p = prefill(FAIR_FOOD.read_text(encoding="utf-8"), lib)
    saved = answers_yaml(
        answers_mapping(lib, agreement=p.agreement, parties=p.parties, suppliers=p.suppliers,
                        clauses=p.clauses, omit=p.omit)
    )  # fmt: skip
    assert saved.startswith("# Answers for `wsr draft` (saved from the guided interview)")
    d = draft_from_upload(saved.encode(), "answers.yaml", lib)
    assert d.agreement == fair_food().agreement
    assert d.answers_text == saved


@pytest.mark.parametrize(
    ("kind", "suffix", "cli_name"),
    [
        (Download.DOCX, ".docx", "{doc}.docx"),
        (Download.MARKDOWN, ".md", "{doc}.md"),
        (Download.REDLINE, ".redline.docx", "{doc}.redline.docx"),
        (Download.DEVIATIONS, ".deviations.docx", "{doc}.deviations.docx"),
        (Download.RECORD, ".json", "{aid}.json"),
    ],
)
def test_downloads_are_the_files_wsr_draft_writes(tmp_path, capsys, kind, suffix, cli_name):
    d = fair_food()
    name, data = render_download(kind, d.agreement, d.standard, library(), redline_time=NOW)
    assert name.endswith(suffix)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["--now", NOW.isoformat(), "draft", str(FAIR_FOOD), "--out", str(out),
              "--format", "docx,md", "--compare-standard"])  # fmt: skip
    assert exc.value.code == 0
    aid = d.agreement.id
    doc = f"example-fresh-markets-fair-food-agreement-{aid}"
    expected = out / cli_name.format(doc=doc, aid=aid)
    assert name == expected.name
    assert data == expected.read_bytes()


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_pdf_download_through_libreoffice():
    d = fair_food()
    name, data = render_download(Download.PDF, d.agreement, d.standard, library(), redline_time=NOW)
    assert name.endswith(f"{d.agreement.id}.pdf") and data.startswith(b"%PDF-")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    assert d.agreement.title in " ".join(text.split())


def test_unknown_download_is_named():
    d = fair_food()
    with pytest.raises(InputError, match="kind: unknown download 'zip'"):
        render_download("zip", d.agreement, d.standard, library(), redline_time=NOW)
