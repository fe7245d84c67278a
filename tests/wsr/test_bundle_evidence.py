"""The arbitration bundle after real evidence work through the console: files uploaded
(``POST /api/obligations/{id}/evidence``), accepted and rejected with reasons on the obligation
page, then the bundle downloaded — on SQLite and PostgreSQL.

* every decision is in the chronology with who, when and the reason, naming its exhibit;
* each exhibit is named ``E<n>-<file>`` in the ZIP, with the SHA-256 of the bytes uploaded;
* for counsel, the evidence of a complaint's no-retaliation watch is withheld whole: its
  bytes, file name and note appear in no member of the ZIP (the decision is still listed);
* ``load_bundle`` reads the scope's evidence only, never the whole store's.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.wsr.console.conftest import (  # the console's fixtures, used here by name
    COMPLAINANT_REFS,
    USERS,
    Seeded,
    _seed_template,  # noqa: F401
    console_pg,  # noqa: F401
    make_token,
    seeded,  # noqa: F401
    seeded_pg,  # noqa: F401
    settings_for,
    sign_in,
)

RECEIPT = b"%PDF-1.4 premium bank receipt"
PHOTO = b"\xff\xd8\xff photo of the payroll board"
#: the complaint watch's evidence: confidential complaint material for a brand
STATEMENT = b"statement of the complainant about the supervisor"
STATEMENT_NAME = "witness-statement-rivera.txt"
STATEMENT_NOTE = "given in confidence by Rivera"


class World:
    """The seeded console with a clock that moves on a minute per step."""

    def __init__(self, made: Seeded, app: Any) -> None:
        self.seeded, self.app = made, app
        self.at = made.now

    def tick(self) -> None:
        self.at += timedelta(minutes=1)

    def api(self, role: str) -> TestClient:
        token = make_token(self.seeded.db_url, USERS[role].email)
        return TestClient(
            self.app, base_url="http://localhost", headers={"Authorization": f"Bearer {token}"}
        )

    def page(self, role: str) -> TestClient:
        client = TestClient(self.app, base_url="http://localhost")
        sign_in(client, USERS[role])
        return client


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    from wsr.console import create_app

    made: Seeded = request.getfixturevalue("seeded" if request.param == "sqlite" else "seeded_pg")
    box: list[World] = []
    app = create_app(settings_for(made.db_url, tmp_path), clock=lambda: box[0].at)
    box.append(World(made, app))
    yield box[0]
    app.state.console.store.engine.dispose()


def _upload(w: World, obligation_id: str, name: str, content: bytes, note: str) -> None:
    with w.api("monitor") as api:
        got = api.post(
            f"/api/obligations/{obligation_id}/evidence",
            files={"file": (name, content, "application/octet-stream")},
            data={"note": note},
        )
    assert got.status_code == 201, got.text
    w.tick()


def _decide(w: World, role: str, obligation_id: str, piece: int, accept: bool, why: str) -> None:
    with w.page(role) as client:
        got = client.post(
            f"/obligations/{obligation_id}/evidence/{piece}/decision",
            data={"decision": "accept" if accept else "reject", "reason": why},
            headers={"X-CSRF-Token": client.csrf},
            follow_redirects=False,
        )
    assert got.status_code == 303, got.text
    w.tick()


@pytest.fixture
def decided(world: World) -> World:
    """Two files on the premium (one accepted by the monitor, one rejected by the admin) and
    a witness statement on the complaint's watch (rejected by the monitor)."""
    s = world.seeded
    _upload(world, s.premium, "receipt.pdf", RECEIPT, "bank receipt")
    _upload(world, s.premium, "board.jpg", PHOTO, "")
    _decide(world, "monitor", s.premium, 1, True, "matches the bank statement")
    _decide(world, "admin", s.premium, 2, False, "too blurred to read")
    _upload(world, s.complaint_obligation, STATEMENT_NAME, STATEMENT, STATEMENT_NOTE)
    _decide(world, "monitor", s.complaint_obligation, 1, False, "unsigned")
    return world


def _zip(w: World, role: str, path: str) -> dict[str, bytes]:
    with w.page(role) as client:
        got = client.get(path)
    assert got.status_code == 200, got.text
    with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _decisions(members: dict[str, bytes]) -> list[dict[str, Any]]:
    chronology = json.loads(members["chronology.json"])
    return [e for e in chronology if e["kind"] == "decision" and " accepted" in e["what"]
            or e["kind"] == "decision" and " rejected" in e["what"]]  # fmt: skip


