"""The compiled cache (``clauses/_cache.py``): a draft from it is the draft without it, byte for
byte; a changed library file is never served from it; a corrupt or foreign entry is rebuilt.

Drafts run as ``wsr draft`` processes, as users run them: one draft per process is exactly the
case the cache is for (within one process the templates are compiled once anyway). A probe
counts, in the drafting process, how many clause files were validated and how many templates
Jinja compiled, so "served from the cache" is observed, not assumed.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clauses import _cache

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "accord-garment-safety.yaml"
LIBRARY = ROOT / "clauses" / "library"

#: run ``wsr draft`` in this interpreter and report what it had to build
PROBE = """
import json, sys
import jinja2.environment
from clauses import _schema

counts = {"compiled": 0, "validated": 0}
compile_ = jinja2.environment.Environment.compile
def counting_compile(self, *args, **kwargs):
    counts["compiled"] += 1
    return compile_(self, *args, **kwargs)
jinja2.environment.Environment.compile = counting_compile
validate = _schema.ClauseDef.model_validate.__func__
def counting_validate(cls, *args, **kwargs):
    counts["validated"] += 1
    return validate(cls, *args, **kwargs)
_schema.ClauseDef.model_validate = classmethod(counting_validate)

from wsr.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    counts["code"] = exc.code
counts["docxtpl"] = int("docxtpl" in sys.modules or "lxml" in sys.modules)
sys.stdout.flush()
sys.stderr.write("\\nPROBE " + json.dumps(counts) + "\\n")
"""


def draft(out: Path, cache: Path | str, *args: str, answers: Path = EXAMPLE) -> dict[str, int]:
    """``wsr draft ANSWERS --out OUT ARGS`` with ``WSR_CACHE_DIR=cache``; the probe's counts."""
    env = {**os.environ, "WSR_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "draft", str(answers), "--out", str(out), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
    )
    line = done.stderr.rstrip().rsplit("\n", 1)[-1]
    assert line.startswith("PROBE "), done.stderr
    counts: dict[str, int] = json.loads(line.removeprefix("PROBE "))
    counts["stderr"] = done.stderr  # type: ignore[assignment]
    return counts


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def entries(cache: Path) -> list[str]:
    return sorted(p.name.rsplit("-", 1)[0] for p in cache.glob("*.pickle"))


def test_a_draft_from_the_cache_is_byte_identical_to_one_without_it(tmp_path):
    cache = tmp_path / "cache"
    off = draft(tmp_path / "off", "off", "--format", "docx,md")
    cold = draft(tmp_path / "cold", cache, "--format", "docx,md")
    warm = draft(tmp_path / "warm", cache, "--format", "docx,md")
    assert off["code"] == cold["code"] == warm["code"] == 0
    assert entries(cache) == ["docx-code", "docx-fast", "docx-xml", "library", "templates"]
    # the warm draft really came from the cache: nothing validated, nothing compiled
    assert off["validated"] == cold["validated"] > 0 and off["compiled"] == cold["compiled"] > 0
    assert warm["validated"] == 0 and warm["compiled"] == 0
    assert off["docxtpl"] == cold["docxtpl"] == 1 and warm["docxtpl"] == 0  # the capture's DOCX
    reference = files(tmp_path / "off")
    assert {n.rsplit(".", 1)[-1] for n in reference} == {"json", "docx", "md"}
    assert files(tmp_path / "cold") == reference  # record, DOCX and Markdown, byte for byte
    assert files(tmp_path / "warm") == reference


def hostile_answers(path: Path) -> Path:
    """The Accord example with 400 suppliers whose names need escaping, and a title and party
    with quotes, apostrophes, ``<``/``>`` and non-ASCII: every kind of text the DOCX escapes."""
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    names = ["O'Hara & Sons <Knit> Ltd", 'The "Best" Denim Ltd', "Ça Va Tekstil Ağ Şti — 縫製"]
    data["suppliers"] = [
        {"id": f"BD-F{i:04d}", "name": f"{names[i % 3]} {i}", "country": "BD"} for i in range(400)
    ]
    data["agreement"]["title"] = 'Tom\'s "Fair" Garment & <Safety> Agreement \u2013 Été'
    data["parties"][0]["name"] = 'L\'Enseigne "Été" & Fils <SA>'
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "answers",
    [*sorted((ROOT / "examples").glob("*.yaml")), "hostile"],
    ids=lambda p: p if isinstance(p, str) else p.name,
)
def test_a_draft_from_the_captured_template_is_byte_identical(tmp_path, answers):
    if answers == "hostile":
        answers = hostile_answers(tmp_path / "hostile.yaml")
    cache = tmp_path / "cache"
    draft(tmp_path / "fill", cache, "--format", "docx")  # the Accord example captures
    off = draft(tmp_path / "off", "off", "--format", "docx", answers=answers)
    warm = draft(tmp_path / "warm", cache, "--format", "docx", answers=answers)
    assert off["code"] == warm["code"] == 0, (off["stderr"], warm["stderr"])
    assert warm["docxtpl"] == 0  # rendered from the capture, not by docxtpl
    assert files(tmp_path / "warm") == files(tmp_path / "off")  # record and DOCX


def test_the_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    counts = draft(tmp_path / "out", "off", "--format", "docx")
    assert counts["code"] == 0
    assert not (tmp_path / "home").exists()


