"""Drafting benchmark: the Accord-style example with N suppliers, answers → DOCX.

Measures, in one run and one process:
- the engine: parse answers + assemble + render the house-template DOCX;
- the floor: a bare docxtpl render of the same final text (same sections, paragraphs and supplier
  table) from a minimal template, with no validation, assembly or styling work;
and reports min / median / max, the ratio of medians, and peak memory (tracemalloc peak of one
engine run, and the process's max RSS).

    python -m benchmarks.bench_draft [--suppliers 500] [--runs 9]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import yaml
from docx import Document
from docxtpl import DocxTemplate

from clauses import assemble, load_library, parse_answers
from clauses.render.docx import render_docx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "accord-garment-safety.yaml"


def answers_with_suppliers(n: int) -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["suppliers"] = [
        {"id": f"BD-F{i:04d}", "name": f"Example Garments Factory {i} Ltd", "country": "BD"}
        for i in range(1, n + 1)
    ]
    return data


def build_floor_template(path: Path) -> None:
    """The floor: the same content with docxtpl and nothing else."""
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.add_paragraph("{%p for s in sections %}")
    doc.add_paragraph("{{ s.number }}. {{ s.title }}")
    doc.add_paragraph("{%p for p in s.paragraphs %}")
    doc.add_paragraph("{{ p.number }} {{ p.text }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")
    table = doc.add_table(rows=4, cols=3)
    for i, head in enumerate(("ID", "Name", "Country")):
        table.cell(0, i).text = head
    table.cell(1, 0).text = "{%tr for sup in suppliers %}"
    table.cell(2, 0).text = "{{ sup.id }}"
    table.cell(2, 1).text = "{{ sup.name }}"
    table.cell(2, 2).text = "{{ sup.country }}"
    table.cell(3, 0).text = "{%tr endfor %}"
    doc.save(str(path))


def timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def fmt(xs: list[float]) -> str:
    return f"{min(xs):.3f} / {statistics.median(xs):.3f} / {max(xs):.3f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--suppliers", type=int, default=500)
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()

    lib = load_library()
    data = answers_with_suppliers(args.suppliers)
    tmp = Path(tempfile.mkdtemp(prefix="wsr-bench-"))

    def engine() -> None:
        agreement = assemble(parse_answers(data, lib), lib)
        render_docx(agreement, tmp / "engine.docx")

    agreement = assemble(parse_answers(data, lib), lib)
    context = {
        "title": agreement.title,
        "sections": [
            {
                "number": s.number,
                "title": s.title,
                "paragraphs": [{"number": p.number, "text": p.text} for p in s.paragraphs],
            }
            for s in agreement.sections
        ],
        "suppliers": [s.model_dump() for s in agreement.suppliers],
    }
    floor_tpl = tmp / "floor.docx"
    build_floor_template(floor_tpl)

    def floor() -> None:
        tpl = DocxTemplate(str(floor_tpl))
        tpl.render(context)
        tpl.save(str(tmp / "floor-out.docx"))

    engine()  # warm imports and caches for both
    floor()
    tracemalloc.start()
    engine()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    eng = timed(engine, args.runs)
    flo = timed(floor, args.runs)
    ratio = statistics.median(eng) / statistics.median(flo)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"## Drafting benchmark: Accord-style example, {args.suppliers} suppliers, {args.runs} runs"
    )
    print()
    print("| figure | min / median / max |")
    print("|---|---|")
    print(f"| engine: answers → validated → assembled → DOCX | {fmt(eng)} |")
    print(f"| floor: bare docxtpl render of the same text | {fmt(flo)} |")
    print(f"| ratio of medians (engine / floor) | {ratio:.2f} |")
    print(f"| peak Python allocations in one engine run (tracemalloc) | {peak / 2**20:.1f} MiB |")
    print(f"| process max RSS | {rss_mib:.0f} MiB |")


if __name__ == "__main__":
    main()
