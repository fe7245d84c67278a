"""Every interview YAML of docassemble.wsrengine parses with docassemble's own parser, and
AssemblyLine's linter (dayamlchecker) passes where its Python (>= 3.12) is available."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from headless import parse_source

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "interviews" / "docassemble" / "wsrengine"
QUESTIONS = sorted((PACKAGE / "data" / "questions").glob("*.yml"))


def test_the_package_has_its_interviews():
    assert {p.name for p in QUESTIONS} >= {"draft_agreement.yml", "clause_questions.yml"}


@pytest.mark.parametrize("path", QUESTIONS, ids=lambda p: p.name)
def test_yaml_loads_through_docassemble(path: Path):
    interview = parse_source(
        path.read_text(encoding="utf-8"),
        f"docassemble.wsrengine:data/questions/{path.name}",
        path.parent,
    )
    assert interview.questions_list, f"{path.name} defines no blocks"


def test_a_broken_block_is_refused_by_the_parser():
    """The parser check can fail: a Mako error in a question is a DASourceError."""
    from docassemble.base.error import DAError

    broken = "---\nid: broken\nquestion: ${ 1 +\ncontinue button field: x\n"
    with pytest.raises(DAError):
        parse_source(broken, "docassemble.wsrengine:data/questions/broken.yml")


@pytest.mark.parametrize("path", QUESTIONS, ids=lambda p: p.name)
def test_every_question_has_an_id(path: Path):
    """AssemblyLine's convention: an id on every block, so screens can be named in tests."""
    blocks = [b for b in yaml.safe_load_all(path.read_text(encoding="utf-8")) if b]
    missing = [
        b.get("question", b.get("code", ""))[:40]
        for b in blocks
        if ("question" in b or "code" in b) and "id" not in b
    ]
    assert not missing


def test_main_interview_follows_assemblyline_layout():
    """Includes first, then metadata, and exactly one mandatory block: the interview order."""
    path = PACKAGE / "data" / "questions" / "draft_agreement.yml"
    blocks = [b for b in yaml.safe_load_all(path.read_text(encoding="utf-8")) if b]
    assert list(blocks[0]) == ["include"]
    assert "metadata" in blocks[1]
    mandatory = [b for b in blocks if b.get("mandatory")]
    assert [b.get("id") for b in mandatory] == ["interview order"]


def _checker() -> Path | None:
    marker = Path(sys.prefix) / "wsr-dayamlchecker"
    if not marker.is_file():
        return None
    exe = Path(marker.read_text(encoding="utf-8").strip())
    return exe if exe.is_file() else None


def test_dayamlchecker_passes():
    """AssemblyLine's linter, in its own Python >= 3.12 venv (scripts/da-env); never the
    network (--no-url-check)."""
    exe = _checker()
    if exe is None:
        pytest.skip("no Python >= 3.12 for dayamlchecker (scripts/da-env builds it when found)")
    proc = subprocess.run(
        [str(exe), "-m", "dayamlchecker", "--no-url-check", *map(str, QUESTIONS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
