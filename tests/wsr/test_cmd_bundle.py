"""`wsr bundle`: the arbitration bundle's PDF (read back with pypdf after LibreOffice made it)
and ZIP (every member against its manifest), its redaction for a brand's counsel, its scope,
and its refusals — on SQLite and on PostgreSQL, from a record built by the real service, sweep
and signed webhook."""

# ruff: noqa: F811  (the database fixtures are imported from tests/scheduler)
from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader, PdfWriter

from obligations._db import make_engine
from obligations.stores._sqltables import audit_log, evidence_links, notices, obligations
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from scheduler import message_sha256
from tests.scheduler.conftest import db_url, pg_database_url  # noqa: F401  (fixtures)
from tests.wsr.bundle_seed import COMPLAINANT, FINDING, NOW, Seeded, pdf_bytes, seed
from wsr._bundle import load_bundle
from wsr._bundle_files import _place, build_zip, write_bundle
from wsr.cli import main
from wsr.console._access import Role, Viewer

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="libreoffice is not installed"
)


def run(capsys, db: str, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["--db", db, "--now", NOW.isoformat(), *args])
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


@pytest.fixture
def seeded(db_url, tmp_path) -> tuple[str, Seeded]:
    store = SqlAlchemyObligationStore(make_engine(db_url))
    try:
        return db_url, seed(store, tmp_path)
    finally:
        store.engine.dispose()


@pytest.fixture(scope="module")
def sqlite_seeded(tmp_path_factory) -> tuple[str, Seeded]:
    """One seeded SQLite database for the tests that only read it (reads never write)."""
    from obligations._db import upgrade

    tmp = tmp_path_factory.mktemp("bundle")
    url = f"sqlite:///{tmp / 'wsr.db'}"
    upgrade(url)
    store = SqlAlchemyObligationStore(make_engine(url))
    try:
        return url, seed(store, tmp)
    finally:
        store.engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (audit_log, obligations, notices, evidence_links)
            }
    finally:
        engine.dispose()


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def _zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _stored_evidence(url: str) -> dict[str, bytes]:
    store = SqlAlchemyObligationStore(make_engine(url))
    try:
        with store.read():
            return {r.filename: store.evidence_content(r.sha256) for r in store.all_evidence()}
    finally:
        store.engine.dispose()


# -- the monitor's full bundle -----------------------------------------------------------------


@pytest.mark.libreoffice
@needs_soffice
def test_the_full_bundle_has_chronology_notices_exhibits_and_the_agreement(
    capsys, seeded, tmp_path
):
    url, s = seeded
    before = _counts(url)
    out = tmp_path / "bundle"
    code, printed, err = run(capsys, url, "bundle", s.agreement_id, "--out", str(out))
    assert code == 0, err
    pdf, zpath = out / f"bundle-{s.agreement_id}.pdf", out / f"bundle-{s.agreement_id}.zip"
    assert printed.split() == [str(pdf), str(zpath)]
    assert sorted(p.name for p in out.iterdir()) == sorted([pdf.name, zpath.name])
    assert _counts(url) == before  # a read: nothing written

    text = _pdf_text(pdf)
    members = _zip(zpath)
    manifest = json.loads(members["manifest.json"])
    record = json.loads(members[f"agreement/{s.agreement_id}.json"])
    # the agreement as signed: its content hash, and the record it is the hash of
    assert record["content_hash"] == manifest["agreement"]["content_hash"]
    assert record["content_hash"] in text.replace(" ", "")
    # the clause text, as the record has it
    premium = next(sec for sec in record["sections"] if sec["clause_id"] == "premium")
    first_words = " ".join(premium["paragraphs"][0]["text"].split()[:8])
    assert first_words in text
    # the chronology: events, changes, evidence, notices and the signed delivery evidence
    for fact in ("purchase recorded on 2026-01-07", "complaint filed on 2026-02-02",
                 "created, in effect", "fulfilled", "breach suspected", "notice decided",
                 "delivered — notice", "verified (ECDSA)", "evidence E2 submitted"):  # fmt: skip
        assert fact in text, fact
    # the monitor's bundle is the full record: the complainant is named
    assert COMPLAINANT in text
    # PDF exhibits are appended after the document, other files are in the ZIP only
    assert "Remittance advice" in text and "Investigation report" in text
    assert "in the ZIP only (not a PDF)" in text
    # top-level bookmarks (LibreOffice's own, from the headings, are nested under the first)
    outline = [o.title for o in PdfReader(pdf).outline if not isinstance(o, list)]
    assert outline[0].startswith("Arbitration bundle")
    assert [t.split(" — ")[0] for t in outline[1:]] == ["Exhibit E1", "Exhibit E2"]

    # every ZIP member is named in the manifest with its SHA-256 and size, and vice versa
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(members) - {"manifest.json"}
    for name, data in members.items():
        if name != "manifest.json":
            assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest(), name
            assert listed[name]["size"] == len(data)
    assert manifest["pdf"]["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert manifest["withheld"] == []
    # the exhibits are the originals, byte for byte, and their hashes are in the PDF
    stored = _stored_evidence(url)
    exhibits = {f["filename"]: members[f["name"]] for f in manifest["files"]
                if f["role"] == "exhibit"}  # fmt: skip
    assert exhibits == stored
    for data in stored.values():
        assert hashlib.sha256(data).hexdigest() in text.replace(" ", "")
    # each notice as sent: its file's SHA-256 is the notice's own recorded SHA-256
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.select(notices))}
    engine.dispose()
    sent = [f for f in manifest["files"] if f["name"].startswith("notices/")]
    assert {f["notice_id"] for f in sent} == set(rows)
    for f in sent:
        row = rows[f["notice_id"]]
        assert f["sha256"] == row.sha256 == f["notice_sha256"]
        doc = json.loads(members[f["name"]])
        assert message_sha256(doc["to"], doc["subject"], doc["text"], doc["html"]) == row.sha256


