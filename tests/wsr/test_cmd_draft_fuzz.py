"""`wsr draft` on hypothesis-generated bad answers: exit 2, every stderr line `<path>: <message>`,
nothing written, never a traceback — through the real CLI and the shipped clause library."""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import hostile, tally
from wsr._entry import main  # the `wsr` script: a plain draft without typer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
LOCATED = re.compile(r"^[^\s:][^:]*: \S.*$")

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.sampled_from(["", "2026-02-30", "Mars/Base", "ZZZ", "lb", "weekly", "-1", "0", "1e999"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    hostile.numbers,
    hostile.bad_text,
    hostile.dates,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(BASE)


@st.composite
def broken_answers(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(junk)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation already replaced a parent
    return data


def _draft(answers_text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, Path]:
    work = Path(tempfile.mkdtemp(prefix="wsr-fuzz-"))
    src = work / "answers.yaml"
    src.write_text(answers_text, encoding="utf-8")
    out = work / "out"
    with pytest.raises(SystemExit) as info:
        main(["draft", str(src), "--out", str(out), "--format", "md"])
    _, err = capsys.readouterr()
    return int(info.value.code or 0), err, out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(broken_answers())
def test_broken_answers_exit_2_with_located_problems(
    capsys: pytest.CaptureFixture[str], data: dict[str, Any]
) -> None:
    code, err, out = _draft(yaml.safe_dump(data, allow_unicode=True), capsys)
    assert "Traceback" not in err
    tally.record("answers (wsr draft)", refused=code != 0)
    if code == 0:  # the mutation happened to keep the answers valid (e.g. a changed name)
        assert (out / "").exists()
        return
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(LOCATED.match(line) for line in lines), err
    assert not out.exists()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
def test_arbitrary_text_never_gives_a_traceback(
    capsys: pytest.CaptureFixture[str], text: str
) -> None:
    code, err, out = _draft(text, capsys)
    tally.record("answers (wsr draft, any text)", refused=code != 0)
    assert code == 2 and "Traceback" not in err
    assert all(LOCATED.match(line) for line in err.splitlines() if line.strip()), err
    assert not out.exists()
