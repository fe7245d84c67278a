"""The interview on a real docassemble server, over its HTTP API: from a new session, screen by
screen with an example's answers, to the downloaded DOCX and agreement record, whose content
hash must be the one `wsr draft` gives for the same answers file."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from lxml import etree

from clauses import load_library
from clauses.interview import clause_views
from tests.interviews.server_fixtures import DAServer, artifacts_dir

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["fair-food-produce", "accord-garment-safety"]
MAX_SCREENS = 200
# where the interview ends for this test: the download screen, before tracking
LAST_SCREEN = "download"


def wsr_draft(answers: Path, out: Path) -> dict[str, Any]:
    """The agreement record `wsr draft` writes for ``answers`` (run as the CLI, in this venv)."""
    done = subprocess.run(
        [sys.executable, "-c", "from wsr.cli import main; main()", "draft", str(answers)]
        + ["--out", str(out), "--format", "docx"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    (record,) = out.glob("agr-*.json")
    (document,) = out.glob("*.docx")
    return {"text": record.read_text(encoding="utf-8"), "docx": document.read_bytes()}


def docx_property(data: bytes, name: str) -> str:
    """A custom document property of a DOCX (python-docx reads only the core ones)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("docProps/custom.xml"))
    for prop in root:
        if prop.get("name") == name:
            return "".join(prop.itertext())
    raise AssertionError(f"the DOCX has no custom property {name!r}")


