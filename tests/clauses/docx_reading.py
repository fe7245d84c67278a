"""Reading rendered DOCX files back for assertions: text by style, Word's list numbering,
and the accept-all / reject-all views of tracked changes."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def styled_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style name, text) of every body paragraph outside tables, in order."""
    doc = Document(str(path))
    return [(p.style.name, p.text) for p in doc.paragraphs]


def style_numbering(path: Path) -> dict[str, tuple[int, int]]:
    """style id -> (numId, ilvl) for every paragraph style that carries numPr."""
    doc = Document(str(path))
    out = {}
    for style in doc.styles.element.findall(qn("w:style")):
        numpr = style.find(f"{W}pPr/{W}numPr")
        if numpr is None or numpr.find(qn("w:numId")) is None:
            continue
        ilvl = numpr.find(qn("w:ilvl"))
        out[style.get(qn("w:styleId"))] = (
            int(numpr.find(qn("w:numId")).get(qn("w:val"))),
            int(ilvl.get(qn("w:val"))) if ilvl is not None else 0,
        )
    return out


def level_texts(path: Path, num_id: int) -> dict[int, str]:
    """ilvl -> lvlText of the abstract list behind ``num_id``."""
    doc = Document(str(path))
    numbering = doc.part.numbering_part.element
    abstract_id = None
    for num in numbering.findall(qn("w:num")):
        if int(num.get(qn("w:numId"))) == num_id:
            abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    assert abstract_id is not None, f"numId {num_id} missing from numbering.xml"
    for abstract in numbering.findall(qn("w:abstractNum")):
        if abstract.get(qn("w:abstractNumId")) == abstract_id:
            return {
                int(lvl.get(qn("w:ilvl"))): lvl.find(qn("w:lvlText")).get(qn("w:val"))
                for lvl in abstract.findall(qn("w:lvl"))
            }
    raise AssertionError(f"abstractNum {abstract_id} missing")


def word_numbers(path: Path) -> list[tuple[str, str]]:
    """Simulate Word's numbering of the house list: (displayed number, text) per numbered
    paragraph, computed from the styles' numPr and the list's lvlText, never from our record."""
    numbered = style_numbering(path)
    doc = Document(str(path))
    house = numbered["WSRClause"][0]
    numbered = {k: v for k, v in numbered.items() if v[0] == house}
    counters = [0] * 9
    out = []
    for p in doc.paragraphs:
        style_id = p.style.style_id
        if style_id not in numbered:
            continue
        num_id, ilvl = numbered[style_id]
        levels = level_texts(path, num_id)
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        text = levels[ilvl]
        for i in range(ilvl + 1):
            text = text.replace(f"%{i + 1}", str(counters[i]))
        out.append((text.rstrip("."), p.text))
    return out


def document_xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("word/document.xml"))


def part_xml(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def _view(path: Path, *, accept: bool) -> list[str]:
    """Body paragraph texts with every tracked change accepted (or rejected)."""
    root = copy.deepcopy(document_xml(path))
    body = root.find(f"{W}body")
    keep, drop = (f"{W}ins", f"{W}del") if accept else (f"{W}del", f"{W}ins")
    texts = []
    for p in body.iter(f"{W}p"):
        mark = p.find(f"{W}pPr/{W}rPr")
        if mark is not None and mark.find(drop) is not None:
            continue  # the whole paragraph goes
        parts = []
        for el in p.iter(f"{W}t", f"{W}delText"):
            wrapper = el.getparent().getparent()
            if wrapper.tag == drop:
                continue
            parts.append(el.text or "")
        texts.append("".join(parts))
    return texts


def accepted_texts(path: Path) -> list[str]:
    return _view(path, accept=True)


def rejected_texts(path: Path) -> list[str]:
    return _view(path, accept=False)


def plain_texts(path: Path) -> list[str]:
    """Body paragraph texts of a document without tracked changes (tables included)."""
    body = document_xml(path).find(f"{W}body")
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in body.iter(f"{W}p")]


def load(path: Path) -> Document:
    return Document(io.BytesIO(path.read_bytes()))
