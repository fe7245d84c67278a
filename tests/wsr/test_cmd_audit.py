"""`wsr audit verify | checkpoint | show | rekey` on a real season of work, on SQLite and on
PostgreSQL: every table checked against the log, checkpoints kept outside the database, the
wall-clock time of each entry, and a corrupted store refused without a traceback."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import sys
import types
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from obligations import AuditEntry
from obligations._audit import GENESIS, AuditHead, chain_hash, entry_mac, head_mac
from obligations._auditkey import AuditKey, default_path
from obligations._db import make_engine, open_store, upgrade
from obligations.stores._sqltables import audit_head, audit_log, metadata
from tests.pgdb import private_database
from tests.wsr.test_cmd_obligations import ANSWERS, T_MARCH, _season, _track, run
from wsr.cli import main

PG = os.environ.get("WSR_TEST_POSTGRES_URL")


# -- a season of work, cloned for each test ------------------------------------------------------


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("draft")
    answers = tmp / "answers.yaml"
    answers.write_text(ANSWERS)
    with pytest.raises(SystemExit) as e:
        main(["draft", str(answers), "--out", str(tmp / "out"), "--format", "md"])
    assert e.value.code == 0
    (rec,) = (tmp / "out").glob("agr-*.json")
    return rec


class _Capture:
    """capsys for module-scoped set-up (pytest's own is function-scoped): run() calls main,
    then readouterr(); stdout and stderr go to buffers while it runs."""

    def __init__(self) -> None:
        self._out = io.StringIO()
        self._err = io.StringIO()
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = self._out, self._err

    def readouterr(self):
        out, err = self._out.getvalue(), self._err.getvalue()
        self._out.seek(0), self._out.truncate()
        self._err.seek(0), self._err.truncate()
        return types.SimpleNamespace(out=out, err=err)

    def close(self) -> None:
        sys.stdout, sys.stderr = self._saved


def _work(db: str, record: Path, tmp: Path, capsys) -> dict[str, str]:
    """Track, a season of events, a fulfilment with evidence, a breach and a waiver."""
    aid = _track(capsys, db, record)
    _season(capsys, db, aid)
    code, out, err = run(capsys, db, "obligations", "--json", "--agreement", aid, now=T_MARCH)
    assert code == 0, err
    obs = json.loads(out)
    pay_g = next(o for o in obs if o["spec_id"] == "premium.payment" and o["subject"] == "GROWER-G")
    pay_h = next(o for o in obs if o["spec_id"] == "premium.payment" and o["subject"] == "GROWER-H")
    cut = next(o for o in obs if o["spec_id"] == "sourcing_cutoff.cease_purchases")
    proof = tmp / "remittance.pdf"
    proof.write_bytes(b"%PDF-1.4 remittance 2500.00 USD\n")
    steps = [
        ["fulfil", pay_g["id"], "--on", "2026-02-13", "--evidence", str(proof), "--note", "w42"],
        ["breach", "confirm", cut["id"], "--on", "2026-03-13", "--reason", "bought after"],
        ["waive", pay_h["id"], "--reason", "grower closed"],
    ]
    for args in steps:
        code, _, err = run(capsys, db, *args, now=T_MARCH)
        assert code == 0, err
    return {"agreement": aid, "paid": pay_g["id"], "waived": pay_h["id"], "cutoff": cut["id"]}


def _built(url: str, record: Path, tmp: Path) -> dict[str, str]:
    capture = _Capture()
    try:
        return _work(url, record, tmp, capture)
    finally:
        capture.close()


def _pg_admin() -> sa.Engine:
    assert PG is not None
    return sa.create_engine(sa.engine.make_url(PG), isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    assert PG is not None
    return sa.engine.make_url(PG).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def template(request, record, tmp_path_factory) -> Iterator[tuple[str, dict[str, str], Path]]:
    """(URL, ids, key file) of a database holding the season, made once per engine and copied
    per test."""
    tmp = tmp_path_factory.mktemp("template")
    os.environ.pop("WSR_AUDIT_KEY_FILE", None)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'wsr.db'}"
        yield url, _built(url, record, tmp), default_path(url)
        return
    if not PG:
        pytest.skip("WSR_TEST_POSTGRES_URL is not set (scripts/pg-test-server start DIR)")
    name = f"wsr_audit_t_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    config = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")
    try:
        url = _pg_url(name)
        ids = _built(url, record, tmp)
        key = default_path(url)
        yield url, ids, key
    finally:
        if config is None:
            os.environ.pop("XDG_CONFIG_HOME", None)
        else:
            os.environ["XDG_CONFIG_HOME"] = config
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def season(template, tmp_path) -> Iterator[tuple[str, dict[str, str]]]:
    """A private copy of the template database, with its key copied to where the copy's is."""
    url, ids, key_src = template
    if url.startswith("sqlite"):
        src = Path(sa.engine.make_url(url).database or "")
        dst = tmp_path / "wsr.db"
        shutil.copy(src, dst)
        copy = f"sqlite:///{dst}"
    else:
        name = f"wsr_audit_c_{uuid.uuid4().hex[:10]}"
        base = sa.engine.make_url(url).database
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
        copy = _pg_url(name)
    key_dst = default_path(copy)
    key_dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(key_src, key_dst)
    os.chmod(key_dst, 0o600)
    try:
        yield copy, ids
    finally:
        if not url.startswith("sqlite"):
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin.dispose()


def _sql(url: str, *statements: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for s in statements:
                conn.exec_driver_sql(s)
    finally:
        engine.dispose()


def _verify(capsys, url: str, *extra: str) -> tuple[int, str, str]:
    return run(capsys, url, "audit", "verify", *extra, now=T_MARCH)


def _dump(url: str) -> dict[str, list[tuple]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: sorted(tuple(map(repr, r)) for r in conn.execute(sa.select(t)))
                for t in metadata.sorted_tables
            }
    finally:
        engine.dispose()


# -- every table checked --------------------------------------------------------------------------


def test_a_real_season_verifies_with_every_table(capsys, season):
    url, ids = season
    code, out, err = _verify(capsys, url)
    assert code == 0, out + err
    assert out.startswith("audit log OK: ") and "legacy" not in out
    code, out, err = _verify(capsys, url, "--agreement", ids["agreement"])
    assert code == 0, out + err


def _one_value(url: str, sql: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("UPDATE obligations SET state = 'in_effect' WHERE id = '{paid}'",
         "obligations.{paid}.state: stored in_effect, log says fulfilled"),
        ("UPDATE obligations SET amount_value = '25.00' WHERE id = '{paid}'",
         'obligations.{paid}.amount: stored {{"currency":"USD","value":"25.00"}}, '
         'log says {{"currency":"USD","value":"2500.00"}}'),
        ("UPDATE obligations SET paid = '999' WHERE id = '{paid}'",
         "obligations.{paid}.paid: stored 999, log says "),
        ("UPDATE obligations SET due = '2026-12-31' WHERE id = '{paid}'",
         "obligations.{paid}.due: stored 2026-12-31, log says 2026-02-11"),
        ("UPDATE obligations SET flags = '[]' WHERE id = '{cutoff}'",
         "obligations.{cutoff}.flags: stored [], log says ["),
        ("DELETE FROM obligations WHERE id = '{waived}'",
         "obligations.{waived}: stored nothing, log says the row exists (it was deleted)"),
        ("UPDATE agreements SET status = 'expired' WHERE id = '{agreement}'",
         "agreements.{agreement}.status: stored expired, log says active"),
        ("UPDATE agreements SET record_json = replace(record_json, 'Green Acres', 'Grey Acres') "
         "WHERE id = '{agreement}'",
         "agreements.{agreement}.record_json: stored sha256:"),
        ("UPDATE evidence SET content = {blob}",
         "evidence.{sha}.content: stored bytes hash to "),
        ("UPDATE evidence_links SET note = 'cash' WHERE obligation_id = '{paid}'",
         "evidence_links.{paid}.1.note: stored cash, log says w42"),
    ],
)  # fmt: skip
def test_each_edit_of_a_table_is_reported_against_the_log(capsys, season, edit, expected):
    url, ids = season
    pg = not url.startswith("sqlite")
    sha = _one_value(url, "SELECT sha256 FROM evidence")
    blob = "'\\x00ff'::bytea" if pg else "X'00FF'"
    _sql(url, edit.format(**ids, blob=blob))
    code, out, err = _verify(capsys, url)
    assert code == 1, out + err
    assert expected.format(**ids, sha=sha) in out, out
    assert "audit log BROKEN" in err
    assert "Traceback" not in out + err


def test_an_inserted_obligation_is_reported(capsys, season):
    url, ids = season
    cols = ", ".join(
        f'"{c.name}"' for c in metadata.tables["obligations"].columns if c.name not in ("id", "key")
    )
    _sql(url, f"INSERT INTO obligations (id, key, {cols}) SELECT 'ob-forged', 'forged', {cols} "
              f"FROM obligations WHERE id = '{ids['paid']}'")  # fmt: skip
    code, out, _ = _verify(capsys, url)
    assert code == 1
    assert "obligations.ob-forged: stored a row, log says nothing of it (it was inserted)" in out


def test_an_edited_event_is_reported(capsys, season):
    url, _ = season
    eid = _one_value(
        url, "SELECT id FROM events WHERE type = 'purchase_recorded' ORDER BY seq LIMIT 1"
    )
    _sql(url, f"UPDATE events SET payload = replace(payload, '250000', '2500') WHERE id = '{eid}'")
    code, out, _ = _verify(capsys, url)
    assert code == 1
    assert f"events.{eid}.payload: stored " in out and "log says" in out
    _sql(url, f"DELETE FROM events WHERE id = '{eid}'")
    code, out, _ = _verify(capsys, url)
    assert f"events.{eid}: stored nothing, log says the row exists" in out


# -- checkpoints ----------------------------------------------------------------------------------


def _checkpoint(capsys, url: str) -> str:
    code, out, err = run(capsys, url, "audit", "checkpoint", now=T_MARCH)
    assert code == 0, err
    return out.strip()


def test_a_checkpoint_is_a_signed_line_the_log_keeps_extending(capsys, season, tmp_path):
    url, ids = season
    line = _checkpoint(capsys, url)
    assert line.startswith("wsr-audit-checkpoint/1 seq=") and " sig=" in line
    code, out, err = _verify(capsys, url, "--checkpoint", line)
    assert code == 0, out + err
    assert out.strip().endswith("entries and 1 checkpoints")
    # more work later: the log still extends the published head
    more = ["event", ids["agreement"], "purchase_recorded", "--on", "2026-03-13", "--set",
            "supplier=GROWER-G", "--set", "quantity=10", "--set", "unit=lb"]  # fmt: skip
    assert run(capsys, url, *more, now=T_MARCH)[0] == 0
    file = tmp_path / "published.txt"
    file.write_text(line + "\n\n" + _checkpoint(capsys, url) + "\n")
    code, out, err = _verify(capsys, url, "--checkpoint", str(file))
    assert code == 0, out + err
    assert out.strip().endswith("entries and 2 checkpoints")


def test_a_forged_or_garbled_checkpoint_is_refused(capsys, season):
    url, _ = season
    line = _checkpoint(capsys, url)
    seq = int(line.split(" seq=")[1].split()[0])
    forged = line.replace(f" seq={seq} ", f" seq={seq - 1} ")
    code, out, _ = _verify(capsys, url, "--checkpoint", forged)
    assert code == 1 and "--checkpoint: the checkpoint's signature does not match" in out
    code, _, err = _verify(capsys, url, "--checkpoint", "wsr-audit-checkpoint/1 seq=x")
    assert code == 2 and err.startswith("--checkpoint: not a checkpoint line")


def _resign(url: str, keep) -> None:
    """What the key holder can do: rewrite the log, recompute every hash AND re-sign every entry
    and the head with the real key. Only a checkpoint published earlier can tell."""
    key = AuditKey.for_url(url).load()
    assert key is not None
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            rows = [dict(r._mapping) for r in conn.execute(sa.select(audit_log).order_by("seq"))]
            legacy = conn.execute(sa.select(audit_head.c.legacy_seq)).scalar_one()
            conn.execute(sa.delete(audit_log))
            prev, seq = GENESIS, 0
            for row in keep(rows):
                seq += 1
                entry = AuditEntry(
                    seq=seq, agreement_id=row["agreement_id"], obligation_id=row["obligation_id"],
                    at=row["at"], actor=row["actor"], action=row["action"], reason=row["reason"],
                    before=None if row["before"] is None else json.loads(row["before"]),
                    after=None if row["after"] is None else json.loads(row["after"]),
                    prev_hash=prev, recorded_at=row["recorded_at"],
                )  # fmt: skip
                digest = chain_hash(prev, entry)
                mac = entry_mac(key, seq, digest)
                conn.execute(
                    sa.insert(audit_log).values(
                        {**row, "seq": seq, "prev_hash": prev, "hash": digest, "mac": mac}
                    )
                )
                prev = digest
            head = AuditHead(seq=seq, hash=prev, legacy_seq=legacy)
            conn.execute(sa.update(audit_head).values(seq=seq, hash=prev, mac=head_mac(key, head)))
    finally:
        engine.dispose()


def test_a_key_holders_rewrite_passes_the_chain_but_not_a_checkpoint(capsys, season):
    url, _ = season
    line = _checkpoint(capsys, url)

    def reword(rows):
        rows[3]["actor"] = "someone else"
        return rows

    _resign(url, reword)
    code, out, _ = run(capsys, url, "audit", "verify", now=T_MARCH)
    assert code == 0, out  # every hash and signature is consistent: the key holder did it
    code, out, _ = _verify(capsys, url, "--checkpoint", line)
    assert code == 1
    assert "the log up to the checkpoint was rewritten" in out


def test_a_key_holders_truncation_is_caught_by_a_checkpoint(capsys, season):
    url, _ = season
    line = _checkpoint(capsys, url)
    _resign(url, lambda rows: rows[:-3])
    code, out, _ = _verify(capsys, url, "--checkpoint", line)
    assert code == 1 and "entries the checkpoint covers were removed" in out


# -- who wrote it and when, really ----------------------------------------------------------------


def test_entries_keep_business_time_and_the_wall_clock_apart(capsys, season):
    url, ids = season
    before = datetime.now(UTC)
    # the commands refuse a --now before the log's newest entry; another writer of the store
    # (a script, an older engine) need not: its backward step is kept and shown
    early = datetime.fromisoformat("2026-03-10T09:00:00-05:00")
    store = open_store(url)
    try:
        store.append_audit(
            [
                AuditEntry(
                    agreement_id=ids["agreement"], at=early, actor="script",
                    action="event_recorded", reason="backdated",
                )
            ]
        )  # fmt: skip
    finally:
        store.engine.dispose()
    code, out, err = run(capsys, url, "audit", "show", "--json", "--action", "event_recorded",
                         now=T_MARCH)  # fmt: skip
    assert code == 0, err
    shown = json.loads(out)
    last = shown[-1]
    assert last["at"] == early.astimezone(UTC).isoformat()
    recorded = datetime.fromisoformat(last["recorded_at"])
    assert before - timedelta(seconds=1) <= recorded <= datetime.now(UTC)  # no option set it
    assert last["business_time_back_seconds"] > 0
    assert all(e["action"] == "event_recorded" for e in shown)
    times = [datetime.fromisoformat(e["recorded_at"]) for e in shown]
    assert times == sorted(times)  # the log is ordered by the wall clock
    code, out, _ = run(capsys, url, "audit", "show", "--action", "event_recorded", now=T_MARCH)
    assert "[business time back 3d 00:00]" in out.splitlines()[-1]
    code, out, _ = run(capsys, url, "audit", "show", "--obligation", ids["paid"], now=T_MARCH)
    lines = out.splitlines()
    assert lines and all(ids["paid"] in ln for ln in lines)
    assert any(" fulfilled " in ln for ln in lines)
    code, _, err = run(capsys, url, "audit", "show", "--agreement", "agr-nope", now=T_MARCH)
    assert code == 2 and "agr-nope" in err


def test_recorded_at_comes_from_the_stores_clock(tmp_path):
    from obligations._auditkey import AuditKey as Key
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    upgrade(engine)
    ticks = iter([datetime(2030, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)])
    store = SqlAlchemyObligationStore(
        engine, audit_key=Key(tmp_path / "k"), clock=lambda: next(ticks)
    )
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(2):
        store.append_audit([AuditEntry(agreement_id="a", at=at, actor="t", action="note")])
    first, second = store.audit_entries()
    assert first.recorded_at == datetime(2030, 1, 1, tzinfo=UTC) and first.at == at
    # a clock that steps back never reorders the log
    assert second.recorded_at == first.recorded_at
    engine.dispose()


# -- a corrupted store ----------------------------------------------------------------------------

_EVENT = ["event", "{agreement}", "purchase_recorded", "--on", "2026-03-13", "--set",
          "supplier=GROWER-G", "--set", "quantity=1", "--set", "unit=lb"]  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "command", "where"),
    [
        ("UPDATE obligations SET state = 'bogus' WHERE id = '{waived}'",
         ["obligations", "--agreement", "{agreement}"], "obligations.{waived}.state"),
        ("UPDATE obligations SET amount_value = '1,0,0' WHERE id = '{waived}'",
         ["waive", "{waived}", "--reason", "x"], "obligations.{waived}.amount_value"),
        ("UPDATE obligations SET data = '{{broken' WHERE id = '{waived}'",
         ["obligations"], "obligations.{waived}.data"),
        ("UPDATE agreements SET record_json = '{{broken' WHERE id = '{agreement}'",
         ["event", "{agreement}", "purchase_recorded", "--on", "2026-03-13", "--set",
          "supplier=GROWER-G", "--set", "quantity=1", "--set", "unit=lb"],
         "agreements.{agreement}.record_json"),
        ("UPDATE agreements SET status = 'paused' WHERE id = '{agreement}'",
         ["agreements"], "agreements.{agreement}.status"),
        ("DELETE FROM audit_head",
         _EVENT, "audit_head.1"),
        ("INSERT INTO audit_log SELECT seq + 1, agreement_id, obligation_id, at, actor, action, "
         "reason, \"before\", \"after\", prev_hash, hash, recorded_at, mac FROM audit_log "
         "WHERE seq = (SELECT MAX(seq) FROM audit_log)",
         _EVENT, "audit_log.{next}"),
    ],
)  # fmt: skip
def test_a_corrupted_store_gives_one_clear_error_and_writes_nothing(
    capsys, season, edit, command, where
):
    url, ids = season
    top = _one_value(url, "SELECT MAX(seq) FROM audit_log")
    names = {**ids, "next": str(top + 1)}
    _sql(url, edit.format(**ids))
    before = _dump(url)
    code, out, err = run(capsys, url, *[c.format(**names) for c in command], now=T_MARCH)
    assert code == 1, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {where.format(**names)}")
    assert "run `wsr audit verify`" in lines[0]
    assert "Traceback" not in out + err
    assert _dump(url) == before  # nothing written on top of it
    code, out, err = _verify(capsys, url)
    assert code == 1 and "Traceback" not in out + err
    # verify names chain entries audit.<seq>, as it always has
    named = where.format(**names).replace("audit_log.", "audit.").split(".")[0]
    assert named in out


