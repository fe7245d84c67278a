from __future__ import annotations

import os
import shutil
import time

import pytest
from pypdf import PdfReader

from clauses import EngineError, ToolMissing
from clauses.render.docx import render_docx
from clauses.render.pdf import render_pdf, render_pdfs
from tests.clauses.render_fixtures import negotiated_agreement, standard_agreement


def _text(pdf) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(pdf)).pages)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_one_docx_to_pdf(tmp_path):
    agreement = negotiated_agreement(suppliers=80)
    docx = render_docx(agreement, tmp_path / f"{agreement.id}.docx")
    pdf = render_pdf(docx, tmp_path / "out")
    assert pdf == (tmp_path / "out" / f"{agreement.id}.pdf")
    reader = PdfReader(str(pdf))
    pages = len(reader.pages)
    assert pages >= 4  # body, two schedule pages, signatures
    text = _text(pdf)
    assert agreement.title in text
    for section in agreement.sections:
        assert section.title in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "GROWER-080" in text
    # the record's paper (Letter: its governing law is Florida's), in points
    assert agreement.paper == "letter"
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == 612 and round(float(box.height)) == 792


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_many_files_in_one_call(tmp_path):
    a = render_docx(negotiated_agreement(), tmp_path / "negotiated.docx")
    b = render_docx(standard_agreement(), tmp_path / "standard.docx")
    stale = tmp_path / "pdf" / "standard.pdf"
    stale.parent.mkdir()
    stale.write_bytes(b"not a pdf")
    pdfs = render_pdfs([a, b], tmp_path / "pdf")
    assert [p.name for p in pdfs] == ["negotiated.pdf", "standard.pdf"]
    assert "Worker Education" in _text(pdfs[0])
    assert "Worker Education" not in _text(pdfs[1]) and "Complaints" in _text(pdfs[1])


def test_missing_libreoffice_says_how_to_install(tmp_path, monkeypatch):
    docx = render_docx(standard_agreement(), tmp_path / "a.docx")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ToolMissing, match="libreoffice-writer-nogui or omit pdf from --format"):
        render_pdf(docx, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_missing_input_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        render_pdf(tmp_path / "nope.docx", tmp_path)


def test_clashing_stems_are_refused(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    for d in ("x", "y"):
        (tmp_path / d / "a.docx").write_bytes(b"")
    with pytest.raises(ValueError, match="share a file name stem"):
        render_pdfs([tmp_path / "x" / "a.docx", tmp_path / "y" / "a.docx"], tmp_path)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_unconvertible_input_is_an_engine_error(tmp_path):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(EngineError, match="LibreOffice could not convert"):
        render_pdf(bad, tmp_path / "out")


def test_a_hung_conversion_is_killed_with_its_children(tmp_path, monkeypatch):
    """A stand-in soffice that hangs (as a wedged LibreOffice does) behind a launcher."""
    tools = tmp_path / "tools"
    tools.mkdir()
    pidfile = tmp_path / "child.pid"
    fake = tools / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pidfile}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    docx = render_docx(standard_agreement(), tmp_path / "a.docx")
    with pytest.raises(EngineError, match="did not finish converting 1 file"):
        render_pdf(docx, tmp_path / "out", timeout=1)
    child = int(pidfile.read_text())
    for _ in range(50):  # the kill is delivered at once; reaping may take a moment
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the launcher's child {child} survived the timeout")
