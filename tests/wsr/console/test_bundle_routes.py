"""Bundle downloads in the console: who may have which bundle, and counsel's never names a
complainant — searched in the PDF's text (read back with pypdf) and in every ZIP member."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest
from pypdf import PdfReader

from tests.wsr.console.conftest import COMPLAINANT_REFS


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_counsel_gets_its_own_brands_zip_without_the_complainant(client_for, seeded):
    counsel = client_for("counsel")
    got = counsel.get(f"/agreements/{seeded.fair_food}/bundle.zip")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    assert f'filename="bundle-{seeded.fair_food}.zip"' in got.headers["content-disposition"]
    members = _members(got.content)
    chronology = json.loads(members["chronology.json"])
    assert any(e["what"].startswith("complaint filed") for e in chronology)  # the fact is there
    for name, data in members.items():
        for ref in COMPLAINANT_REFS:
            assert ref.encode() not in data, (name, ref)
    manifest = json.loads(members["manifest.json"])
    assert "withheld" in manifest["prepared_for"]
    assert manifest["pdf"] is None  # the console's ZIP comes without the PDF's hash


def test_the_monitor_side_gets_the_full_record(client_for, seeded):
    for role in ("monitor", "admin", "negotiator"):
        got = client_for(role).get(f"/agreements/{seeded.fair_food}/bundle.zip")
        assert got.status_code == 200, (role, got.text)
        assert COMPLAINANT_REFS[0].encode() in _members(got.content)["chronology.json"], role


def test_other_brands_and_unknown_ids_are_not_found(client_for, seeded):
    counsel = client_for("counsel")
    for path in (
        f"/agreements/{seeded.accord}/bundle.zip",
        f"/agreements/{seeded.accord}/bundle.pdf",
        f"/agreements/{seeded.accord}/bundle",
        "/agreements/agr-nope/bundle.zip",
        "/obligations/ob-nope/bundle.zip",
    ):
        assert counsel.get(path).status_code == 404, path
    other = client_for("counsel_other")
    assert other.get(f"/agreements/{seeded.fair_food}/bundle.zip").status_code == 404
    assert other.get(f"/obligations/{seeded.premium}/bundle.zip").status_code == 404
    # the same answer as for an id that does not exist: a 403 would confirm it is real
    nope = other.get("/obligations/ob-0000000000000000/bundle.zip")
    assert nope.status_code == 404


def test_signed_out_is_sent_to_login_and_api_tokens_work(console_app, api_for, seeded):
    from fastapi.testclient import TestClient

    with TestClient(console_app, base_url="http://localhost") as anonymous:
        got = anonymous.get(f"/agreements/{seeded.fair_food}/bundle.zip", follow_redirects=False)
        assert got.status_code == 303 and got.headers["location"].startswith("/login")
    api = api_for("counsel")
    missing = api.get(f"/api/agreements/{seeded.accord}/bundle.zip")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["path"] == "agreement"
    schema = api.get("/openapi.json").json()["paths"]
    assert "/api/obligations/{obligation_id}/bundle.pdf" in schema
    assert "/obligations/{obligation_id}/bundle.pdf" not in schema
    got = api.get(f"/api/obligations/{seeded.premium}/bundle.zip")
    assert got.status_code == 200, got.text
    manifest = json.loads(_members(got.content)["manifest.json"])
    assert manifest["obligation"] == seeded.premium
    assert manifest["bundle"] == f"bundle-{seeded.fair_food}-{seeded.premium}"


def test_the_bundle_page_links_the_downloads(client_for, seeded):
    page = client_for("counsel").get(f"/agreements/{seeded.fair_food}/bundle")
    assert page.status_code == 200
    assert f'href="/agreements/{seeded.fair_food}/bundle.pdf"' in page.text
    assert "are withheld" in page.text
    # the disputed obligations carry the same state and flag badges as every other listing
    assert 'class="badge flag flag-breach_suspected">breach suspected<' in page.text
    assert "<td>breach_suspected</td>" not in page.text
    for ref in COMPLAINANT_REFS:
        assert ref not in page.text


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="libreoffice is not installed")
def test_counsels_pdf_is_a_real_pdf_without_the_complainant(client_for, seeded):
    got = client_for("counsel").get(f"/agreements/{seeded.fair_food}/bundle.pdf")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(got.content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Arbitration bundle" in text and "complaint filed on" in text
    assert seeded.fair_food in text.replace(" ", "")
    for ref in COMPLAINANT_REFS:
        assert ref not in text