def test_every_decision_with_who_when_why_and_its_exhibit(decided: World) -> None:
    s, start = decided.seeded, decided.seeded.now
    members = _zip(decided, "monitor", f"/agreements/{s.fair_food}/bundle.zip")
    got = [
        (e["what"].split(":")[0], e["actor"], e["at"], e["detail"].rsplit("Reason: ", 1)[-1])
        for e in _decisions(members)
    ]
    minute = timedelta(minutes=1)
    assert got == [
        ("evidence E1 accepted", USERS["monitor"].email, (start + 2 * minute).isoformat(),
         "accepted: matches the bank statement"),
        ("evidence E2 rejected", USERS["admin"].email, (start + 3 * minute).isoformat(),
         "rejected: too blurred to read"),
        ("evidence E3 rejected", USERS["monitor"].email, (start + 5 * minute).isoformat(),
         "rejected: unsigned"),
    ]  # fmt: skip
    lines = {e["what"].split(":")[0]: e for e in _decisions(members)}
    assert hashlib.sha256(PHOTO).hexdigest() in lines["evidence E2 rejected"]["detail"]
    assert "board.jpg" in lines["evidence E2 rejected"]["what"]


def test_exhibits_are_named_and_hashed_as_uploaded(decided: World) -> None:
    s = decided.seeded
    members = _zip(decided, "monitor", f"/agreements/{s.fair_food}/bundle.zip")
    uploaded = {
        "exhibits/E1-receipt.pdf": RECEIPT,
        "exhibits/E2-board.jpg": PHOTO,
        f"exhibits/E3-{STATEMENT_NAME}": STATEMENT,
    }
    assert {n: members[n] for n in members if n.startswith("exhibits/")} == uploaded
    manifest = json.loads(members["manifest.json"])
    listed = {f["name"]: f for f in manifest["files"] if f["name"].startswith("exhibits/")}
    assert {p: f["sha256"] for p, f in listed.items()} == {
        p: hashlib.sha256(data).hexdigest() for p, data in uploaded.items()
    }
    assert {p: f["exhibit"] for p, f in listed.items()} == {
        "exhibits/E1-receipt.pdf": "E1",
        "exhibits/E2-board.jpg": "E2",
        f"exhibits/E3-{STATEMENT_NAME}": "E3",
    }
    # the obligation's own bundle: its two files only
    own = _zip(decided, "monitor", f"/obligations/{s.premium}/bundle.zip")
    assert sorted(n for n in own if n.startswith("exhibits/")) == [
        "exhibits/E1-receipt.pdf",
        "exhibits/E2-board.jpg",
    ]


@pytest.mark.parametrize("scope", ["agreement", "obligation"])
def test_counsel_gets_nothing_withheld(decided: World, scope: str) -> None:
    s = decided.seeded
    path = (
        f"/agreements/{s.fair_food}/bundle.zip"
        if scope == "agreement"
        else f"/obligations/{s.complaint_obligation}/bundle.zip"
    )
    members = _zip(decided, "counsel", path)
    secrets = [STATEMENT, STATEMENT_NAME.encode(), STATEMENT_NOTE.encode(), b"Rivera"]
    secrets += [ref.encode() for ref in COMPLAINANT_REFS]
    for name, data in members.items():
        assert STATEMENT_NAME not in name
        for secret in secrets:
            assert secret not in data, (name, secret)
    manifest = json.loads(members["manifest.json"])
    withheld = manifest["withheld"]
    assert [w["sha256"] for w in withheld] == [hashlib.sha256(STATEMENT).hexdigest()]
    # the decision itself is on the record, by its exhibit number, for counsel too
    rejected = [e for e in _decisions(members) if "rejected: unsigned" in e["detail"]]
    assert len(rejected) == 1 and rejected[0]["actor"] == USERS["monitor"].email
    assert rejected[0]["what"].startswith(f"evidence {withheld[0]['exhibit']} rejected")


def test_the_monitor_side_check_can_fail(decided: World) -> None:
    """The secrets above are really in the record: the monitor's bundle holds them."""
    s = decided.seeded
    members = _zip(decided, "monitor", f"/agreements/{s.fair_food}/bundle.zip")
    blob = b"".join(members.values())
    assert STATEMENT in blob and STATEMENT_NAME.encode() in blob and b"Rivera" in blob


def test_load_bundle_reads_only_the_scopes_evidence(
    decided: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from obligations import open_store
    from wsr._bundle import load_bundle

    s = decided.seeded
    store = open_store(s.db_url)
    try:

        def everything() -> list[Any]:
            raise AssertionError("the bundle read the whole store's evidence")

        monkeypatch.setattr(store, "all_evidence", everything)
        whole = load_bundle(store, s.fair_food, now=decided.at)
        one = load_bundle(store, s.fair_food, now=decided.at, obligation_id=s.premium)
    finally:
        store.engine.dispose()
    assert [x.filename for x in whole.exhibits] == ["receipt.pdf", "board.jpg", STATEMENT_NAME]
    assert [x.filename for x in one.exhibits] == ["receipt.pdf", "board.jpg"]
