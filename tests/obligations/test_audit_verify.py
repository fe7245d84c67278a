"""`wsr audit verify` finds tampering done behind the store's back, with raw SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from obligations import AuditEntry
from obligations.stores.memory import MemoryObligationStore
from wsr._cmd_obligations import verify_store
from wsr.cli import main

NOW = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)
A, B = "agr-00000000000a", "agr-00000000000b"


def _fill(store) -> None:
    for i in range(6):
        store.append_audit(
            [
                AuditEntry(
                    agreement_id=A if i % 2 == 0 else B,
                    obligation_id=f"ob-{i:016x}",
                    at=NOW + timedelta(minutes=i),
                    actor="test",
                    action="created",
                    reason=f"step {i}",
                    after={"state": "in_effect", "n": i},
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
    sql_store.add_agreement(make_agreement(A))
    _fill(sql_store)
    code, text = _verify(capsys, sql_store)
    assert (code, text.strip()) == (0, "audit log OK: 6 entries")
    code, text = _verify(capsys, sql_store, "--agreement", A)
    assert (code, text.strip()) == (0, "audit log OK: 3 entries")


def test_edited_row_is_detected(capsys, sql_store, make_agreement):
    sql_store.add_agreement(make_agreement(A))
    _fill(sql_store)
    _sql(sql_store, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3")
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit.3: hash does not match the content: the entry was edited" in text
    assert "audit log BROKEN" in text


def test_edited_before_after_json_is_detected(capsys, sql_store, make_agreement):
    sql_store.add_agreement(make_agreement(A))
    _fill(sql_store)
    edit = """UPDATE audit_log SET "after" = '{"n":4,"state":"fulfilled"}' WHERE seq = 5"""
    _sql(sql_store, edit)
    code, text = _verify(capsys, sql_store)
    assert code == 1 and "audit.5: hash does not match" in text


def test_deleted_row_is_detected(capsys, sql_store, make_agreement):
    sql_store.add_agreement(make_agreement(A))
    _fill(sql_store)
    _sql(sql_store, "DELETE FROM audit_log WHERE seq = 4")
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit.5: seq jumps from 3 to 5: an entry was removed" in text
    assert "audit.5: prev_hash does not match" in text
    # the removed entry was B's, but a removal is reported whoever asks
    code, text = _verify(capsys, sql_store, "--agreement", A)
    assert code == 1 and "an entry was removed" in text


def test_rows_cut_off_the_end_are_detected(capsys, sql_store, make_agreement):
    sql_store.add_agreement(make_agreement(A))
    _fill(sql_store)
    _sql(sql_store, "DELETE FROM audit_log WHERE seq >= 5")
    code, text = _verify(capsys, sql_store)
    assert code == 1
    assert "audit: the log ends at entry 4 but entry 6 was the last one appended" in text


def test_edit_of_another_agreement_is_not_reported_as_yours(capsys, sql_store, make_agreement):
    sql_store.add_agreement(make_agreement(A))
    sql_store.add_agreement(make_agreement(B))
    _fill(sql_store)
    _sql(sql_store, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")  # B's entry
    assert _verify(capsys, sql_store, "--agreement", A)[0] == 0
    code, text = _verify(capsys, sql_store, "--agreement", B)
    assert code == 1 and "audit.2: hash does not match" in text
    code, text = _verify(capsys, sql_store, "--agreement", "agr-nope")
    assert code == 2 and "no agreement with the id 'agr-nope'" in text


def test_memory_store_chain_checks_the_same_way():
    store = MemoryObligationStore()
    _fill(store)
    assert verify_store(store) == (6, [])
    store._audit[2] = attrs.evolve(store._audit[2], reason="rewritten")
    count, problems = verify_store(store)
    assert count == 6
    assert [p.path for p in problems] == ["audit.3"]
    del store._audit[3]
    assert any("removed" in p.message for p in verify_store(store)[1])
