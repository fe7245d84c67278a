"""The audit key file: where it is, made once with mode 0600, refused when unusable."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from clauses import InputError
from obligations import AuditKey
from obligations._auditkey import ENV, default_path


def test_the_default_place_is_beside_a_sqlite_file_else_the_config_dir(tmp_path, monkeypatch):
    db = tmp_path / "data" / "wsr.db"
    assert default_path(f"sqlite:///{db}") == db.with_name("wsr.db.audit-key")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    pg = default_path("postgresql+psycopg://u:secret@db.example:5433/wsr")
    assert pg.parent == tmp_path / "cfg" / "wsr" / "audit-keys"
    assert pg.name.startswith("postgresql-db.example-5433-wsr-") and "secret" not in str(pg)
    assert default_path("postgresql+psycopg://u@db.example:5433/other") != pg
    monkeypatch.setenv(ENV, str(tmp_path / "elsewhere.key"))
    assert default_path(f"sqlite:///{db}") == tmp_path / "elsewhere.key"


def test_made_on_first_use_private_and_then_reused(tmp_path):
    path = tmp_path / "sub" / "k"
    key = AuditKey(path)
    assert key.load() is None and not key.exists()
    material = key.load_or_create()
    assert len(material) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert AuditKey(path).load() == material
    assert [p.name for p in path.parent.iterdir()] == ["k"]  # no temporary file left


def test_racing_first_users_agree_on_one_key(tmp_path):
    path = tmp_path / "k"
    got: list[bytes] = []
    start = threading.Barrier(8)

    def make() -> None:
        start.wait()
        got.append(AuditKey(path).load_or_create())

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and len(set(got)) == 1


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        ("not a key\n", 0o600, "not an audit key"),
        ("ab" * 31 + "\n", 0o600, "not an audit key"),
        ("ab" * 32 + "\n", 0o640, "readable by others (mode 0640)"),
    ],
)
def test_an_unusable_key_file_is_refused_naming_it(tmp_path, content, mode, message):
    path = tmp_path / "k"
    path.write_text(content)
    os.chmod(path, mode)
    with pytest.raises(InputError) as info:
        AuditKey(path).load()
    (problem,) = info.value.problems
    assert problem.path == str(path) and message in problem.message
    assert ENV in problem.message


def test_a_fifo_or_folder_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        with pytest.raises(InputError, match="must be a regular file"):
            AuditKey(path).load()