# -- counsel's bundle --------------------------------------------------------------------------


def _counsel(brand: str) -> Viewer:
    return Viewer(user_id=7, email="counsel@brand.example", role=Role.COUNSEL, brand=brand)


@pytest.mark.libreoffice
@needs_soffice
def test_counsels_bundle_never_contains_the_complainants_identity(sqlite_seeded, tmp_path):
    url, s = sqlite_seeded
    store = SqlAlchemyObligationStore(make_engine(url))
    try:
        found = load_bundle(store, s.agreement_id, now=NOW, viewer=_counsel(s.buyer))
    finally:
        store.engine.dispose()
    pdf, zpath = write_bundle(found, tmp_path / "counsel")
    secrets = [COMPLAINANT, FINDING, "Rosa"]
    text = _pdf_text(pdf)
    for secret in secrets:
        assert secret not in text, secret
    # but the complaint itself, its obligations and the brand's own evidence are there
    assert "complaint filed on 2026-02-02" in text and "Remittance advice" in text
    assert "withheld" in text
    members = _zip(zpath)
    assert len(members) > 5
    for name, data in members.items():
        for secret in secrets:
            assert secret.encode() not in data, (name, secret)
        if name.endswith(".pdf"):  # and in the text of every PDF member
            inner = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
            assert all(secret not in inner for secret in secrets), name
    manifest = json.loads(members["manifest.json"])
    # the investigation report is listed by number and hash, its content withheld
    (withheld,) = manifest["withheld"]
    assert withheld["obligation_id"] == s.investigation_id
    assert withheld["sha256"] in text.replace(" ", "")
    assert not any(f["name"].startswith("exhibits/E1-") for f in manifest["files"])
    assert "confidential complaint details withheld" in manifest["prepared_for"]


def test_the_monitor_side_sees_everything_and_counsel_of_no_brand_sees_redacted(sqlite_seeded):
    url, s = sqlite_seeded
    store = SqlAlchemyObligationStore(make_engine(url))
    try:
        monitor = Viewer(user_id=1, email="m@x.example", role=Role.MONITOR, brand=None)
        full = load_bundle(store, s.agreement_id, now=NOW, viewer=monitor)
        unredacted = load_bundle(store, s.agreement_id, now=NOW)
        counsel = load_bundle(store, s.agreement_id, now=NOW, viewer=_counsel(s.buyer))
    finally:
        store.engine.dispose()
    assert not any(e.content is None for e in full.exhibits)
    assert [e.to_json() for e in full.chronology] == [e.to_json() for e in unredacted.chronology]
    assert any(COMPLAINANT in e.detail for e in full.chronology)
    lines = json.dumps([e.to_json() for e in counsel.chronology])
    assert COMPLAINANT not in lines and FINDING not in lines
    assert "[withheld]" in lines  # the audit reason quoting the finding is kept, minus it
    assert len(counsel.chronology) == len(full.chronology)  # nothing is left out, only withheld