def test_a_changed_library_file_is_never_served_from_the_cache(tmp_path):
    library = tmp_path / "library"
    shutil.copytree(LIBRARY, library)
    cache = tmp_path / "cache"
    first = draft(tmp_path / "a", cache, "--format", "md", "--library", str(library))
    assert first["code"] == 0
    # one word of one clause's text, in a template whose names do not change
    fees = library / "monitoring_fees.yaml"
    text = fees.read_text(encoding="utf-8")
    assert "shall pay the annual fee" in text
    fees.write_text(text.replace("shall pay the annual", "shall promptly pay the annual"), "utf-8")
    second = draft(tmp_path / "b", cache, "--format", "md", "--library", str(library))
    assert second["code"] == 0
    assert second["validated"] > 0  # the library was loaded again, not taken from the cache
    assert second["compiled"] >= 1  # and the changed template compiled again
    (md_a,) = (tmp_path / "a").glob("*.md")
    (md_b,) = (tmp_path / "b").glob("*.md")
    assert "shall promptly pay" not in md_a.read_text(encoding="utf-8")
    assert "shall promptly pay" in md_b.read_text(encoding="utf-8")
    # and the text it gives is the text without any cache
    off = draft(tmp_path / "c", "off", "--format", "md", "--library", str(library))
    assert off["code"] == 0
    assert [p.read_bytes() for p in sorted((tmp_path / "c").iterdir())] == [
        p.read_bytes() for p in sorted((tmp_path / "b").iterdir())
    ]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other-format", "other-key"])
def test_a_corrupt_or_foreign_entry_is_rebuilt(tmp_path, damage):
    cache = tmp_path / "cache"
    assert draft(tmp_path / "ref", cache, "--format", "docx")["code"] == 0
    for entry in cache.glob("*.pickle"):
        data = entry.read_bytes()
        if damage == "garbage":
            entry.write_bytes(b"\x80\x05not a pickle at all")
        elif damage == "truncated":
            entry.write_bytes(data[: len(data) // 2])
        else:
            value = pickle.loads(data)
            if damage == "other-format":
                value["format"] = _cache.FORMAT + 1
            else:
                value["key"] = "0" * 64
            entry.write_bytes(pickle.dumps(value))
    rebuilt = draft(tmp_path / "out", cache, "--format", "docx")
    assert rebuilt["code"] == 0, rebuilt["stderr"]
    assert rebuilt["validated"] > 0 and rebuilt["compiled"] > 0  # nothing taken from them
    assert files(tmp_path / "out") == files(tmp_path / "ref")
    # every entry was written again, whole, and the next draft is served from them
    for entry in cache.glob("*.pickle"):
        value = pickle.loads(entry.read_bytes())
        assert value["format"] == _cache.FORMAT and len(value["key"]) == 64
    warm = draft(tmp_path / "warm", cache, "--format", "docx")
    assert warm["validated"] == 0 and warm["compiled"] == 0
    assert files(tmp_path / "warm") == files(tmp_path / "ref")


def test_a_corrupt_compiled_template_is_compiled_again(tmp_path):
    """One stored code object that cannot be unmarshalled is a miss, not an error."""
    cache = tmp_path / "cache"
    assert draft(tmp_path / "ref", cache, "--format", "md")["code"] == 0
    (entry,) = cache.glob("templates-*.pickle")
    value = pickle.loads(entry.read_bytes())
    first = next(iter(value["items"]))
    names, _code = value["items"][first]
    value["items"][first] = (names, b"\x00 not marshalled code")
    entry.write_bytes(pickle.dumps(value))
    again = draft(tmp_path / "out", cache, "--format", "md")
    assert again["code"] == 0 and again["compiled"] == 1
    assert files(tmp_path / "out") == files(tmp_path / "ref")


def test_a_refused_draft_leaves_no_output_and_the_next_draft_is_the_same(tmp_path):
    """Decided: a draft refused for its answers may leave a library entry (the library loaded
    fine, and the entry holds only what its files determine) but never any output file."""
    cache = tmp_path / "cache"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("currency: USD", "currency: XXQ", 1),
        encoding="utf-8",
    )
    assert "XXQ" in bad.read_text(encoding="utf-8")
    refused = draft(tmp_path / "out", cache, "--format", "docx", answers=bad)
    assert refused["code"] == 2
    assert not (tmp_path / "out").exists()
    assert draft(tmp_path / "ref", "off", "--format", "docx")["code"] == 0
    assert draft(tmp_path / "out", cache, "--format", "docx")["code"] == 0
    assert files(tmp_path / "out") == files(tmp_path / "ref")


def test_an_unsafe_cache_folder_is_not_used(tmp_path, monkeypatch):
    """Entries are pickles: a folder others can write to is never read from or written to."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    monkeypatch.setenv(_cache.ENV_VAR, str(folder))
    assert _cache.cache_dir() is None
    assert not _cache.write_entry("library", "k" * 64, {"value": 1})
    folder.chmod(0o700)
    assert _cache.cache_dir() == folder
    assert _cache.write_entry("library", "k" * 64, {"value": 1})
    assert _cache.read_entry("library", "k" * 64) == {"value": 1, "format": 1, "key": "k" * 64}
    assert _cache.read_entry("library", "j" * 64) is None


def test_the_default_folder_and_off(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(_cache.ENV_VAR, raising=False)
    assert _cache.cache_dir() == tmp_path / ".cache" / "wsr-engine" / "compiled"
    monkeypatch.setenv(_cache.ENV_VAR, "OFF")
    assert _cache.cache_dir() is None
