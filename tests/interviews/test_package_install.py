"""The package installs the way a docassemble server's Package Management installs a zip:
pip, from the zips scripts/da-package-zip builds, into a fresh folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_zips_install_and_carry_the_interview(tmp_path: Path):
    built = subprocess.run(
        [str(ROOT / "scripts" / "da-package-zip"), str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    engine, package = map(Path, built)
    assert (engine.name, package.name) == ("wsr-engine.zip", "docassemble-wsrengine.zip")
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-compile",
            "--target",
            str(target),
            str(engine),
            str(package),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    questions = target / "docassemble" / "wsrengine" / "data" / "questions"
    assert (questions / "draft_agreement.yml").is_file()
    assert (
        target / "docassemble" / "wsrengine" / "data" / "static" / "suppliers-template.csv"
    ).is_file()
    assert (target / "clauses" / "library" / "premium.yaml").is_file()
    assert not (target / "docassemble" / "__init__.py").exists()  # a namespace package
