"""Arbitration bundles with long chronologies: build time and peak memory.

    python -m benchmarks.bench_bundle [--entries 1000 10000] [--runs 3]

The record is the tests' bundle seed (``tests/wsr/bundle_seed.py``: a tracked agreement, events,
a complaint, evidence files — two PDFs, one CSV —, notices sent and a signed delivery event),
read by :func:`wsr._bundle.load_bundle`; its chronology is then repeated, a minute apart, to N
entries. Each side runs in its own child process, timed from start to exit, its peak memory
the ``ru_maxrss`` that ``os.wait4`` reports for it (on Linux: the largest resident set of the
child and of the descendants it waited for, so LibreOffice's ``soffice.bin`` is included):

* A: :func:`wsr._bundle_files.write_bundle` — the DOCX (python-docx), LibreOffice's PDF, the
  PDF exhibits appended (pypdf), the ZIP of the originals, written into a folder;
* B, the floor: the same DOCX text (every paragraph and table cell of A's DOCX, in order) as
  plain python-docx paragraphs, converted by one ``soffice`` call.

Before timing, the text is checked: B's DOCX holds exactly A's DOCX text, and the PDFs say the
same (the characters of ``pdftotext`` of A's document pages — the exhibits appended after them
left out — and of B's PDF, whitespace removed, as sorted multisets: the layouts differ, so the
reading order of table cells may too). A and B alternate run by run, which goes first too.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

PY = sys.executable


def _seeded_bundle(tmp: Path) -> Any:
    from obligations import open_store
    from tests.wsr.bundle_seed import NOW, seed
    from wsr._bundle import load_bundle

    store = open_store(f"sqlite:///{tmp / 'seed.db'}")
    try:
        seeded = seed(store, tmp)
        return load_bundle(store, seeded.agreement_id, now=NOW)
    finally:
        store.engine.dispose()


def grown(bundle: Any, n: int) -> Any:
    """``bundle`` with its chronology repeated to ``n`` entries, each a minute after the last."""
    import attrs

    base = bundle.chronology
    entries = tuple(
        attrs.evolve(base[i % len(base)], at=base[i % len(base)].at + timedelta(minutes=i))
        for i in range(n)
    )
    return attrs.evolve(bundle, chronology=entries)


def body_text(body: Any) -> list[str]:
    """Every non-empty paragraph of a DOCX body (table cells included), in document order, its
    tabs and line breaks as ``\\t`` and ``\\n``."""
    from docx.oxml.ns import qn

    t, tab, br = qn("w:t"), qn("w:tab"), qn("w:br")
    out = []
    for p in body.iter(qn("w:p")):
        text = "".join(
            "\t" if node.tag == tab else "\n" if node.tag == br else node.text or ""
            for run in p.iter(qn("w:r"))
            for node in run
            if node.tag in (t, tab, br)
        )
        if text:
            out.append(text)
    return out


def docx_text(bundle: Any) -> list[str]:
    """The text of the bundle's DOCX (:func:`body_text`)."""
    from wsr._bundle_files import _docx, _place

    return body_text(_docx(bundle, [_place(ex)[0] for ex in bundle.exhibits]).element.body)


# -- the children --------------------------------------------------------------------------------


def child_a(pickled: str, n: int, out: str) -> None:
    from wsr._bundle_files import write_bundle

    bundle = grown(pickle.loads(Path(pickled).read_bytes()), n)
    write_bundle(bundle, Path(out))


def child_b(lines_file: str, out: str) -> None:
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    from clauses.render.pdf import render_pdf

    lines = json.loads(Path(lines_file).read_text(encoding="utf-8"))
    doc = Document()
    end = doc.element.body.find(qn("w:sectPr"))
    for line in lines:  # put in place directly, as A does for its chronology
        p = OxmlElement("w:p")
        end.addprevious(p)
        Paragraph(p, doc._body).add_run(line)  # tabs and line breaks become w:tab, w:br
    docx = Path(out) / "floor.docx"
    doc.save(str(docx))
    render_pdf(docx, Path(out))


