"""`wsr audit verify` finds tampering done behind the store's back, with raw SQL — including a
rewrite that recomputes every hash with the project's own digest and updates the head, which
only the key kept outside the database exposes."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta

import attrs
import pytest
import sqlalchemy as sa

from obligations import AuditEntry
from obligations._audit import GENESIS, chain_hash
from obligations.stores._sqltables import audit_head, audit_log
from obligations.stores.memory import MemoryObligationStore
from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
from wsr._cmd_audit import verify_store
from wsr.cli import main

NOW = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)
A, B = "agr-00000000000a", "agr-00000000000b"


def _fill(store, make_agreement) -> None:
    """Two tracked agreements (stored and logged) and four notes: six entries, A's are odd."""
    for aid in (A, B):
        tracked = make_agreement(aid)
        store.add_agreement(tracked)
        store.append_audit(
            [
                AuditEntry(
                    agreement_id=aid,
                    at=NOW,
                    actor="test",
                    action="agreement_tracked",
                    after=tracked.view(),
                )
            ]
        )
    for i in range(2, 6):
        store.append_audit(
            [
                AuditEntry(
                    agreement_id=A if i % 2 == 0 else B,
                    at=NOW + timedelta(minutes=i),
                    actor="test",
                    action="note",
                    reason=f"step {i}",
                    after={"n": i},
                )
            ]
        )


def _verify(capsys, store, *extra: str) -> tuple[int, str]:
    url = store.engine.url.render_as_string(hide_password=False)
    with pytest.raises(SystemExit) as e:
        main(["--db", url, "--now", NOW.isoformat(), "audit", "verify", *extra])
    out = capsys.readouterr()
    return int(e.value.code or 0), out.out + out.err


