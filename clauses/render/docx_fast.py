"""``render_docx`` for drafts: the house DOCX written from the compiled cache, without docxtpl.

Importing docxtpl (python-docx, lxml) and letting it render was ~0.15 s of a 0.55 s warm
``wsr draft``. Almost none of that work depends on the answers: every zip member but the body,
the header and footer and the two property parts is the same bytes for every draft, and what
docxtpl does to the text Jinja renders is, for the text drafts produce, a handful of fixed
rewrites. So the first docxtpl render of a template (with the cache on) also *captures* it —
the constant members' bytes, each rendered part's Jinja source and compiled code, the document's
head, and the core properties with markers where the values go — and keeps the capture only
if rendering the same record from it gives the very bytes docxtpl wrote. Later drafts render
from the capture (:func:`fast_bytes`) with Jinja alone and write the zip with :mod:`zipfile`
exactly as :func:`clauses.render.docx.save_docx` does (same member order, deflate, fixed
timestamps and permissions).

What is skipped, and why it is safe (``_canonical`` and ``_regular`` refuse anything else, and
the draft then goes through docxtpl as before — never a guess):

* docxtpl's ``resolve_listing``: the identity when the text has no tab, BEL, newline or form
  feed (the fast path refuses text that has one);
* ``fix_tables``: adds and removes nothing when every row has one cell per grid column and no
  cell spans columns (refused otherwise, and for nested tables);
* ``fix_docpr_ids``: there are no drawings (refused if there is a ``docPr``);
* lxml's parse and re-serialization: for this XML it only writes ``'``/``"`` where Jinja wrote
  ``&#39;``/``&#34;`` (``&quot;`` inside attributes), collapses elements with no content to
  ``<x/>`` and drops the body's namespace declarations, which its parent already makes; text
  with control characters, carriage returns, comments or other character references is refused.

``tests/clauses/test_render_docx_capture.py`` compares the two paths byte for byte on every
example and on hostile answers; ``tests/clauses/test_cache.py`` on whole drafts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import re
import zipfile
from pathlib import Path
from types import CodeType
from typing import Any

from .._agreement import Agreement
from .._cache import cache_dir, content_key, read_entry, write_entry
from .._paper import PAGE_SIZES, Paper
from ._docx_context import _complete, _esc, docx_context

HOUSE_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "agreement.docx"
KIND = "docx-fast"
#: bump when the capture's layout changes
LAYOUT = 1
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: stand-ins for the core property values in the captured core.xml (private-use characters)
MARKS = {"title": "\ue000T\ue000", "identifier": "\ue000I\ue000", "keywords": "\ue000K\ue000"}
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff\ue000]")  # \t and \n are refused below
_LISTING = ("\t", "\a", "\n", "\f")
_CHARREF = re.compile(r"&#(?!39;|34;)")
_TAG = re.compile(r"<[^>]*>")
_EMPTY = re.compile(r"<([A-Za-z_][\w.:-]*)((?:\s[^<>]*)?)(?<!/)></\1>")
#: an opening tag directly followed by a closing one: every match of _EMPTY is one of these
_MAYBE_EMPTY = re.compile(r"<[^/!?<>][^<>]*(?<!/)></")
_TABLE_OPEN = re.compile(r"<w:tbl[ >/]")
_PGSZ = re.compile(r'<w:pgSz w:w="\d+" w:h="\d+"/>')
_RIGHT_TAB = re.compile(r'<w:tab w:pos="\d+" w:val="right"/>')


def _library_files() -> bytes:
    """The source of the packages whose output the capture stands for (docxtpl, python-docx,
    lxml's version), found without importing them: another version is another key."""
    parts = []
    for name in ("docxtpl", "docx", "lxml"):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        parts.append(Path(origin).read_bytes() if origin else b"-")
    return b"\0".join(parts)


def capture_key(template: Path) -> str:
    data = template.read_bytes()
    return content_key(
        KIND, [("template", data), ("libraries", hashlib.sha256(_library_files()).digest())]
    )


def _canonical(xml: str, *, blanks_ok: bool) -> str | None:
    """``xml`` as lxml would write it back after parsing, or None if that is not certain."""
    if any(c in xml for c in _LISTING) or _UNSAFE.search(xml) or _CHARREF.search(xml):
        return None
    if "<!--" in xml or "<![CDATA[" in xml or "<?" in xml or "docPr" in xml:
        return None
    if not blanks_ok and re.search(r">\s+<", xml):
        return None  # python-docx's parser drops blank text in headers and footers
    if "&#34;" in xml:  # a quote is written as itself in text, as &quot; in an attribute
        pieces = _TAG.split(xml)
        tags = [t.replace("&#34;", "&quot;") for t in _TAG.findall(xml)]
        xml = "".join(
            p.replace("&#34;", '"') + (tags[i] if i < len(tags) else "")
            for i, p in enumerate(pieces)
        )
    xml = xml.replace("&#39;", "'")
    if _MAYBE_EMPTY.search(xml) is None:  # a cheap first look: most drafts have none
        return xml
    return _EMPTY.sub(r"<\1\2/>", xml)


def _regular(xml: str) -> bool:
    """True when docxtpl's ``fix_tables`` would change nothing: no spans, no nested tables,
    and every row has as many cells as its table's grid has columns."""
    if "gridSpan" in xml or "<w:tbl/>" in xml:
        return False
    tables = re.findall(r"<w:tbl>(.*?)</w:tbl>", xml, re.S)
    if len(tables) != len(_TABLE_OPEN.findall(xml)):
        return False
    for table in tables:
        if _TABLE_OPEN.search(table):
            return False
        grid = re.search(r"<w:tblGrid>(.*?)</w:tblGrid>", table, re.S)
        if grid is None:
            return False
        columns = _count(grid.group(1), "<w:gridCol")
        rows = table.replace("<w:tr/>", "<w:tr>").replace("<w:tr ", "<w:tr>").split("<w:tr>")
        if any(_count(row, "<w:tc") != columns for row in rows[1:]):
            return False
    return True


def _count(xml: str, tag: str) -> int:
    """How many ``tag`` elements open in ``xml`` (``<tag>``, ``<tag …>``, ``<tag/>``)."""
    return xml.count(f"{tag}>") + xml.count(f"{tag} ") + xml.count(f"{tag}/>")


def _text(value: str) -> str | None:
    """A core property value as lxml writes element text, or None if it might differ."""
    if _UNSAFE.search(value) or "\r" in value:
        return None
    return _esc(value)


def _render(env: Any, part: dict[str, Any], context: dict[str, Any]) -> str | None:
    code = marshal.loads(part["code"])
    if not isinstance(code, CodeType):
        return None
    template = env.template_class.from_code(env, code, env.make_globals(None), None)
    # docxtpl's re.sub(r"\n<w:p([ >])", r"<w:p\1", …), as two plain replacements
    xml = template.render(context).replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return _canonical(xml, blanks_ok=part["kind"] == "body")


def fast_bytes(capture: dict[str, Any], agreement: Agreement) -> list[tuple[str, bytes]] | None:
    """Every zip member of the agreement's DOCX, in order, from ``capture``; None when any part
    of this record is outside what the capture is proved for (docxtpl renders it then)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from ._docx_context import _custom_xml, custom_properties

    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
    context = _complete(docx_context(agreement))
    size = PAGE_SIZES[Paper(context.get("paper") or Paper.LETTER)]
    rendered: dict[str, bytes] = {}
    width = None
    for part in capture["parts"]:
        xml = _render(env, part, context)
        if xml is None:
            return None
        if part["kind"] == "body":
            if not _regular(xml) or not xml.startswith(part["open"]):
                return None
            xml = part["open_final"] + xml[len(part["open"]) :]
            if len(_PGSZ.findall(xml)) != 1 or xml.count("<w:sectPr") != 1:
                return None
            xml = _PGSZ.sub(f'<w:pgSz w:w="{size.width}" w:h="{size.height}"/>', xml)
            margins = re.findall(r'<w:pgMar\b[^>]*\bw:right="(\d+)"[^>]*\bw:left="(\d+)"', xml)
            if len(margins) != 1:
                return None
            width = size.width - int(margins[0][0]) - int(margins[0][1])
            xml = part["head"] + xml + part["tail"]
        else:
            if part["kind"] == "footer":
                if width is None or xml.count('w:val="right"') != len(_RIGHT_TAB.findall(xml)):
                    return None
                xml = _RIGHT_TAB.sub(f'<w:tab w:pos="{width}" w:val="right"/>', xml)
            xml = part["head"] + xml
        try:
            rendered[part["member"]] = xml.encode("utf-8")
        except UnicodeEncodeError:
            return None
    values = {
        "title": agreement.title,
        "identifier": agreement.id,
        "keywords": f"{agreement.id}; {agreement.content_hash}",
    }
    core = capture["core"]
    for name, value in values.items():
        text = _text(value)
        if text is None or core.count(MARKS[name]) != 1:
            return None
        core = core.replace(MARKS[name], text)
    rendered[capture["core_member"]] = core.encode("utf-8")
    rendered[capture["custom_member"]] = _custom_xml(custom_properties(agreement))
    members = []
    for name, data in capture["members"]:
        blob = rendered.get(name, data)
        if blob is None:
            return None
        members.append((name, blob))
    return members


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """The members as ``save_docx`` writes them: deflated, fixed time, mode 0600, in order."""
    with path.open("wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, blob)
    return path


def load_capture(template: Path = HOUSE_TEMPLATE) -> dict[str, Any] | None:
    """The capture of ``template`` in the compiled cache, or None (none yet, cache off)."""
    entry = read_entry(KIND, capture_key(template))
    value = entry.get("value") if entry is not None else None
    if isinstance(value, dict) and value.get("layout") == LAYOUT:
        return value
    return None


def render_docx(agreement: Agreement, path: Path | str, *, template: Path = HOUSE_TEMPLATE) -> Path:
    """:func:`clauses.render.docx.render_docx`, from the capture when it covers this record.

    Without a capture the draft goes through docxtpl and, if the cache is on, captures the
    template for the next draft (kept only if it reproduces this draft's bytes).
    """
    out = Path(path)
    capture = load_capture(template)
    if capture is not None:
        members = fast_bytes(capture, agreement)
        if members is not None:
            return write_zip(out, members)
    from .docx import render_docx as docxtpl_render_docx

    docxtpl_render_docx(agreement, out, template=template)
    if capture is None and cache_dir() is not None:
        from .docx_capture import capture_template

        found = capture_template(agreement, out, template)
        if found is not None:
            write_entry(KIND, capture_key(template), {"value": found})
    return out
