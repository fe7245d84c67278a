"""`wsr draft` itself, run as a user runs it, for comparison with what the interview made."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import docx


def wsr(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    code = "import sys; from wsr.cli import main; sys.argv = ['wsr', *sys.argv[1:]]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def wsr_draft(answers: Path, out: Path) -> tuple[dict[str, Any], Path]:
    """The record `wsr draft` writes for ``answers``, and its DOCX."""
    proc = wsr("draft", str(answers), "--out", str(out), "--format", "docx")
    assert proc.returncode == 0, proc.stderr
    (record,) = [p for p in out.glob("agr-*.json") if not p.name.endswith(".deviations.json")]
    (document,) = out.glob("*.docx")
    return json.loads(record.read_text(encoding="utf-8")), document


def docx_text(path: Path | str) -> list[str]:
    """The document's paragraphs (body and tables), as counsel reads them."""
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return [line for line in lines if line.strip()]
