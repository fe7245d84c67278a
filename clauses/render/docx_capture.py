"""Capturing the house template for :mod:`clauses.render.docx_fast` (the docxtpl side).

Run once per template and engine, after a docxtpl draft, by the draft that found no capture.
It recomputes what docxtpl hands Jinja for each part (``get_xml`` / ``get_part_xml``, then
``patch_xml`` and the paragraph line breaks of ``render_xml_part``), compiles it, and takes the
constant members and the document's head from the file docxtpl just wrote. The capture is only
returned if :func:`~clauses.render.docx_fast.fast_bytes` rebuilds that very file from it, byte
for byte; otherwise there is none and every draft keeps going through docxtpl.
"""

from __future__ import annotations

import io
import marshal
import re
import zipfile
from pathlib import Path
from typing import Any

from .._agreement import Agreement
from . import docx as house
from .docx_fast import _FIXED_ZIP_TIME, LAYOUT, MARKS, fast_bytes

_PROPS_RENDERED = ("author", "comments", "identifier", "language", "subject", "title")


def _source(tpl: Any, xml: str) -> str:
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))


def _compiled(source: str) -> bytes:
    """The code docxtpl's render compiled ``source`` to (kept by the code store), else compiled."""
    stored = house._CODE.get(source)
    code = house._CODE.code(stored) if stored is not None else None
    return marshal.dumps(code if code is not None else house._JINJA_ENV.compile(source))


def _declaration(final: str) -> str:
    return final.split("\n", 1)[0] + "\n" if final.startswith("<?xml") else ""


def capture_template(agreement: Agreement, written: Path, template: Path) -> dict[str, Any] | None:
    """The capture of ``template``, proved on ``written`` (docxtpl's DOCX of ``agreement``)."""
    try:
        return _capture(agreement, written, template)
    except Exception:  # a capture is an optimisation: without one, drafts use docxtpl
        return None


def _capture(agreement: Agreement, written: Path, template: Path) -> dict[str, Any] | None:
    with zipfile.ZipFile(written) as zf:
        infos = zf.infolist()
        if any(
            i.date_time != _FIXED_ZIP_TIME
            or i.compress_type != zipfile.ZIP_DEFLATED
            or i.external_attr != 0o600 << 16
            for i in infos
        ):
            return None
        final = {i.filename: zf.read(i) for i in infos}
    fresh = house._HouseDocxTemplate(io.BytesIO(template.read_bytes()))
    fresh.render_init()
    initial = fresh.docx.core_properties
    if any(any(c in (getattr(initial, p) or "") for c in "{}%") for p in _PROPS_RENDERED):
        return None  # docxtpl renders these as templates: they could depend on the answers
    body = _source(fresh, fresh.get_xml())
    document = final["word/document.xml"].decode("utf-8")
    start = document.index("<w:body")
    end = document.rindex("</w:body>") + len("</w:body>")
    parts: list[dict[str, Any]] = [
        {
            "kind": "body",
            "member": "word/document.xml",
            "code": _compiled(body),
            "open": body[: body.index(">") + 1],
            "open_final": document[start : document.index(">", start) + 1],
            "head": document[:start],
            "tail": document[end:],
        }
    ]
    for uri, kind in ((fresh.HEADER_URI, "header"), (fresh.FOOTER_URI, "footer")):
        for _key, part in fresh.get_headers_footers(uri):
            xml = fresh.get_part_xml(part)
            if fresh.get_headers_footers_encoding(xml).lower() != "utf-8":
                return None
            member = str(part.partname).lstrip("/")
            source = _source(fresh, xml)
            text = final[member].decode("utf-8")
            parts.append(
                {
                    "kind": kind,
                    "member": member,
                    "code": _compiled(source),
                    "head": _declaration(text),
                }
            )
    # the core properties as the draft sets them, with markers where its values go
    tpl = house.render_template(
        house.docx_context(agreement), title=agreement.title, template=template
    )
    house.set_properties(tpl.docx, agreement)
    props = tpl.docx.core_properties
    props.title, props.identifier, props.keywords = (
        MARKS["title"],
        MARKS["identifier"],
        MARKS["keywords"],
    )
    core_part = tpl.docx.part.package._core_properties_part
    core_member = str(core_part.partname).lstrip("/")
    custom_member = "docProps/custom.xml"
    dynamic = {p["member"] for p in parts} | {core_member, custom_member}
    if not dynamic <= set(final):
        return None
    capture = {
        "layout": LAYOUT,
        "parts": parts,
        "core": core_part.blob.decode("utf-8"),
        "core_member": core_member,
        "custom_member": custom_member,
        "members": [(n, None if n in dynamic else b) for n, b in final.items()],
    }
    rebuilt = fast_bytes(capture, agreement)
    if rebuilt is None or rebuilt != list(final.items()):
        return None
    return capture
