"""`wsr notices certificate`: proof of service as Markdown and PDF, from the stored tables."""

from __future__ import annotations

import shutil
import time

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from obligations.stores._sqltables import notices
from scheduler import DeliveryHooks, webhook_app
from tests.scheduler.conftest import add_notice
from tests.scheduler.webhook_client import Served, Signer, body_of, event
from wsr.cli import main


def run(capsys, db: str, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["--db", db, "--now", "2026-04-20T09:00:00+00:00", *args])
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def _served_notice(engine) -> tuple[str, Signer]:
    signer = Signer()
    nid = add_notice(engine, 7, step="breach_notice")
    now = int(time.time())
    body = body_of([event(nid, "processed", now - 60), event(nid, "delivered", now - 30)])
    forged = body_of([event(nid, "bounce", now - 10)])
    # no hooks: the rows here are a notice and a stand-in agreement, not a tracked agreement
    with Served(webhook_app(engine, signer.public_b64, hooks=DeliveryHooks())) as web:
        assert web.post(body, signer.headers(body))[0] == 200
        assert web.post(forged, Signer().headers(forged))[0] == 403
    return nid, signer


def test_markdown_certificate_names_what_was_served_and_the_evidence(
    capsys, engine, db_url, tmp_path
):
    nid, _ = _served_notice(engine)
    code, out, err = run(capsys, db_url, "notices", "certificate", nid, "--out", str(tmp_path),
                         "--no-pdf")  # fmt: skip
    assert code == 0, err
    (md,) = tmp_path.glob("certificate-*.md")
    assert out.strip() == str(md)
    text = md.read_text()
    with engine.connect() as conn:
        row = conn.execute(sa.select(notices).where(notices.c.id == nid)).one()
    for fact in (nid, row.sha256, row.provider_message_id, row.recipient, row.subject,
                 "breach_notice", "verified (ECDSA)", "— matches"):  # fmt: skip
        assert fact in text, fact
    assert "| 1 | processed |" in text and "| 2 | delivered |" in text
    assert "| 3 |" not in text  # the forged bounce is no event of this notice
    assert "failed verification (not evidence)" in text and "forged" in text
    assert row.body_text in text


def test_a_changed_text_shows_as_a_hash_that_does_not_match(capsys, engine, db_url, tmp_path):
    nid = add_notice(engine, 8)
    with engine.begin() as conn:
        conn.execute(sa.update(notices).values(body_text="someone edited the stored text"))
    code, _out, err = run(capsys, db_url, "notices", "certificate", nid, "--out", str(tmp_path),
                          "--no-pdf")  # fmt: skip
    assert code == 0, err
    assert "DOES NOT MATCH" in next(tmp_path.glob("*.md")).read_text()


def test_unknown_and_unsent_notices_are_refused(capsys, engine, db_url, tmp_path):
    pending = add_notice(engine, 9, state="pending")
    out_dir = tmp_path / "cert"
    code, out, err = run(capsys, db_url, "notices", "certificate", "0" * 40, "--out",
                         str(out_dir))  # fmt: skip
    assert code == 2 and err.startswith("NOTICE_ID: no notice with the id")
    code, out, err = run(capsys, db_url, "notices", "certificate", pending, "--out", str(out_dir))
    assert code == 2 and "has not been sent (it is pending)" in err
    assert not out_dir.exists()  # nothing written


@pytest.mark.libreoffice
def test_pdf_certificate_through_libreoffice(capsys, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("libreoffice is not installed")
    from obligations._db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'wsr.db'}"
    upgrade(url)
    engine = make_engine(url)
    nid, _ = _served_notice(engine)
    engine.dispose()
    out_dir = tmp_path / "cert"
    code, out, err = run(capsys, url, "notices", "certificate", nid, "--out", str(out_dir))
    assert code == 0, err
    pdf = out_dir / f"certificate-{nid[:12]}.pdf"
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([pdf.name, pdf.stem + ".md"])
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    assert "Certificate of service" in text
    assert "delivered" in text and "verified (ECDSA)" in text
    assert nid in text.replace(" ", "")
