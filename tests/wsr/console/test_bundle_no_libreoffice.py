"""Without LibreOffice a bundle PDF download answers 503 saying LibreOffice is needed and how to
install it (page and API), the ZIP still downloads, and ``wsr bundle`` refuses with the same
words. "Without LibreOffice": ``PATH`` is an empty folder, so ``soffice`` cannot be found."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wsr.console.conftest import Seeded
from wsr._bundle_files import NO_LIBREOFFICE

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def no_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "bin-without-soffice"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


def test_pdf_downloads_answer_503_and_the_zip_still_works(
    no_soffice: Path, client_for, api_for, seeded: Seeded
) -> None:
    page, api = client_for("monitor"), api_for("monitor")
    for client, prefix in ((page, ""), (api, "/api")):
        for path in (
            f"{prefix}/agreements/{seeded.fair_food}/bundle.pdf",
            f"{prefix}/obligations/{seeded.premium}/bundle.pdf",
        ):
            got = client.get(path)
            assert got.status_code == 503, (path, got.status_code, got.text[:300])
            assert "libreoffice-writer-nogui" in got.text, path
            assert "the ZIP download works without it" in got.text, path
            assert "Traceback" not in got.text
        zipped = client.get(f"{prefix}/agreements/{seeded.fair_food}/bundle.zip")
        assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    answer = api.get(f"/api/agreements/{seeded.fair_food}/bundle.pdf").json()
    assert answer == {
        "errors": [{"path": "", "message": f"{NO_LIBREOFFICE}; the ZIP download works without it"}]
    }


def test_pdf_download_of_someone_who_may_not_still_answers_as_before(
    no_soffice: Path, client_for, seeded: Seeded
) -> None:
    """The access checks come first: another brand's bundle is 404, not 503."""
    got = client_for("counsel").get(f"/agreements/{seeded.accord}/bundle.pdf")
    assert got.status_code == 404


def test_wsr_bundle_refuses_with_the_same_message(tmp_path: Path, seeded: Seeded) -> None:
    empty = tmp_path / "bin-without-soffice"
    empty.mkdir()
    out = tmp_path / "out"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WSR_")},
        "PATH": str(empty),
        "PYTHONPATH": str(ROOT),
        "WSR_DATABASE_URL": seeded.db_url,
    }
    proc = subprocess.run(
        [sys.executable, "-c", "from wsr.cli import main; main()", "bundle", seeded.fair_food,
         "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert NO_LIBREOFFICE in " ".join(proc.stderr.split()), proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.iterdir())  # both or neither: nothing written