# -- the parent ----------------------------------------------------------------------------------


def _measure(cmd: list[str]) -> tuple[float, int]:
    """Wall time and ``ru_maxrss`` (KiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else b""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[2:5])} exited {proc.returncode}: {err[-600:]!r}")
    return took, usage.ru_maxrss


def _pdf_chars(path: Path, last_page: int | None = None) -> list[str]:
    cmd = ["pdftotext", "-raw"]
    if last_page is not None:
        cmd += ["-l", str(last_page)]
    text = subprocess.run([*cmd, str(path), "-"], capture_output=True, check=True).stdout
    return sorted("".join(text.decode("utf-8").split()))


def _exhibit_pages(bundle: Any) -> int:
    from wsr._bundle_files import _place

    return sum(_place(ex)[0].pages for ex in bundle.exhibits)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="bench", choices=("bench", "a", "b"))
    parser.add_argument("args", nargs="*")
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    if opts.what == "a":
        child_a(opts.args[0], int(opts.args[1]), opts.args[2])
        return
    if opts.what == "b":
        child_b(opts.args[0], opts.args[1])
        return
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="wsr-bench-bundle-") as tmp_name:
        tmp = Path(tmp_name)
        bundle = _seeded_bundle(tmp)
        pickled = tmp / "bundle.pickle"
        pickled.write_bytes(pickle.dumps(bundle))
        print(f"## Arbitration bundle: {len(bundle.exhibits)} evidence files, "
              f"{len(bundle.obligations)} obligations, chronology repeated to N")  # fmt: skip
        print()
        print("| N | side | wall min / median / max | × floor | peak RSS median (MiB) | load |")
        print("|---|---|---|---|---|---|")
        for n in opts.entries:
            big = grown(bundle, n)
            lines = docx_text(big)
            lines_file = tmp / f"lines-{n}.json"
            lines_file.write_text(json.dumps(lines, ensure_ascii=False), encoding="utf-8")
            out_a, out_b = tmp / f"a-{n}", tmp / f"b-{n}"
            out_a.mkdir()
            out_b.mkdir()
            a = [PY, "-m", "benchmarks.bench_bundle", "a", str(pickled), str(n), str(out_a)]
            b = [PY, "-m", "benchmarks.bench_bundle", "b", str(lines_file), str(out_b)]
            _measure(a)
            _measure(b)
            pdf_a = out_a / f"{big.stem}.pdf"
            pages = len(PdfReader(pdf_a).pages) - _exhibit_pages(big)
            if _pdf_chars(pdf_a, pages) != _pdf_chars(out_b / "floor.pdf"):
                raise SystemExit(f"N={n}: A's PDF and the floor's do not say the same")
            if docx_text_of(out_b / "floor.docx") != lines:
                raise SystemExit(f"N={n}: the floor's DOCX does not hold A's text")
            times: dict[str, list[tuple[float, int]]] = {"B floor": [], "A write_bundle": []}
            sides = {"B floor": b, "A write_bundle": a}
            for i in range(opts.runs):
                for name in list(sides) if i % 2 == 0 else list(sides)[::-1]:
                    times[name].append(_measure(sides[name]))
            floor = statistics.median(t for t, _ in times["B floor"])
            load = open("/proc/loadavg").read().split()[0]
            for name, xs in times.items():
                walls = [t for t, _ in xs]
                rss = statistics.median(r for _, r in xs) / 1024
                print(f"| {n:,} | {name} | {min(walls):.1f} / {statistics.median(walls):.1f} / "
                      f"{max(walls):.1f} s | ×{statistics.median(walls) / floor:.2f} | "
                      f"{rss:.0f} | {load} |", flush=True)  # fmt: skip


def docx_text_of(path: Path) -> list[str]:
    from docx import Document

    return body_text(Document(str(path)).element.body)


if __name__ == "__main__":
    main()
