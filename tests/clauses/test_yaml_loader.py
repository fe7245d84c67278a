"""The clause library is parsed by libyaml, with exactly the values the pure-Python parser gives.

Only the scanner and parser change between the two loaders; the constructors (Decimals from the
source text, impossible dates kept as text) and the YAML 1.2 boolean resolver are shared. These
tests hold the C loader to the pure one on every shipped file and on the cases the resolvers
exist for, and check that syntax errors still name the line.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from clauses import load_library
from clauses._exceptions import LibraryError
from clauses._library import (
    DEFAULT_LIBRARY,
    DecimalSafeLoader,
    PureDecimalSafeLoader,
    _YamlSyntax,
    load_yaml_text,
)

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(DEFAULT_LIBRARY.glob("*.yaml")) + sorted((ROOT / "examples").glob("*.yaml"))


def typed(value: Any) -> Any:
    """The value with every leaf's type beside it, so ``1 == True == Decimal(1)`` cannot pass."""
    if isinstance(value, dict):
        return {typed(k): typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, repr(value))  # repr: Decimal("NaN") != itself


def test_the_library_loader_is_libyaml_when_pyyaml_has_it() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml: the pure-Python parser is used")
    assert issubclass(DecimalSafeLoader, yaml.CSafeLoader)
    assert not issubclass(DecimalSafeLoader, yaml.SafeLoader)
    assert issubclass(PureDecimalSafeLoader, yaml.SafeLoader)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shipped_file_loads_to_the_same_typed_values(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = load_yaml_text(text, path.name)
    pure = load_yaml_text(text, path.name, loader=PureDecimalSafeLoader)
    assert typed(fast) == typed(pure)
    assert fast  # a real file, not an empty document


SAMPLES = [
    "on: event\ncountry: NO\nflag: yes\noff: n\nt: true\nf: False\nT: TRUE",
    "x: 0.1\ny: 1_000.25\nz: 3\nw: -2.50\ne: 1.5e3\ni: .inf\nj: -.Inf\nn: .nan",
    "d: 2026-01-05\nbad: 2026-13-05\nts: 2026-01-05T09:00:00-05:00\ns: '2026-01-05'",
    "none: ~\nnull2: null\nempty:\nlist: [1, 2.0, 'a', yes]\nhex: 0x1F\noct: 0o17\nstr: 010",
    "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\nkey with spaces: v",
    "anchors: &a {k: 1}\nref: *a\nmerge:\n  <<: *a\n  j: 2",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_resolvers_and_constructors_agree(text: str) -> None:
    fast = load_yaml_text(text, "f")
    assert typed(fast) == typed(load_yaml_text(text, "f", loader=PureDecimalSafeLoader))


def test_the_yaml_12_booleans_and_decimals_hold_on_the_c_loader() -> None:
    data = load_yaml_text(SAMPLES[0] + "\n" + SAMPLES[1].replace("\n", "\nk") + "\n", "f")
    assert data["on"] == "event" and data["country"] == "NO" and data["flag"] == "yes"
    assert data["t"] is True and data["f"] is False
    assert typed(data["x"]) == typed(Decimal("0.1"))


@pytest.mark.parametrize(
    ("text", "line"),
    [("id: premium\nversion: [1.0\n", 3), ("a: 1\nb: 2\n  c: 3\n", 3), ("a: 'x\n", 2)],
)
def test_syntax_errors_name_the_line_on_both_loaders(text: str, line: int) -> None:
    for loader in (DecimalSafeLoader, PureDecimalSafeLoader):
        with pytest.raises(_YamlSyntax) as err:
            load_yaml_text(text, "premium.yaml", loader=loader)
        assert err.value.problem.path == "premium.yaml"
        assert err.value.problem.message.startswith(f"YAML syntax error at line {line}, column ")


def test_a_library_with_a_syntax_error_is_still_a_library_error(tmp_path: Path) -> None:
    (tmp_path / "premium.yaml").write_text("id: premium\nversion: [1.0\n", encoding="utf-8")
    with pytest.raises(LibraryError, match=r"premium\.yaml: YAML syntax error at line 3"):
        load_library(tmp_path)