# -- a log from before keys: legacy, then rekeyed ------------------------------------------------


def _legacy_db(url: str) -> None:
    """A database at 0002 with an agreement and a short log written the way that engine did,
    whose business time goes back once (entry 3)."""
    from tests.obligations.test_store_sqlalchemy import legacy_append

    engine = make_engine(url)
    try:
        upgrade(engine, "0002")
        t = datetime(2026, 3, 1, 12, tzinfo=UTC)
        legacy_append(
            engine,
            [
                AuditEntry(agreement_id="agr-old", at=t, actor="cli", action="note",
                           after={"n": 1}),
                AuditEntry(agreement_id="agr-old", at=t + timedelta(days=2), actor="cli",
                           action="note", after={"n": 2}),
                AuditEntry(agreement_id="agr-old", at=t + timedelta(days=1), actor="cli",
                           action="note", after={"n": 3}),
            ],
        )  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with private_database("wsr_audit_l") as url:
        yield url


def test_an_0002_log_upgrades_to_an_unkeyed_legacy_chain_then_rekeys(capsys, empty_url):
    url = empty_url
    _legacy_db(url)
    assert run(capsys, url, "db", "upgrade")[0] == 0
    store = open_store(url)
    try:
        entries = store.audit_entries()
        head = store.audit_head()
    finally:
        store.engine.dispose()
    assert head.legacy_seq == 3 and head.mac is None
    # backfilled with the business time, carried forward so it never goes back
    assert [e.recorded_at for e in entries] == [entries[0].at, entries[1].at, entries[1].at]
    key_path = default_path(url)
    assert not key_path.exists()

    code, out, _ = _verify(capsys, url)
    assert code == 0 and out.startswith("audit log OK (unkeyed legacy chain): 3 entries")
    code, out, _ = run(capsys, url, "audit", "show", now=T_MARCH)
    assert "[business time back 1d 00:00]" in out.splitlines()[2]
    code, _, err = run(capsys, url, "audit", "checkpoint", now=T_MARCH)
    assert code == 2 and "`wsr audit rekey`" in err

    code, out, err = run(capsys, url, "audit", "rekey", now=T_MARCH)
    assert code == 0, err
    assert out.strip() == f"audit log signed: 3 entries, key {key_path}"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    code, out, _ = _verify(capsys, url)
    assert (code, out.strip()) == (0, "audit log OK: 3 entries")
    code, _, err = run(capsys, url, "audit", "rekey", now=T_MARCH)
    assert code == 2 and "already signed" in err
    # from now on a rewrite without the key is caught, legacy entries included
    _sql(url, "UPDATE audit_log SET actor = 'x', hash = hash WHERE seq = 1")
    code, out, _ = _verify(capsys, url)
    assert code == 1 and "audit.1: hash does not match" in out


