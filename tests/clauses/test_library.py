from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from clauses import LibraryError, NotFound, load_library
from clauses._library import DEFAULT_LIBRARY, load_yaml_text

MINI = Path(__file__).parent / "fixtures" / "mini"


def copy_mini(tmp_path: Path) -> Path:
    for f in MINI.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    return tmp_path


def test_clauses_come_sorted_by_order() -> None:
    lib = load_library(MINI)
    assert list(lib.clauses) == ["parties_and_definitions", "premium", "monitoring_fees"]
    assert [c.order for c in lib] == [10, 50, 70]
    assert len(lib) == 3
    assert lib.get("premium").title == "Premium"


def test_unknown_clause_is_not_found_with_the_known_ids() -> None:
    with pytest.raises(NotFound) as err:
        load_library(MINI).get("bonus")
    assert err.value.problems[0].path == "clauses.bonus"
    assert "known: monitoring_fees, parties_and_definitions, premium" in str(err.value)


def test_numbers_are_decimals_from_their_source_text() -> None:
    lib = load_library(MINI)
    rate = lib.get("premium").variables["rate"]
    assert rate.default == Decimal("0.01")
    assert isinstance(rate.default, Decimal)
    assert load_yaml_text("x: 0.1\ny: 1_000.25\nz: 3", "f") == {
        "x": Decimal("0.1"),
        "y": Decimal("1000.25"),
        "z": 3,
    }


def test_only_yaml_12_booleans() -> None:
    assert load_yaml_text("on: event\ncountry: NO\nflag: yes\nt: true\nf: False", "f") == {
        "on": "event",
        "country": "NO",
        "flag": "yes",
        "t": True,
        "f": False,
    }


def test_fingerprint_is_stable_and_tracks_content(tmp_path: Path) -> None:
    a, b = load_library(MINI), load_library(MINI)
    assert a.fingerprint == b.fingerprint
    assert len(a.fingerprint) == 64
    root = copy_mini(tmp_path)
    assert load_library(root).fingerprint == a.fingerprint  # location does not matter
    f = root / "premium.yaml"
    f.write_text(f.read_text().replace("version: 1.2.0", "version: 1.2.1"))
    assert load_library(root).fingerprint != a.fingerprint


def test_yaml_syntax_errors_name_file_and_line(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    (root / "premium.yaml").write_text("id: premium\nversion: [1.0\n")
    with pytest.raises(LibraryError) as err:
        load_library(root)
    (problem,) = err.value.problems
    assert problem.path.endswith("premium.yaml")
    assert problem.message.startswith("YAML syntax error at line 3")


def test_schema_errors_name_file_and_field(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    f = root / "premium.yaml"
    f.write_text(
        f.read_text()
        .replace("type: decimal\n    label: Premium", "type: float\n    label: Premium")
        .replace("version: 1.2.0", "version: one")
    )
    (root / "broken.yaml").write_text("- just\n- a list\n")
    with pytest.raises(LibraryError) as err:
        load_library(root)
    got = {(p.path.rsplit("/", 1)[-1], p.message.split(" ")[0]) for p in err.value.problems}
    assert ("premium.yaml: variables.rate.type", "Input") in got
    assert ("premium.yaml: version", "String") in got
    assert ("broken.yaml", "a") in got
    assert len(err.value.problems) == 3


def test_tags_are_never_executed(tmp_path: Path) -> None:
    root = copy_mini(tmp_path)
    (root / "evil.yaml").write_text("!!python/object/apply:os.system ['touch pwned']\n")
    with pytest.raises(LibraryError, match="YAML syntax error"):
        load_library(root)
    assert not Path("pwned").exists()


def test_duplicate_ids_and_empty_or_missing_folders(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    copy_mini(root)
    (root / "premium_copy.yaml").write_text((root / "premium.yaml").read_text())
    with pytest.raises(LibraryError, match="duplicate clause id 'premium'"):
        load_library(root)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LibraryError, match="no clause files"):
        load_library(empty)
    with pytest.raises(LibraryError, match="not a directory"):
        load_library(tmp_path / "missing")


def test_the_default_library_is_the_shipped_folder() -> None:
    assert DEFAULT_LIBRARY == Path(__file__).resolve().parents[2] / "clauses" / "library"
