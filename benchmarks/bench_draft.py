"""Drafting benchmark: ``wsr draft`` of the Accord-style example with N suppliers, as users run it.

A and B are whole processes, one render per process, started alternately run by run:

* **A, the engine**: ``wsr draft A.yaml --out DIR --format docx`` — start Python, import the CLI,
  load the clause library, read and validate the answers, assemble the record, write the JSON
  record and render the house-template DOCX. Twice: **cold**, with the compiled cache off
  (``WSR_CACHE_DIR=off``: everything parsed, validated and compiled as if for the first time),
  and **warm**, from a compiled cache an earlier draft filled (``clauses/_cache.py``: the loaded
  library, the compiled clause templates and the house template);
* **B, the floor**: start Python, import docxtpl, read the finished template context from a JSON
  file and render it into a minimal docxtpl template (python-docx's default document: no house
  styles, numbering, fonts or settings) that produces **the same final text** — title, parties,
  recital, definitions, every section and clause paragraph, the supplier schedule table,
  signature blocks, record line, header and footer — then save it.

Before timing, the DOCX files are read back and their text compared paragraph by paragraph
(body, table cells, header, footer); the benchmark refuses to time documents that differ, and
the cold and warm engine files (DOCX and record) must be byte-identical.
The suppliers are varied (names with ampersands and apostrophes, several countries), so
escaping is on the path as it is for real supplier lists.

    python -m benchmarks.bench_draft [--suppliers 500] [--runs 11]

Prints min / median / max of each side, the ratio of medians to the floor's (goal: engine
≤ 1.2 × floor), each side's max RSS and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import yaml

from benchmarks._bytecode import compile_engine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "accord-garment-safety.yaml"
WSR = Path(sys.executable).with_name("wsr")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

COUNTRIES = ("BD", "BD", "BD", "PK", "IN", "KH", "LK", "VN")
WORDS = (
    "Knit",
    "Denim",
    "Sweater",
    "Apparel",
    "Washing",
    "Fashion",
    "Outerwear",
    "Home Textile",
    "Printing & Embroidery",
    "Dyeing",
    "Composite",
    "Spinning",
)
SUFFIXES = ("Ltd", "Mills Ltd", "Industries (Pvt) Ltd", "Garments Ltd")
TOWNS = ("Ashulia", "Gazipur", "Savar", "Narayanganj", "Chattogram", "Tongi", "Mirpur", "Karachi")


def answers_with_suppliers(n: int) -> dict[str, Any]:
    """The example's answers with ``n`` varied suppliers (stable across runs)."""
    rng = random.Random(500)
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    suppliers = []
    for i in range(1, n + 1):
        country = rng.choice(COUNTRIES)
        name = f"{rng.choice(TOWNS)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)}"
        if i % 7 == 0:
            name = f"O'Hara {name}"
        suppliers.append({"id": f"{country}-F{i:04d}", "name": name, "country": country})
    data["suppliers"] = suppliers
    return data


# -- the floor ----------------------------------------------------------------------------------


def build_floor_template(path: Path) -> None:
    """A minimal docxtpl template with the house template's text structure and nothing else."""
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc = Document()
    for line in (
        "{{ title }}",
        "{{ subtitle }}",
        "This Agreement is made between:",
        "{%p for p in parties %}",
        "({{ p.ordinal }}){{ p.name }}{{ p.tail }}",
        "{%p endfor %}",
        "Background",
        "{{ recital }}",
        "{%p if definitions %}",
        "Definitions",
        "In this Agreement the following words have the meanings given to them below.",
        "{%p for d in definitions %}",
        "\u201c{{ d.term }}\u201d {{ d.rest }}",
        "{%p endfor %}",
        "{%p endif %}",
        "{%p for s in sections %}",
        "{{ s.title }}",
        "{%p for c in s.paragraphs %}",
        "{{ c.lead }}",
        "{%p if c.rows %}",
    ):
        doc.add_paragraph(line)
    # a paragraph that ends in a Markdown table (the fee schedule) is drawn as its prose and a
    # real table, as the house template does: one row per table row, header included
    fees = doc.add_table(rows=3, cols=2)
    fees.cell(0, 0).text = "{%tr for row in c.rows %}"
    fees.cell(1, 0).text = "{{ row[0] }}"
    fees.cell(1, 1).text = "{{ row[1] }}"
    fees.cell(2, 0).text = "{%tr endfor %}"
    for line in (
        "{%p endif %}",
        "{%p endfor %}",
        "{%p endfor %}",
        "Schedule 1 \u2013 Covered Suppliers",
        "{{ schedule_intro }}",
        "{%p if suppliers %}",
    ):
        doc.add_paragraph(line)
    table = doc.add_table(rows=4, cols=3)
    for i, head in enumerate(("Supplier ID", "Name", "Country")):
        table.cell(0, i).text = head
    table.cell(1, 0).text = "{%tr for sup in suppliers %}"
    table.cell(2, 0).text = "{{ sup.id }}"
    table.cell(2, 1).text = "{{ sup.name }}"
    table.cell(2, 2).text = "{{ sup.country }}"
    table.cell(3, 0).text = "{%tr endfor %}"
    for line in (
        "{%p endif %}",
        "Signatures",
        "Each party signs this Agreement by its authorised representative on the date written "
        "next to that representative\u2019s signature. The Agreement may be signed in "
        "counterparts.",
        "{%p for p in parties %}",
        "For {{ p.name }} ({{ p.label }})",
        "Signature: ________________________________",
        "Name: {{ p.signatory }}",
        "Title: {{ p.capacity }}",
        "Date: ________________________________",
        "{%p endfor %}",
        "{{ record_line }}",
    ):
        doc.add_paragraph(line)
    section = doc.sections[0]
    section.header.paragraphs[0].text = "{{ title }}"
    footer = section.footer.paragraphs[0]
    footer.add_run("{{ id }}")
    footer.add_run("Page ")
    for instr, tail in ((" PAGE ", " of "), (" NUMPAGES ", None)):
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), instr)
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        footer._p.append(field)
        if tail:
            footer.add_run(tail)  # python-docx keeps the spaces (xml:space="preserve")
    doc.save(str(path))


