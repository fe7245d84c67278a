"""What the interview's YAML calls: the clause library through ``clauses.interview``, shaped
into docassemble field lists, validation errors and files.

Nothing here decides what a clause means or whether a value is acceptable: the field lists
come from the library's declarations and every verdict from the library's own readers. The
module only translates between docassemble's objects (DADict, DAList, DAFile, validation
errors) and the adapter's plain values.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clauses import EngineError, InputError, Library, load_library
from clauses import interview as adapter

# docassemble's ``modules:`` imports every public name here into the interview; these are
# the adapter's functions the YAML calls directly.
from clauses.interview import answers_yaml, clause_views, prefill, sectors  # noqa: F401


def _config(key: str) -> Any:
    """A key of the ``wsr:`` block of the docassemble configuration (None outside a server)."""
    try:
        from docassemble.base.functions import get_config
    except ImportError:  # pragma: no cover - only outside docassemble
        return None
    block = get_config("wsr") or {}
    return block.get(key) if isinstance(block, dict) else None


@functools.cache
def _load(path: str | None) -> Library:
    return load_library(Path(path) if path else None)


def library() -> Library:
    """The clause library: the ``wsr: library:`` folder of the configuration, else
    ``WSR_LIBRARY``, else the one shipped with the engine. Read once per process."""
    path = _config("library") or os.environ.get("WSR_LIBRARY") or None
    return _load(path)


def database_url() -> str | None:
    """Where executed agreements are tracked: ``wsr: database url:``, else WSR_DATABASE_URL."""
    return _config("database url") or os.environ.get("WSR_DATABASE_URL") or None


# -- the library as screens -------------------------------------------------------------------


def clause_view(cid: str) -> adapter.ClauseView:
    for view in adapter.clause_views(library()):
        if view.id == cid:
            return view
    raise KeyError(cid)


def clause_choices(prefilled: Any = None) -> list[dict[str, Any]]:
    """The optional clauses as checkbox choices; the ones that carry a WSR element start
    ticked (leaving them out needs a recorded reason), or, from earlier answers, the ones
    those answers chose."""
    out = []
    for view in adapter.clause_views(library()):
        if view.mandatory:
            continue
        ticked = view.id in prefilled.clauses if prefilled is not None else bool(view.required)
        out.append({view.id: view.title, "default": ticked, "help": view.summary})
    return out


def mandatory_clauses() -> list[adapter.ClauseView]:
    return [v for v in adapter.clause_views(library()) if v.mandatory]


def required_clauses() -> list[adapter.ClauseView]:
    return [v for v in adapter.clause_views(library()) if v.required]


def chosen_ids(ticked: Any) -> list[str]:
    """Every clause going into the agreement, in library order: the mandatory ones and the
    ticked ones (``ticked`` is the checkboxes' DADict or a plain mapping)."""
    picked = {k for k, v in dict(ticked.items()).items() if v}
    return [v.id for v in adapter.clause_views(library()) if v.mandatory or v.id in picked]


def omitted_required(ticked: Any, prefilled: Any = None) -> list[str]:
    """The clauses left out whose omission screen is asked: those the library says need a
    recorded reason and approver (no chosen clause carries the same WSR element), and those the
    earlier answers recorded an omission for (kept, so the same answers draft the same record)."""
    chosen = chosen_ids(ticked)
    ask = set(adapter.omissions_to_record(library(), chosen))
    if prefilled is not None:
        ask |= {cid for cid in prefilled.omit if cid not in chosen}
    return [v.id for v in adapter.clause_views(library()) if v.id in ask]


def alternative_choices(cid: str) -> list[dict[str, str]]:
    return [{a.name: f"{a.label} ({a.kind})"} for a in clause_view(cid).alternatives]


def default_for(prefilled: Any, cid: str, name: str, fallback: Any) -> Any:
    """A field's starting value: the earlier answers' if there are any, else the library's."""
    if prefilled is not None and cid in prefilled.clauses:
        values = prefilled.clauses[cid]["values"]
        if name in values:
            return values[name]
    return fallback


def field_list(
    cid: str, alternative: str, values_var: str, prefilled: Any = None
) -> list[dict[str, Any]]:
    """The docassemble ``fields`` for the variables ``alternative`` of ``cid`` uses, built from
    the library: label, help, datatype, bounds, choices and defaults."""
    out: list[dict[str, Any]] = []
    for fv in adapter.field_views(library(), cid, alternative):
        item: dict[str, Any] = {
            "label": fv.label,
            "field": f"{values_var}[{cid!r}][{fv.name!r}]",
            "datatype": fv.datatype,
        }
        help_text = fv.help
        if fv.floor:
            help_text = f"{help_text} WSR floor: {fv.floor}.".strip()
        if fv.columns:
            help_text = (
                f"{help_text} One row per line, comma-separated: {', '.join(fv.columns)}."
            ).strip()
        if help_text:
            item["help"] = help_text
        if fv.choices:
            item["choices"] = list(fv.choices)
        if fv.minimum is not None:
            item["min"] = float(fv.minimum)
        if fv.maximum is not None:
            item["max"] = float(fv.maximum)
        default = default_for(prefilled, cid, fv.name, fv.default)
        if default is not None:
            item["default"] = default
        item["required"] = fv.required and default is None
        out.append(item)
    return out


def prefilled_party(prefilled: Any, role: str, index: int, key: str) -> str:
    """The ``index``-th party with ``role`` in the earlier answers: its ``key``, or ""."""
    if prefilled is None:
        return ""
    same = [p for p in prefilled.parties if p.get("role") == role]
    return str(same[index].get(key) or "") if index < len(same) else ""


def prefilled_count(prefilled: Any, role: str) -> int:
    if prefilled is None:
        return 0
    return sum(1 for p in prefilled.parties if p.get("role") == role)


def prefilled_supplier(prefilled: Any, index: int, key: str) -> str:
    if prefilled is None or index >= len(prefilled.suppliers):
        return ""
    return str(prefilled.suppliers[index].get(key) or "")


def prefilled_override(prefilled: Any, cid: str, key: str) -> str:
    if prefilled is None or cid not in prefilled.clauses:
        return ""
    override = prefilled.clauses[cid].get("override") or {}
    return str(override.get(key) or "")


def prefilled_omission(prefilled: Any, cid: str, key: str) -> str:
    if prefilled is None:
        return ""
    return str(prefilled.omit.get(cid, {}).get(key) or "")


def override_dict(chosen: list[str], reasons: Any, approvers: Any) -> dict[str, dict[str, str]]:
    """The overrides given for the chosen clauses (a clause left and re-entered keeps none)."""
    return {
        cid: {"reason": str(reasons[cid]), "approved_by": str(approvers[cid])}
        for cid in chosen
        if cid in reasons and cid in approvers
    }


def omission_dict(omitted: list[str], reasons: Any, approvers: Any) -> dict[str, dict[str, str]]:
    """The omissions recorded with both a reason and an approver (both blank: none)."""
    return {
        cid: {"reason": str(reasons[cid]).strip(), "approved_by": str(approvers[cid]).strip()}
        for cid in omitted
        if cid in reasons
        and cid in approvers
        and (str(reasons[cid]).strip() or str(approvers[cid]).strip())
    }


def validate_omission(reason: Any, approver: Any) -> bool:
    """Both or neither: an omission record needs a reason and who approved it."""
    if str(reason or "").strip() and not str(approver or "").strip():
        _fail("Say who approved leaving the clause out, or clear the reason.", None)
    if str(approver or "").strip() and not str(reason or "").strip():
        _fail("Give the reason for leaving the clause out, or clear the approver.", None)
    return True


# The review screen shows the report and the agreement as HTML made here, not as Markdown:
# docassemble runs its own Markdown and SmartyPants over a screen's text, which lost the
# report's tables (the ``---`` of a table's rule became dashes) and stacked its title under
# the screen's own heading. A raw HTML block passes through docassemble's Markdown untouched.
# The screen's question is the page's <h1>, so each document's title is an <h2> and its parts
# <h3>; Bootstrap draws a plain <h2> larger than docassemble's question heading, so they take
# the sizes of h4/h5, and tables the classes docassemble gives its own Markdown tables. Its
# blockquote is display-sized too; the commentary quoted in the report reads at text size.
_LOOK = {
    "<blockquote>": '<blockquote class="border-start ps-3" style="font-size: 1rem">',
    "<p>": '<p class="text-break">',
    "<h2>": '<h2 class="h4">',
    "<h3>": '<h3 class="h5">',
    "<table>": '<table class="table table-sm table-striped">',
}


# What docassemble reads as markup even inside an HTML block: emphasis (a signature line's
# ``______`` became italics), code, escapes, and its own ``[FILE ...]``/``[NBSP]``-style tags and
# ``[[terms]]``, which it replaces before Markdown runs. In the text between tags each becomes
# its character reference, which the browser shows as the character itself.
_MARKUP = {"_": "&#95;", "*": "&#42;", "`": "&#96;", "\\": "&#92;", "[": "&#91;", "]": "&#93;"}
_TEXT_MARKUP = re.compile(r"(<[^>]*>)|([_*`\\\[\]])")


def inert(fragment: str) -> str:
    """``fragment`` with every character docassemble would take as markup, outside the tags,
    written as a character reference."""
    return _TEXT_MARKUP.sub(lambda m: m.group(1) or _MARKUP[m.group(2)], fragment)


def _styled(fragment: str, kind: str) -> str:
    for plain, styled in _LOOK.items():
        fragment = fragment.replace(plain, styled)
    return f'<div class="wsr-{kind}">\n{inert(fragment)}</div>'


def report_html(report: Any) -> str:
    """The deviation report as one HTML block for the review screen."""
    return _styled(report.to_html(top=2), "report")


def agreement_html(agreement: Any) -> str:
    """The assembled agreement as one HTML block for the review screen."""
    from clauses.render.html import render_html

    return _styled(render_html(agreement, top=2), "agreement")


def initial_alternative(prefilled: Any, cid: str) -> str:
    if prefilled is not None and cid in prefilled.clauses:
        return str(prefilled.clauses[cid]["alternative"])
    return "standard"


# -- validation: the library's messages on the field that caused them ------------------------


def _fail(message: str, field: str | None) -> None:
    from docassemble.base.util import validation_error

    validation_error(message, field=field)


def check_values(cid: str, alternative: str, values: Any) -> adapter.ClauseCheck:
    return adapter.check_clause(library(), cid, alternative, dict(values))


def validate_clause(cid: str, alternative: str, values: Any, values_var: str) -> bool:
    """``validation code`` of the clause screen: the first refusal, on its own field."""
    check = check_values(cid, alternative, values)
    for name, message in check.problems.items():
        _fail(message, f"{values_var}[{cid!r}][{name!r}]")
    return True


def breaches(cid: str, alternative: str, values: Any) -> dict[str, str]:
    return check_values(cid, alternative, values).breaches


def validate_agreement(values: dict[str, Any], names: dict[str, str]) -> bool:
    """``names`` maps each agreement field the screen asks to its interview variable; the
    library's verdicts on other fields wait for their own screen."""
    for key, message in adapter.check_agreement(values).items():
        if key in names:
            _fail(message, names[key])
    return True


def validate_parties(parties: list[dict[str, Any]]) -> bool:
    for path, message in adapter.check_parties(parties).items():
        _fail(f"{path}: {message}", None)
    return True


def validate_supplier(items: Any, index: int) -> bool:
    """One supplier screen: the library's reader on the list so far (duplicates included)."""
    rows = supplier_dicts(items[: index + 1])
    for path, message in adapter.check_suppliers(rows).items():
        if path.startswith(f"suppliers[{index}]"):
            field = path.rsplit(".", 1)[-1] if "." in path else None
            _fail(message, f"suppliers[{index}].{field}" if field else None)
    return True


def suppliers_from_csv_file(upload: Any) -> list[dict[str, str]]:
    """The rows of an uploaded supplier CSV; a refused file fails the upload screen with the
    library's messages (``row N (field): message``)."""
    text = _file_text(upload)
    try:
        return adapter.suppliers_from_csv(text)
    except InputError as exc:
        _fail("; ".join(f"{p.path}: {p.message}" for p in exc.problems), None)
        return []


def _file_text(upload: Any) -> str:
    if upload is None:
        return ""
    item = upload[0] if hasattr(upload, "__getitem__") and not isinstance(upload, str) else upload
    return str(item.slurp())


def earlier_answers_text(upload: Any, pasted: Any) -> str:
    text = _file_text(upload) if upload else ""
    return text or str(pasted or "")


def check_earlier(text: str) -> bool:
    """The earlier answers must be a file ``wsr draft`` accepts; else its problems, listed."""
    problems = earlier_refusals(text)
    if problems:
        _fail("; ".join(problems), None)
    return True


def earlier_refusals(text: str) -> list[str]:
    """What is wrong with the earlier answers, as lines (none when ``wsr draft`` takes them)."""
    if not text.strip():
        return ["Upload the answers file or paste its text."]
    try:
        adapter.prefill(text, library())
    except InputError as exc:
        return problems_text(exc)
    return []


def problems_text(exc: InputError) -> list[str]:
    return [f"{p.path}: {p.message}" for p in exc.problems]


# -- answers, draft, files, tracking ---------------------------------------------------------


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for f in fields:
        value = getattr(obj, f, None) if not isinstance(obj, dict) else obj.get(f)
        if value not in (None, ""):
            out[f] = str(value).strip()
    return out


PARTY_KEYS = ("role", "name", "address", "email", "signatory", "signatory_title")
SUPPLIER_KEYS = ("id", "name", "country")


def party_dicts(buyer: Any, worker_orgs: Any, monitor: Any) -> list[dict[str, Any]]:
    out = [{**_plain(buyer, PARTY_KEYS), "role": "buyer"}]
    out += [{**_plain(w, PARTY_KEYS), "role": "worker_organization"} for w in worker_orgs]
    out.append({**_plain(monitor, PARTY_KEYS), "role": "monitor"})
    return out


def supplier_dicts(items: Any) -> list[dict[str, Any]]:
    return [_plain(s, SUPPLIER_KEYS) for s in items]


def answers_for(
    agreement: dict[str, Any],
    parties: list[dict[str, Any]],
    suppliers: list[dict[str, Any]],
    chosen: list[str],
    alternatives: Any,
    values: Any,
    overrides: dict[str, dict[str, str]],
    omissions: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """The answers mapping ``wsr draft`` reads, from the interview's variables."""
    clauses = {
        cid: {
            "alternative": alternatives[cid],
            "values": dict(values[cid]) if cid in values else {},
            "override": overrides.get(cid),
        }
        for cid in chosen
    }
    return adapter.answers_mapping(
        library(),
        agreement=agreement,
        parties=parties,
        suppliers=suppliers,
        clauses=clauses,
        omit=omissions or None,
    )


def draft_for(mapping: dict[str, Any]) -> tuple[adapter.Draft | None, list[str]]:
    """The drafted agreement, or the library's problems as ``<path>: <message>`` lines."""
    try:
        return adapter.draft(mapping, library()), []
    except InputError as exc:
        return None, problems_text(exc)


def pdf_available() -> bool:
    """PDFs are offered where LibreOffice is installed, unless ``wsr: pdf: false`` (or
    WSR_INTERVIEW_PDF=0) turns them off."""
    if _config("pdf") is False or os.environ.get("WSR_INTERVIEW_PDF") == "0":
        return False
    from clauses import ToolMissing
    from clauses.render.pdf import soffice_path

    try:
        soffice_path()
    except ToolMissing:
        return False
    return True


def make_files(result: adapter.Draft, answers_text: str) -> dict[str, Any]:
    """Render every download and keep each as a docassemble file (``DAFile``)."""
    from docassemble.base.util import DAFile

    folder = Path(tempfile.mkdtemp(prefix="wsr-interview-"))
    paths = adapter.render_files(
        result, folder, now=datetime.now(UTC), pdf=pdf_available(), stem="agreement"
    )
    answers = folder / "answers.yaml"
    answers.write_text(answers_text, encoding="utf-8")
    paths["answers"] = answers
    files: dict[str, Any] = {}
    for kind, path in paths.items():
        da_file = DAFile(f"wsr_files_{kind}")
        da_file.initialize(filename=path.name)
        da_file.copy_into(str(path))
        da_file.commit()
        files[kind] = da_file
    return files


def register_agreement(agreement_json: str, signed_on: Any) -> tuple[str, int, list[str]]:
    """Track the executed agreement in the configured database: (id, obligations, notes), or
    ("", 0, what went wrong) when no database is configured or the engine refuses it."""
    from clauses import Agreement
    from obligations import ObligationService, open_store

    url = database_url()
    if not url:
        return (
            "",
            0,
            [
                "wsr: database url: no tracking database is configured; set `database url` under "
                "`wsr:` in the docassemble configuration (or WSR_DATABASE_URL), or register the "
                "downloaded record with `wsr track`"
            ],
        )
    day = signed_on.date() if isinstance(signed_on, datetime) else signed_on
    agreement = Agreement.from_json(agreement_json)
    try:
        store = open_store(url)
        try:
            with store.transaction():
                result = ObligationService(store, actor="docassemble interview").track(
                    agreement, signed_on=day, now=datetime.now(UTC)
                )
        finally:
            store.engine.dispose()
    except EngineError as exc:
        lines = [f"{p.path}: {p.message}" for p in getattr(exc, "problems", ())] or [str(exc)]
        return "", 0, lines
    return result.agreement_id, result.obligations, list(result.notes)