def test_a_broken_legacy_log_is_not_rekeyed(capsys, empty_url):
    url = empty_url
    _legacy_db(url)
    assert run(capsys, url, "db", "upgrade")[0] == 0
    _sql(url, "UPDATE audit_log SET reason = 'edited' WHERE seq = 2")
    before = _dump(url)
    code, out, err = run(capsys, url, "audit", "rekey", now=T_MARCH)
    assert code == 1 and "audit.2: hash does not match" in out and "not signed" in err
    assert _dump(url) == before and not default_path(url).exists()


def test_a_legacy_log_keeps_working_unsigned_until_rekeyed(capsys, empty_url):
    url = empty_url
    _legacy_db(url)
    assert run(capsys, url, "db", "upgrade")[0] == 0
    store = open_store(url)
    try:
        store.append_audit([AuditEntry(agreement_id="agr-old", at=datetime.now(UTC), actor="t",
                                       action="note")])  # fmt: skip
        (*_, new) = store.audit_entries()
        assert new.mac is None and new.recorded_at is not None
        assert not default_path(url).exists()
    finally:
        store.engine.dispose()
    code, out, _ = _verify(capsys, url)
    assert code == 0 and "unkeyed legacy chain): 4 entries" in out
    assert run(capsys, url, "audit", "rekey", now=T_MARCH)[0] == 0
    code, out, _ = _verify(capsys, url)
    assert (code, out.strip()) == (0, "audit log OK: 4 entries")


def test_a_monitor_without_the_key_checks_the_chain_and_its_checkpoints(
    capsys, season, tmp_path, monkeypatch
):
    url, _ = season
    line = _checkpoint(capsys, url)
    monkeypatch.setenv("WSR_AUDIT_KEY_FILE", str(tmp_path / "not-here.key"))
    code, out, _ = _verify(capsys, url, "--checkpoint", line)
    assert code == 0 and "signatures NOT checked: no key at" in out
    # an edit in place is the chain's to catch; one re-hashed from there on, the checkpoint's
    _sql(url, "UPDATE audit_log SET reason = 'x' WHERE seq = 2")
    code, out, _ = _verify(capsys, url, "--checkpoint", line)
    assert code == 1 and "audit.2: hash does not match" in out
    seq = int(line.split(" seq=")[1].split()[0])
    _sql(url, f"UPDATE audit_log SET hash = '{'0' * 64}' WHERE seq = {seq}")
    code, out, _ = _verify(capsys, url, "--checkpoint", line)
    assert code == 1 and f"--checkpoint: entry {seq} has hash {'0' * 64}" in out
    assert not (tmp_path / "not-here.key").exists()  # verifying never makes a key