def floor_context(agreement: Any) -> dict[str, Any]:
    """The engine's finished template context, as the floor's plainer template takes it: each
    clause paragraph as its prose and the rows of the table that ends it (none for most), and
    none of the house template's own WordprocessingML (field runs, bookmarks, table XML)."""
    from clauses.render.docx import docx_context, split_table

    context = docx_context(agreement)
    for key in ("schedule_runs",):
        context.pop(key, None)
    for d in context["definitions"]:
        d.pop("runs", None)
    for section in context["sections"]:
        section.pop("heading", None)
        paragraphs = []
        for p in section["paragraphs"]:
            lead, rows = split_table(p["text"])
            paragraphs.append({"number": p["number"], "lead": lead, "rows": rows})
        section["paragraphs"] = paragraphs
    return context


#: B: the floor process (python -c FLOOR CONTEXT.json TEMPLATE.docx OUT.docx)
FLOOR = """
import json, sys
from docxtpl import DocxTemplate
with open(sys.argv[1], encoding="utf-8") as fh:
    context = json.load(fh)
tpl = DocxTemplate(sys.argv[2])
tpl.render(context, autoescape=True)
tpl.save(sys.argv[3])
"""


# -- comparing the two documents ----------------------------------------------------------------


def docx_text(path: Path) -> dict[str, list[str]]:
    """Paragraph texts of the body (tables included), header and footer, in document order."""
    from lxml import etree

    out: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            kind = re.fullmatch(r"word/(document|header|footer)\d*\.xml", name)
            if kind is None:
                continue
            root = etree.fromstring(z.read(name))
            out.setdefault(kind.group(1), []).extend(
                "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}tab")).strip()
                for p in root.iter(f"{W}p")
            )
    return {k: [t for t in v if t] for k, v in out.items()}


def check_same_text(engine: Path, floor: Path) -> int:
    a, b = docx_text(engine), docx_text(floor)
    if a != b:
        for part in sorted(set(a) | set(b)):
            pa, pb = a.get(part, []), b.get(part, [])
            for i, (x, y) in enumerate(zip(pa, pb, strict=False)):
                if x != y:
                    print(f"{part} paragraph {i}:\n  engine: {x!r}\n  floor:  {y!r}")
                    break
            if len(pa) != len(pb):
                print(f"{part}: engine {len(pa)} paragraphs, floor {len(pb)}")
        raise SystemExit("the floor does not render the engine's text: not timing")
    return sum(len(v) for v in a.values())