def docx_text(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


class Answerer:
    """Answers each screen the server asks from an answers file (the same YAML `wsr draft`
    takes), the way a negotiator would type it in: by the screen's id and its fields'
    variables. A field the answers file says nothing about keeps the value the screen shows
    (the library's default); a screen this does not know fails the test with its id."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.agreement: dict[str, Any] = answers["agreement"]
        self.parties: list[dict[str, Any]] = answers["parties"]
        self.suppliers: list[dict[str, Any]] = answers.get("suppliers") or []
        self.clauses: dict[str, Any] = answers.get("clauses") or {}
        self.omit: dict[str, Any] = answers.get("omit") or {}
        self.titles = {c.title: cid for cid, c in _library_titles().items()}
        self.seen: dict[str, int] = {}
        self.asked: list[str] = []

    def party(self, role: str, index: int = 0) -> dict[str, Any]:
        return [p for p in self.parties if p["role"] == role][index]

    def clause_of(self, screen: dict[str, Any]) -> str:
        """The clause a generic clause screen is about: the index in the variable the server
        is looking for (``clause_alt['premium']``: premium)."""
        for sought in screen.get("event_list", []):
            m = re.search(r"\['([^']+)'\]", sought)
            if m:
                assert m.group(1) in self.titles.values(), f"unknown clause {m.group(1)!r}"
                return m.group(1)
        raise AssertionError(f"screen {screen.get('id')!r} names no clause: {screen}")

    def reply(self, screen: dict[str, Any]) -> dict[str, Any]:
        qid = str(screen.get("id"))
        self.asked.append(qid)
        count = self.seen.get(qid, 0)
        self.seen[qid] = count + 1
        values: dict[str, Any] = {}
        for f in screen.get("fields", []):
            name = f.get("variable_name")
            if not name:
                continue
            value = self.value(qid, count, name, f, screen)
            if value is not _KEEP:
                values[name] = value
        # a `continue button field` is set by pressing Continue: a sought variable no field sets
        patterns = [
            re.escape(str(f["variable_name"])).replace(r"\[i\]", r"\[[^\]]+\]")
            for f in screen.get("fields", [])
            if f.get("variable_name")
        ]
        for name in screen.get("event_list", []):
            if name not in values and not any(re.fullmatch(p, name) for p in patterns):
                values[name] = True
        return values

    def value(self, qid: str, count: int, name: str, f: dict[str, Any], screen: dict[str, Any]):
        a = self.agreement
        simple = {
            ("start from", "start_from"): "new",
            ("programme", "agreement_title"): a["title"],
            ("programme", "agreement_sector"): a.get("sector", "other"),
            ("term", "effective_date"): str(a["effective_date"]),
            ("term", "agreement_timezone"): a.get("timezone", "America/New_York"),
            ("term", "agreement_currency"): a.get("currency", "USD"),
            ("term", "governing_law"): a.get("governing_law", ""),
            ("term", "agreement_paper"): a.get("paper") or "",
            ("supplier method", "supplier_method"): "list" if self.suppliers else "none",
            ("more worker organizations", "worker_orgs.there_is_another"): (
                count + 1 < len([p for p in self.parties if p["role"] == "worker_organization"])
            ),
            ("more suppliers", "suppliers.there_is_another"): count + 1 < len(self.suppliers),
            ("download", "wants_tracking"): False,
        }
        if (qid, name) in simple:
            return simple[(qid, name)]
        if screen.get("questionType") == "settrue":
            return True
        attr = name.rsplit(".", 1)[-1]
        if qid in ("buyer", "monitor"):
            return self.party(qid).get(attr, "")
        if qid == "worker organization":
            return self.party("worker_organization", count).get(attr, "")
        if qid == "supplier":
            return self.suppliers[count].get(attr, "")
        if qid == "choose clauses":
            keys = [re.search(r"\['(.+)'\]$", c["variable_name"]).group(1) for c in f["choices"]]
            return {k: k in self.clauses for k in keys}
        if qid == "clause alternative":
            chosen = self.clauses.get(self.clause_of(screen)) or {}
            return chosen.get("alternative", "standard")
        if qid == "clause values":
            m = re.fullmatch(r"clause_values\['(.+)'\]\['(.+)'\]", name)
            assert m, f"clause values screen: unexpected field {name!r}"
            cid, var = m.groups()
            given = self.clauses.get(cid) or {}
            if var in given:
                return given[var]
            return _shown(f)
        if qid in ("omission", "floor override"):
            cid = self.clause_of(screen)
            source = (
                self.omit.get(cid)
                if qid == "omission"
                else (self.clauses.get(cid) or {}).get("override")
            ) or {}
            key = "reason" if "reason" in name else "approved_by"
            return source.get(key, "")
        if "default" in f:
            return _shown(f)
        if f.get("required") is False:
            return _KEEP
        raise AssertionError(f"screen {qid!r} asks {name!r}, which this test cannot answer")


_KEEP = object()


def _shown(f: dict[str, Any]) -> Any:
    """A field's default as the browser would submit it, typed as the field's datatype."""
    value = f.get("default")
    kind = f.get("datatype")
    if kind in ("boolean", "yesno", "yesnoradio", "noyes"):
        return str(value) == "True"
    if kind == "integer" and value not in (None, ""):
        return int(value)
    if kind in ("number", "currency", "float") and value not in (None, ""):
        return float(value)
    return value


def _library_titles() -> dict[str, Any]:
    return {view.id: view for view in clause_views(load_library())}


def drive(server: DAServer, answers: dict[str, Any]) -> tuple[Any, dict[str, Any], Answerer]:
    api = server.api()
    who = Answerer(answers)
    screen = api.new()
    for _ in range(MAX_SCREENS):
        qtype = screen.get("questionType")
        assert qtype not in ("undefined_variable", "error"), f"the server failed: {screen}"
        if screen.get("id") == LAST_SCREEN:
            return api, screen, who
        before = screen.get("questionName")
        reply = who.reply(screen)
        try:
            screen = api.answer(reply, before)
        except AssertionError as exc:
            raise AssertionError(f"screen {before!r} answered {reply}: {exc}") from None
        errors = screen.get("errors")
        assert not errors, f"screen {before!r} refused {reply}: {errors}"
    raise AssertionError(f"no {LAST_SCREEN!r} screen after {MAX_SCREENS}: asked {who.asked}")


def file_number(variables: dict[str, Any], name: str) -> int:
    """The number of ``wsr_files[name]`` (a DAFile) in the session's variables."""
    files = variables["wsr_files"]
    files = files.get("elements", files)
    assert name in files, f"the interview made no {name!r} file: {sorted(files)}"
    return int(files[name]["number"])


@pytest.mark.parametrize("example", EXAMPLES)
def test_api_session_to_docx_has_the_record_wsr_draft_makes(
    da_server: DAServer, example: str, tmp_path: Path
) -> None:
    answers_path = ROOT / "examples" / f"{example}.yaml"
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    api, screen, who = drive(da_server, answers)

    # the screens a negotiator goes through, in order
    assert who.asked[:5] == ["intro", "start from", "programme", "term", "buyer"]
    assert "choose clauses" in who.asked and "review" in who.asked

    variables = api.variables()
    docx_bytes = api.file(file_number(variables, "docx"))
    record_text = api.file(file_number(variables, "json")).decode("utf-8")
    out = artifacts_dir() / f"api-{example}.docx"
    out.write_bytes(docx_bytes)

    expected = wsr_draft(answers_path, tmp_path / "draft")
    want = yaml.safe_load(expected["text"])
    got = yaml.safe_load(record_text)
    assert got["content_hash"] == want["content_hash"]
    # one alternative screen per clause in the agreement, and the suppliers one by one
    assert who.asked.count("clause alternative") == len(want["sections"])
    assert who.asked.count("supplier") == len(answers.get("suppliers") or [])
    assert record_text == expected["text"], "the record differs from wsr draft's byte for byte"
    assert docx_property(docx_bytes, "WSR Content Hash") == want["content_hash"]
    assert docx_property(docx_bytes, "WSR Agreement ID") == want["id"]
    assert docx_text(docx_bytes) == docx_text(expected["docx"])
    assert set(api.calls) >= {"/api/session/new", "/api/session/question", "/api/session"}
    assert any(c.startswith("/api/file/") for c in api.calls)
