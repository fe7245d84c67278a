"""Package Management on the real server: the session's server runs docassemble alone, and got
the engine and the interview package only as an administrator installs them (interviews/README.md):
each zip uploaded through docassemble's package API (``scripts/da-server install``, run by the
``da_server`` fixture), installed by docassemble's own Celery worker with its own pip command into
the server's package folder, after which docassemble restarted the web server. Here: what
docassemble says it installed, where the files went, and the interview answering at the addresses
the docs give."""

from __future__ import annotations

import http.cookiejar
import json
import subprocess
import tomllib
import urllib.request
from pathlib import Path

from tests.interviews.server_fixtures import INTERVIEW, DAServer

ROOT = Path(__file__).resolve().parents[2]
INTRO = "Draft a Worker-driven Social Responsibility agreement"
ZIPS = {
    "wsr-engine.zip": ("wsr-engine", ROOT),
    "docassemble-wsrengine.zip": (
        "docassemble.wsrengine",
        ROOT / "interviews",
    ),
}


def _version(folder: Path) -> str:
    with (folder / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def _page(url: str) -> str:
    """A page as a new browser would get it: its own cookies, redirects followed."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(url, timeout=120) as reply:
        return str(reply.read().decode("utf-8"))


def test_docassemble_installed_each_uploaded_zip(da_server: DAServer) -> None:
    with urllib.request.urlopen(f"{da_server.url}/api/package?key={da_server.api_key}") as r:
        listed = {p["name"]: p for p in json.load(r)}
    for zip_name, (name, source) in ZIPS.items():
        status = da_server.install_status[zip_name]
        assert status.get("status") == "completed" and status.get("ok") is True, status
        # docassemble's own installer ran pip on the uploaded file into the package folder
        log = status["log"]
        assert f"--prefix={da_server.dir / 'local'}" in log, log
        assert "file.zip" in log and "returned success code" in log, log
        assert name in listed, sorted(listed)
        package = listed[name]
        assert package["type"] == "zip" and package.get("zip_file_number"), package
        assert package["version"] == _version(source)


def test_the_packages_live_only_in_the_servers_package_folder(da_server: DAServer) -> None:
    (site,) = (da_server.dir / "local" / "lib").glob("python3.*/site-packages")
    questions = site / "docassemble" / "wsrengine" / "data" / "questions"
    assert (questions / "draft_agreement.yml").is_file()
    assert (site / "clauses" / "library" / "premium.yaml").is_file()
    # the server's venv itself has neither: what runs came from the uploads
    venv = subprocess.run(
        [str(ROOT / "scripts" / "da-env"), "--server"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout.strip()
    found = subprocess.run(
        [
            f"{venv}/bin/python",
            "-c",
            "import importlib.util as u; import docassemble.base; "
            "print(u.find_spec('docassemble.wsrengine'), u.find_spec('clauses'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
    ).stdout.strip()
    assert found == "None None", found


def test_the_interview_answers_at_the_documented_addresses(da_server: DAServer) -> None:
    docs = (ROOT / "docs" / "docassemble-server.md").read_text(encoding="utf-8")
    readme = (ROOT / "interviews" / "README.md").read_text(encoding="utf-8")
    for path in (f"/interview?i={INTERVIEW}", "/start/wsrengine/draft_agreement/"):
        assert path in docs and path in readme, f"{path} is not the address the docs give"
        assert INTRO in _page(f"{da_server.url}{path}"), path