# -- timing -------------------------------------------------------------------------------------


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one whole process.

    The CPU time is the child's own (``RUSAGE_CHILDREN`` before and after): on a loaded machine
    it moves far less than the wall time, so it is reported beside it.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def max_rss(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Peak RSS (MiB) of one run, by GNU time: a child's own ``ru_maxrss`` would include this
    benchmark's memory at the fork."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=True, env=env
    )
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def fmt(xs: list[float]) -> str:
    return f"{min(xs):.3f} / {statistics.median(xs):.3f} / {max(xs):.3f} s"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suppliers", type=int, default=500)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument(
        "--baseline",
        metavar="DIR",
        help="also time `wsr draft` from this other source tree (e.g. `git archive main`, "
        "byte-compiled), warm from its own compiled-cache entries",
    )
    args = ap.parse_args(argv)
    compile_engine()  # as an installed engine is (benchmarks/_bytecode.py)

    from clauses import assemble, load_library, parse_answers

    tmp = Path(tempfile.mkdtemp(prefix="wsr-bench-draft-"))
    answers = tmp / "accord-500.yaml"
    data = answers_with_suppliers(args.suppliers)
    answers.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    lib = load_library()
    agreement = assemble(parse_answers(answers, lib), lib)
    context_file = tmp / "context.json"
    context_file.write_text(json.dumps(floor_context(agreement), ensure_ascii=False), "utf-8")
    template = tmp / "floor-template.docx"
    build_floor_template(template)

    cold_env = {**os.environ, "WSR_CACHE_DIR": "off"}
    warm_env = {**os.environ, "WSR_CACHE_DIR": str(tmp / "cache")}
    cold_cmd = [str(WSR), "draft", str(answers), "--out", str(tmp / "cold"), "--format", "docx"]
    warm_cmd = [str(WSR), "draft", str(answers), "--out", str(tmp / "warm"), "--format", "docx"]
    floor_docx = tmp / "floor.docx"
    floor_cmd = [sys.executable, "-c", FLOOR, str(context_file), str(template), str(floor_docx)]

    run(cold_cmd, cold_env)
    run(warm_cmd, warm_env)  # fills the cache
    run(warm_cmd, warm_env)  # drafts from it
    run(floor_cmd)
    cold_files = {p.name: p.read_bytes() for p in (tmp / "cold").iterdir()}
    warm_files = {p.name: p.read_bytes() for p in (tmp / "warm").iterdir()}
    if cold_files != warm_files:
        raise SystemExit("the warm draft differs from the cold one: not timing")
    (engine_docx,) = (tmp / "cold").glob(f"*-{agreement.id}.docx")  # <title slug>-<id>.docx
    paragraphs = check_same_text(engine_docx, floor_docx)

    sides: list[tuple[str, list[str], dict[str, str] | None]] = [
        ("cold", cold_cmd, cold_env),
        ("warm", warm_cmd, warm_env),
        ("floor", floor_cmd, None),
    ]
    labels = {
        "cold": "A engine, cold: `WSR_CACHE_DIR=off wsr draft … --format docx`",
        "warm": "A engine, warm: `wsr draft … --format docx` from the compiled cache",
        "floor": "B floor: python + docxtpl render of the same text",
    }
    if args.baseline:
        # warm, like A's warm side: its own cache entries (the key hashes its own sources)
        base_env = {**warm_env, "PYTHONPATH": str(Path(args.baseline).resolve())}
        # that tree's own `wsr` script; never "try one, else the other": this venv's editable
        # finder would serve a module the baseline lacks from this checkout
        script = "_entry" if (Path(args.baseline) / "wsr" / "_entry.py").exists() else "cli"
        entry = f"from wsr.{script} import main; main()"
        # -P: `python -c` would otherwise put the working folder (this checkout, when run from
        # it) before PYTHONPATH, and time this tree instead of the baseline
        base_cmd = [
            sys.executable,
            "-P",
            "-c",
            entry,
            *cold_cmd[1:4],
            str(tmp / "base"),
            *cold_cmd[5:],
        ]
        run(base_cmd, base_env)  # fills its cache entries
        run(base_cmd, base_env)
        base_files = {p.name: p.read_bytes() for p in (tmp / "base").iterdir()}
        if base_files != cold_files:  # another engine may differ in bytes, never in text
            (base_docx,) = (tmp / "base").glob(f"*-{agreement.id}.docx")
            check_same_text(base_docx, floor_docx)
        sides.insert(0, ("baseline", base_cmd, base_env))
        labels["baseline"] = f"baseline `{args.baseline}`, warm `wsr draft … --format docx`"
    times: dict[str, list[float]] = {name: [] for name, _, _ in sides}
    cpus: dict[str, list[float]] = {name: [] for name, _, _ in sides}
    for i in range(args.runs):  # alternate, and alternate which goes first
        for name, cmd, env in sides if i % 2 == 0 else sides[::-1]:
            wall, cpu = run(cmd, env)
            times[name].append(wall)
            cpus[name].append(cpu)
    rss = {name: max_rss(cmd, env) for name, cmd, env in sides}
    floor = statistics.median(times["floor"])
    floor_cpu = statistics.median(cpus["floor"])
    print(
        f"## Drafting: Accord-style example, {args.suppliers} suppliers, "
        f"{paragraphs} paragraphs of identical text, {args.runs} runs of each, alternated"
    )
    print()
    print(
        "| figure | wall min / median / max | × floor (goal ≤ 1.2) "
        "| CPU median | CPU × floor | max RSS |"
    )
    print("|---|---|---|---|---|---|")
    for name, _, _ in sides:
        ratio = statistics.median(times[name]) / floor
        cpu = statistics.median(cpus[name])
        print(
            f"| {labels[name]} | {fmt(times[name])} | ×{ratio:.2f} | {cpu:.3f} s "
            f"| ×{cpu / floor_cpu:.2f} | {rss[name]:.0f} MiB |"
        )
    print()
    print(f"load average after the runs: {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    main()