# -- one obligation in dispute -----------------------------------------------------------------


def test_an_obligations_bundle_holds_only_what_concerns_it(sqlite_seeded):
    url, s = sqlite_seeded
    store = SqlAlchemyObligationStore(make_engine(url))
    try:
        found = load_bundle(store, s.agreement_id, now=NOW, obligation_id=s.premium_id)
        whole = load_bundle(store, s.agreement_id, now=NOW)
    finally:
        store.engine.dispose()
    assert found.stem == f"bundle-{s.agreement_id}-{s.premium_id}"
    assert [o["id"] for o in found.obligations] == [s.premium_id]
    assert [sec.clause_id for sec in found.sections] == ["premium"]
    assert [e.filename for e in found.exhibits] == ["remittance.pdf"]
    kinds = {e.kind for e in found.chronology}
    assert {"event", "change", "evidence"} <= kinds
    assert all(e.obligation_id in (None, s.premium_id) for e in found.chronology)
    events = [e.what for e in found.chronology if e.kind == "event"]
    assert events == ["purchase recorded on 2026-01-07"]  # its supplier's; no complaint
    assert len(found.chronology) < len(whole.chronology)
    dates = [e.at for e in found.chronology]
    assert dates == sorted(dates)


# -- refusals ----------------------------------------------------------------------------------


def test_bad_input_is_refused_with_exit_2_and_nothing_written(capsys, sqlite_seeded, tmp_path):
    url, s = sqlite_seeded
    out = tmp_path / "out"
    cases = [
        (["bundle", "agr-nope", "--out", str(out)], "AGREEMENT: no agreement with the id"),
        (["bundle", s.agreement_id, "--obligation", "ob-nope", "--out", str(out)],
         "--obligation: agreement"),
        (["bundle", s.agreement_id], "--out:"),
    ]  # fmt: skip
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    cases.append((["bundle", s.agreement_id, "--out", str(a_file)], "--out:"))
    for args, message in cases:
        code, printed, err = run(capsys, url, *args)
        assert code == 2, (args, err)
        assert err.startswith(message), (args, err)
        assert "Traceback" not in err and printed == ""
    assert not out.exists()
    assert a_file.read_text() == "x"


def test_a_failure_while_writing_leaves_the_folder_as_it_was(sqlite_seeded, tmp_path, monkeypatch):
    url, s = sqlite_seeded
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    store = SqlAlchemyObligationStore(make_engine(url))
    try:
        found = load_bundle(store, s.agreement_id, now=NOW, obligation_id=s.premium_id)
    finally:
        store.engine.dispose()
    import wsr._bundle_files as files

    def broken(bundle, *, pdf_name, pdf):  # the ZIP fails after the PDF was staged
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "build_pdf", lambda bundle, placed=None: b"%PDF-1.4 staged")
    monkeypatch.setattr(files, "build_zip", broken)
    with pytest.raises(OSError):
        files.write_bundle(found, out)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.wsr-new-")]


# -- exhibits that are not plain PDFs, and the ZIP itself ----------------------------------------


def _exhibit(content: bytes, name: str = "x.pdf"):
    from datetime import UTC, datetime

    from wsr._bundle import Exhibit

    return Exhibit(
        number="E9",
        filename=name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        obligation_id="ob-1",
        submitted_at=datetime(2026, 3, 1, tzinfo=UTC),
        note="",
        content=content,
    )


def test_only_readable_pdfs_are_appended():
    good, reader = _place(_exhibit(pdf_bytes("hello")))
    assert reader is not None and good.pages == 1 and good.status.startswith("appended")
    broken, reader = _place(_exhibit(b"%PDF-1.4\nthis is no pdf at all"))
    assert reader is None and broken.status.startswith("in the ZIP only (unreadable as PDF")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes("secret"))))
    writer.encrypt("open-sesame")
    locked = io.BytesIO()
    writer.write(locked)
    placed, reader = _place(_exhibit(locked.getvalue()))
    assert reader is None and placed.status == "in the ZIP only (an encrypted PDF)"
    text, reader = _place(_exhibit(b"a,b\n1,2\n", "x.csv"))
    assert reader is None and text.status == "in the ZIP only (not a PDF)"
    assert _exhibit(b"", "../../etc/pass wd").zip_name() == "exhibits/E9-etc_pass_wd"