def _sql(store, statement: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(statement)


def test_intact_log_verifies(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    code, text = _verify(capsys, sql_store)
    assert (code, text.strip()) == (0, "audit log OK: 6 entries")
    code, text = _verify(capsys, sql_store, "--agreement", A)
    assert (code, text.strip()) == (0, "audit log OK: 3 entries")


def test_the_key_is_a_private_file_outside_the_database(sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    path = sql_store.audit_key.path
    assert path is not None and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key_hex = path.read_text().strip()
    assert len(key_hex) == 64
    with sql_store.engine.connect() as conn:  # the key is in no table
        for table in ("audit_log", "audit_head", "agreements"):
            dump = " ".join(str(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table}"))
            assert key_hex not in dump
    entries = sql_store.audit_entries()
    assert all(e.mac and len(e.mac) == 64 for e in entries)
    assert sql_store.audit_head().mac is not None


def test_edited_row_is_detected(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _sql(sql_store, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3")
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit.3: hash does not match the content: the entry was edited" in text
    assert "audit log BROKEN" in text


def test_edited_before_after_json_is_detected(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _sql(sql_store, """UPDATE audit_log SET "after" = '{"n":40}' WHERE seq = 5""")
    code, text = _verify(capsys, sql_store)
    assert code == 1 and "audit.5: hash does not match" in text


def test_deleted_row_is_detected(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _sql(sql_store, "DELETE FROM audit_log WHERE seq = 4")
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit.5: seq jumps from 3 to 5: an entry was removed" in text
    assert "audit.5: prev_hash does not match" in text
    # the removed entry was B's, but a removal is reported whoever asks
    code, text = _verify(capsys, sql_store, "--agreement", A)
    assert code == 1 and "an entry was removed" in text


def test_rows_cut_off_the_end_are_detected(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _sql(sql_store, "DELETE FROM audit_log WHERE seq >= 5")
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit: the log ends at entry 4 but entry 6 was the last one appended" in text


def test_edit_of_another_agreement_is_not_reported_as_yours(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _sql(sql_store, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 4")  # B's entry
    assert _verify(capsys, sql_store, "--agreement", A)[0] == 0
    code, text = _verify(capsys, sql_store, "--agreement", B)
    assert code == 1 and "audit.4: hash does not match" in text
    code, text = _verify(capsys, sql_store, "--agreement", "agr-nope")
    assert code == 2 and "no agreement with the id 'agr-nope'" in text


# -- rewrites by someone who has the database but not the key -------------------------------------


def _rechain(store: SqlAlchemyObligationStore, keep) -> None:
    """What an attacker with database access can do: rewrite the rows ``keep`` returns (in seq
    order, renumbered from 1), recompute every hash with the project's own digest, and point
    the head at the new last entry — all in SQL, without the key file."""
    with store.engine.begin() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(audit_log).order_by("seq"))]
        conn.execute(sa.delete(audit_log))
        prev = GENESIS
        seq = 0
        for row in keep(rows):
            seq += 1
            entry = AuditEntry(
                seq=seq,
                agreement_id=row["agreement_id"],
                obligation_id=row["obligation_id"],
                at=row["at"],
                actor=row["actor"],
                action=row["action"],
                reason=row["reason"],
                before=None if row["before"] is None else json.loads(row["before"]),
                after=None if row["after"] is None else json.loads(row["after"]),
                prev_hash=prev,
                recorded_at=row["recorded_at"],
            )
            digest = chain_hash(prev, entry)
            conn.execute(
                sa.insert(audit_log).values({**row, "seq": seq, "prev_hash": prev, "hash": digest})
            )
            prev = digest
        conn.execute(sa.update(audit_head).values(seq=seq, hash=None if seq == 0 else prev))


def test_a_rewritten_and_rehashed_row_is_caught_by_its_signature(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)

    def edit(rows):
        rows[2]["reason"] = "nothing happened"
        return rows

    _rechain(sql_store, edit)
    code, text = _verify(capsys, sql_store)
    assert code == 1
    # the hashes are all consistent again: only the signatures tell
    assert "hash does not match" not in text
    assert "audit.3: signature does not match the key" in text
    assert "audit_head: the chain head's signature does not match the key" in text


def test_a_deleted_and_renumbered_row_is_caught(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _rechain(sql_store, lambda rows: rows[:3] + rows[4:])
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit.4: signature does not match the key" in text


def test_the_last_rows_deleted_with_the_head_moved_back_are_caught(
    capsys, sql_store, make_agreement
):
    _fill(sql_store, make_agreement)
    _rechain(sql_store, lambda rows: rows[:4])  # entries 5 and 6 gone, head says 4
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "the log ends at entry" not in text  # the head agrees with the last row…
    assert "audit_head: the chain head's signature does not match the key" in text  # …unsigned


def test_the_head_signature_cannot_be_copied_from_an_entry(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _sql(sql_store, "DELETE FROM audit_log WHERE seq >= 5")
    _sql(
        sql_store,
        "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_log WHERE seq = 4), "
        "mac = (SELECT mac FROM audit_log WHERE seq = 4)",
    )
    code, text = _verify(capsys, sql_store)
    assert code == 1 and "audit_head: the chain head's signature does not match" in text


def test_every_row_deleted_with_the_head_reset_is_caught(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _sql(sql_store, "DELETE FROM audit_log")
    _sql(sql_store, "UPDATE audit_head SET seq = 0, hash = NULL, mac = NULL")
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit log OK" not in text
    assert "audit_head: the chain head is not signed although this log has a key" in text


def test_stripping_the_signatures_does_not_make_a_legacy_log(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _sql(sql_store, "UPDATE audit_log SET mac = NULL WHERE seq = 2")
    _sql(sql_store, "UPDATE audit_head SET mac = NULL")
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit.2: entry is not signed although the log has a key" in text
    assert "audit_head: the chain head is not signed" in text


def test_nothing_is_appended_on_top_of_a_rewritten_head(sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    _rechain(sql_store, lambda rows: rows[:4])
    from obligations._audit import StoreCorrupted

    with pytest.raises(StoreCorrupted, match=r"^audit_head\.1: the head's signature"):
        sql_store.append_audit([AuditEntry(agreement_id=A, at=NOW, actor="test", action="note")])
    assert len(sql_store.audit_entries()) == 4


def test_a_signed_log_without_its_key_is_not_written_to(tmp_path, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    from clauses import InputError
    from obligations._auditkey import AuditKey

    elsewhere = SqlAlchemyObligationStore(sql_store.engine, audit_key=AuditKey(tmp_path / "nokey"))
    with pytest.raises(InputError, match="set WSR_AUDIT_KEY_FILE"):
        elsewhere.append_audit([AuditEntry(agreement_id=A, at=NOW, actor="t", action="note")])
    assert not (tmp_path / "nokey").exists()


def test_memory_store_chain_checks_the_same_way(make_agreement):
    store = MemoryObligationStore()
    _fill(store, make_agreement)
    assert verify_store(store) == (6, [])
    store._audit[2] = attrs.evolve(store._audit[2], reason="rewritten")
    count, problems = verify_store(store)
    assert count == 6
    assert [p.path for p in problems] == ["audit.3"]
    del store._audit[3]
    assert any("removed" in p.message for p in verify_store(store)[1])


def test_a_key_file_readable_by_others_is_refused(capsys, sql_store, make_agreement):
    _fill(sql_store, make_agreement)
    path = sql_store.audit_key.path
    os.chmod(path, 0o644)
    code, text = _verify(capsys, sql_store)
    assert code == 2
    assert f"{path}: the audit key is readable by others (mode 0644)" in text


def test_a_key_made_for_a_rolled_back_first_append_is_removed(capsys, sql_store):
    path = sql_store.audit_key.path
    assert path is not None and not path.exists()
    with pytest.raises(RuntimeError), sql_store.transaction():
        sql_store.append_audit([AuditEntry(agreement_id=A, at=NOW, actor="t", action="note")])
        assert path.exists()
        raise RuntimeError("the rest of the unit of work failed")
    assert not path.exists()
    assert sql_store.audit_entries() == []
    code, text = _verify(capsys, sql_store)
    assert (code, text.strip()) == (0, "audit log OK: 0 entries")
    # the next first append makes a key again and signs with it
    sql_store.append_audit([AuditEntry(agreement_id=A, at=NOW, actor="t", action="note")])
    assert path.exists() and sql_store.audit_head().mac is not None
