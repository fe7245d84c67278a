"""``wsr breach dismiss`` and ``wsr evidence add|accept|reject|list`` through ``wsr.cli.main``,
on SQLite and PostgreSQL: the actor in the audit log, bad input as ``<path>: <message>`` with
exit 2 and nothing written."""

from __future__ import annotations

import json

# ruff: noqa: F811  (the fixtures are imported from test_cmd_obligations)
from tests.wsr.test_cmd_obligations import (  # noqa: F401  (fixtures)
    T_MARCH,
    _obligations,
    _season,
    _track,
    record,
    run,
)


def _audit(db: str) -> list[tuple[str, str, str]]:
    from obligations import open_store

    store = open_store(db)
    try:
        return [(e.action, e.actor, e.reason) for e in store.audit_entries()]
    finally:
        store.engine.dispose()


def test_dismiss_then_evidence_decisions(capsys, any_db, record, tmp_path, monkeypatch):
    monkeypatch.setenv("WSR_ACTOR", "monitor@example.org")
    aid = _track(capsys, any_db, record)
    _season(capsys, any_db, aid)
    obs = _obligations(capsys, any_db)
    (cut,) = [o for o in obs if o["spec_id"] == "sourcing_cutoff.cease_purchases"]
    assert "breach_suspected" in cut["flags"]

    entries = len(_audit(any_db))
    code, _, err = run(capsys, any_db, "breach", "dismiss", cut["id"], "--reason", " ")
    assert code == 2 and err.startswith("--reason: say why"), err
    code, out, err = run(
        capsys,
        any_db,
        "breach",
        "dismiss",
        cut["id"],
        "--reason",
        "the order was placed before the suspension",
        "--json",
        now=T_MARCH,
    )
    assert code == 0, err
    shown = json.loads(out)
    assert shown["state"] == "in_effect" and "breach_suspected" not in shown["flags"]
    assert _audit(any_db)[-1] == (
        "breach_dismissed",
        "monitor@example.org",
        "the order was placed before the suspension",
    )
    assert len(_audit(any_db)) == entries + 1
    code, _, err = run(
        capsys, any_db, "breach", "dismiss", cut["id"], "--reason", "again", now=T_MARCH
    )
    assert code == 2 and "has no suspected breach to dismiss" in err

    pay = next(o for o in obs if o["spec_id"] == "premium.payment" and o["subject"] == "GROWER-G")
    proof = tmp_path / "wire.pdf"
    proof.write_bytes(b"%PDF-1.4 wire transfer")
    code, _, err = run(
        capsys, any_db, "evidence", "add", pay["id"], str(tmp_path / "nope.pdf"), now=T_MARCH
    )
    assert code == 2 and err.startswith("FILE:"), err
    code, out, err = run(
        capsys,
        any_db,
        "evidence",
        "add",
        pay["id"],
        str(proof),
        "--note",
        "bank copy",
        "--json",
        now=T_MARCH,
    )
    assert code == 0, err
    assert json.loads(out)["evidence"] == "submitted" and json.loads(out)["state"] == "in_effect"
    code, out, err = run(capsys, any_db, "evidence", "list", pay["id"], "--json", now=T_MARCH)
    assert code == 0, err
    [piece] = json.loads(out)
    assert (piece["number"], piece["filename"], piece["state"], piece["note"]) == (
        1,
        "wire.pdf",
        "submitted",
        "bank copy",
    )
    code, _, err = run(
        capsys, any_db, "evidence", "accept", pay["id"], "--reason", "ok", "--piece", "0"
    )
    assert code == 2 and err.startswith("--piece:"), err
    code, out, err = run(
        capsys,
        any_db,
        "evidence",
        "reject",
        pay["id"],
        "--reason",
        "the amount does not match",
        "--json",
        now=T_MARCH,
    )
    assert code == 0, err
    assert json.loads(out)["evidence"] == "rejected"
    assert _audit(any_db)[-1] == (
        "evidence_rejected",
        "monitor@example.org",
        "rejected: the amount does not match",
    )
    code, out, err = run(capsys, any_db, "evidence", "list", pay["id"], now=T_MARCH)
    assert code == 0 and "rejected" in out and "the amount does not match" in out, err
    code, _, err = run(
        capsys, any_db, "evidence", "accept", pay["id"], "--reason", "ok", now=T_MARCH
    )
    assert code == 2 and "awaits a decision" in err
    code, out, err = run(capsys, any_db, "audit", "verify")
    assert code == 0, out + err