def test_the_zip_is_the_same_for_the_same_bundle(sqlite_seeded):
    url, s = sqlite_seeded
    store = SqlAlchemyObligationStore(make_engine(url))
    try:
        one = load_bundle(store, s.agreement_id, now=NOW)
        two = load_bundle(store, s.agreement_id, now=NOW)
    finally:
        store.engine.dispose()
    a = build_zip(one, pdf_name="b.pdf", pdf=b"%PDF-1.4 x")
    assert a == build_zip(two, pdf_name="b.pdf", pdf=b"%PDF-1.4 x")
    with zipfile.ZipFile(io.BytesIO(a)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2026, 3, 20, 13, 0, 0)}
        assert zf.testzip() is None


# -- as a console user (--as) ------------------------------------------------------------------


@pytest.mark.libreoffice
@needs_soffice
def test_as_a_console_user(capsys, seeded, tmp_path):
    from wsr.console._users import add_user

    url, s = seeded
    engine = make_engine(url)
    with engine.begin() as conn:
        add_user(conn, "Counsel@FreshMarkets.example", Role.COUNSEL, brand=s.buyer,
                 password_hash=None, now=NOW)  # fmt: skip
        add_user(conn, "counsel@other.example", Role.COUNSEL, brand="Example Other Brand Ltd",
                 password_hash=None, now=NOW)  # fmt: skip
    engine.dispose()
    before = _counts(url)
    out = tmp_path / "as-counsel"
    code, printed, err = run(capsys, url, "bundle", s.agreement_id, "--out", str(out),
                             "--as", "counsel@freshmarkets.example")  # fmt: skip
    assert code == 0, err
    pdf, zpath = (Path(p) for p in printed.split())
    assert COMPLAINANT not in _pdf_text(pdf)
    assert all(COMPLAINANT.encode() not in data for data in _zip(zpath).values())
    assert _counts(url) == before
    for who, message in (
        ("counsel@other.example", "--as: counsel@other.example is counsel for Example Other"),
        ("nobody@example.org", "--as: no user with the id 'nobody@example.org'"),
    ):
        code, printed, err = run(capsys, url, "bundle", s.agreement_id, "--out",
                                 str(tmp_path / "refused"), "--as", who)  # fmt: skip
        assert code == 2 and err.startswith(message), err
        assert printed == ""
    assert not (tmp_path / "refused").exists()


# -- chronology lines from the audit log (pure) ------------------------------------------------


def test_evidence_decisions_and_births_read_as_chronology_lines(make_obligation_snapshots):
    from datetime import UTC, datetime

    from obligations import AuditEntry
    from wsr._bundle import _audit_lines, _Redactor

    created, active, submitted, accepted = make_obligation_snapshots
    at = datetime(2026, 3, 1, 14, tzinfo=UTC)
    later = datetime(2026, 3, 3, 14, tzinfo=UTC)

    def entry(seq, action, before, after, when=at, reason=""):
        return AuditEntry(seq=seq, agreement_id="agr-1", obligation_id="ob-1", at=when,
                          actor="monitor@x.example", action=action, reason=reason,
                          before=before, after=after)  # fmt: skip

    lines = _audit_lines(
        [
            entry(1, "created", None, created),
            entry(2, "activated", created, active),
            entry(3, "evidence_submitted", active, submitted, later),
            entry(4, "evidence_accepted", submitted, accepted, later, "the bank confirmed it"),
            entry(5, "event_recorded", None, {"type": "purchase_recorded"}),
        ],
        _Redactor(None, []),
    )
    assert [(ln.kind, ln.what.split(":")[0]) for ln in lines] == [
        ("change", "created, in effect"),
        ("decision", "evidence submitted"),
        ("decision", "evidence accepted"),
    ]
    assert lines[0].what == "created, in effect: Pay the premium — GROWER-G"
    assert lines[0].source == "audit.1" and lines[2].source == "audit.4"
    assert lines[2].detail == "evidence submitted → accepted. Reason: the bank confirmed it"
    assert all(ln.actor == "monitor@x.example" for ln in lines)


@pytest.fixture
def make_obligation_snapshots():
    base = {"title": "Pay the premium", "subject": "GROWER-G", "due": "2026-02-11",
            "state": "created", "evidence": "none", "flags": [], "paid": "0"}  # fmt: skip
    active = {**base, "state": "in_effect"}
    return base, active, {**active, "evidence": "submitted"}, {**active, "evidence": "accepted"}
