"""Answers: the negotiator's choices, validated against the library into typed values.

An answers file (YAML or JSON) or mapping says who the parties are, which suppliers are
covered, and for each clause which alternative and which variable values. Validation collects
*every* problem (a negotiator fixing a file one error at a time is wasted hours) and names
each by a dotted path such as ``clauses.premium.rate``. Values below a WSR floor are refused
unless the clause carries an explicit, recorded override.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ._agreement import PartyRec, SupplierRec, WarningRec
from ._codes import COUNTRIES, CURRENCIES
from ._constraints import agreement_findings
from ._dates import zone_problem
from ._exceptions import InputError, Problem
from ._formula import FormulaError, formula_names
from ._frozen import Frozen
from ._inputfile import InputKind
from ._library import Library, display_path, read_document
from ._paper import Paper, default_paper
from ._schema import ClauseDef, ObligationSpec, Severity, VariableDef
from ._templating import template_names
from ._text import identifier_problem, walk_texts
from ._variables import _Bad, coerce, describe, floor_breach, to_date
from ._vocabulary import PARTY_ROLES

LITERAL_PERIODS = frozenset({"weekly", "monthly", "quarterly", "annually"})
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
SECTIONS = ("agreement", "parties", "suppliers", "clauses", "omit")
AGREEMENT_FIELDS = (
    "title",
    "effective_date",
    "timezone",
    "currency",
    "governing_law",
    "sector",
    "paper",
)
#: the sectors whose code-of-conduct minimums the library knows; ``other`` is the default,
#: with minimums that hold in any workplace
SECTORS = ("agriculture", "dairy", "garment", "other")
DEFAULT_SECTOR = "other"
PARTY_FIELDS = ("role", "name", "address", "email", "signatory")
#: optional party fields: the signatory's title or capacity, printed in the signature block
OPTIONAL_PARTY_FIELDS = ("signatory_title",)
# -- issue 10 (notices): where and in which language a party is served notices ----------------
#: ``notice_emails``: further notice addresses, tried in order when a notice to ``email``
#: bounces; ``language``: the language of the notices the party gets (default English)
NOTICE_PARTY_FIELDS = ("notice_emails", "language")
NOTICE_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
#: the longest title a DOCX core property (``dc:title``) holds
MAX_TITLE = 255
#: the most parties an agreement may have: the preamble letters them (a) to (z)
MAX_PARTIES = 26
SUPPLIER_FIELDS = ("id", "name", "country")


@dataclass(frozen=True, kw_only=True)
class AgreementInfo(Frozen):
    title: str
    effective_date: date
    timezone: str
    currency: str
    governing_law: str
    sector: str = DEFAULT_SECTOR
    paper: Paper = Paper.LETTER


@dataclass(frozen=True, kw_only=True)
class Override(Frozen):
    """Explicit approval to draft a clause with a value past its WSR floor."""

    reason: str
    approved_by: str


@dataclass(frozen=True, kw_only=True)
class ClauseChoice(Frozen):
    alternative: str = "standard"
    variables: dict[str, Any]  # typed values: Decimal, int, date, bool, str, list[dict], None
    override: Override | None = None


@dataclass(frozen=True, kw_only=True)
class Answers(Frozen):
    agreement: AgreementInfo
    parties: list[PartyRec]
    suppliers: list[SupplierRec]
    clauses: dict[str, ClauseChoice]  # in library order
    #: clause id -> why it is left out and who approved
    omissions: dict[str, Override] = field(default_factory=dict)
    #: what reading the answers found that counsel must see
    notes: list[WarningRec] = field(default_factory=list)

    def as_standard(self, lib: Library) -> Answers:
        """The same agreement with every clause on its standard text and standard defaults.

        This is the baseline a redline compares against: what the worker organization's
        model text would have said for the same parties and suppliers.
        """
        out: dict[str, ClauseChoice] = {}
        for cid, choice in self.clauses.items():
            cdef = lib.get(cid)
            std = cdef.alternatives["standard"]
            values: dict[str, Any] = {}
            for name, vdef in cdef.variables.items():
                raw = std.defaults.get(name, vdef.default)
                if raw is not None:
                    typed, probs = coerce(vdef, raw, name)
                    if not probs:
                        values[name] = typed
                        continue
                if name in choice.variables:
                    values[name] = choice.variables[name]
                elif not vdef.required:
                    values[name] = None
            out[cid] = ClauseChoice(alternative="standard", variables=values, override=None)
        return self.model_copy(update={"clauses": out})


# -- which variables an alternative uses ------------------------------------------------


def spec_names(spec: ObligationSpec) -> set[str]:
    """Names an obligation spec may take from clause variables (before intersecting)."""
    names: set[str] = set()
    ends = spec.ends
    for v in (
        spec.deadline.days,
        spec.deadline.months,
        spec.grace_days,
        *((ends.days, ends.months) if ends is not None else ()),
    ):
        if isinstance(v, str):
            names.add(v)
    if spec.cure is not None and isinstance(spec.cure.days, str) and "." not in spec.cure.days:
        names.add(spec.cure.days)  # <clause>.<variable> is another clause's (`Cure`)
    accrue = spec.accrue
    for period in (spec.trigger.every, accrue.per if accrue is not None else None):
        if period is not None and period not in LITERAL_PERIODS:
            names.add(period)
    if accrue is not None and accrue.unit_variable is not None:
        names.add(accrue.unit_variable)
    if spec.amount is not None:
        try:
            names |= formula_names(spec.amount.formula)
        except FormulaError:
            pass
    return names


def active_specs(cdef: ClauseDef, alternative: str) -> list[ObligationSpec]:
    wanted = cdef.alternatives[alternative].obligations
    if wanted is None:
        return list(cdef.obligations)
    return [s for s in cdef.obligations if s.id in wanted]


def _safe_names(source: str) -> set[str]:
    try:
        return template_names(source)
    except Exception:  # a syntax error is reported by the checker / at render time
        return set()


def applicable_variables(cdef: ClauseDef, alternative: str) -> set[str]:
    """Declared variables used by the alternative's text, the defines and its active specs."""
    names = _safe_names(cdef.alternatives[alternative].text)
    for d in cdef.defines:
        names |= _safe_names(d.definition)
    for spec in active_specs(cdef, alternative):
        names |= spec_names(spec)
    return names & set(cdef.variables)


# -- reading ------------------------------------------------------------------------------


def read_answers_file(path: Path) -> Any:
    """The parsed answers file: a regular file within its size limit (``_inputfile``), YAML or
    JSON with no key given twice, no text a document cannot hold and no absurd nesting."""
    return read_document(path, InputKind.ANSWERS, where=display_path(path))


def refuse_bad_text(data: Any) -> None:
    """InputError naming every string (or key) that no document can hold, and any nesting past
    the limit, in parsed answers; one pass over the whole document, before any field is read."""
    problems = [Problem(path, message) for path, message in walk_texts(data)]
    if problems:
        raise InputError(problems)


def _text(value: Any, path: str, problems: list[Problem]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(
            Problem(
                path, "required (non-empty text)" if value is None else "must be non-empty text"
            )
        )
        return ""
    return value.strip()


def _mapping(
    value: Any, path: str, fields: tuple[str, ...], problems: list[Problem]
) -> dict[str, Any]:
    if not isinstance(value, dict):
        problems.append(Problem(path, f"must be a mapping with: {', '.join(fields)}"))
        return {}
    expected = ", ".join(fields)
    problems.extend(
        Problem(f"{path}.{key}", f"unknown field (expected: {expected})")
        for key in value
        if key not in fields
    )
    return value


def _agreement(raw: Any, problems: list[Problem]) -> AgreementInfo | None:
    if raw is None:
        problems.append(Problem("agreement", "required"))
        return None
    data = _mapping(raw, "agreement", AGREEMENT_FIELDS, problems)
    if not data:
        return None
    n = len(problems)
    title = _text(data.get("title"), "agreement.title", problems)
    if len(title) > MAX_TITLE:
        problems.append(
            Problem(
                "agreement.title",
                f"at most {MAX_TITLE} characters (the document's title property holds no more); "
                f"this one has {len(title)}",
            )
        )
    law = _text(data.get("governing_law"), "agreement.governing_law", problems)
    paper = data.get("paper")
    if paper is None:
        paper = default_paper(law)
    elif paper not in {p.value for p in Paper}:
        problems.append(
            Problem(
                "agreement.paper",
                f"unknown paper size {describe(paper)} (choose letter or a4)",
            )
        )
    eff: date | None = None
    if data.get("effective_date") is None:
        problems.append(Problem("agreement.effective_date", "required"))
    else:
        try:
            eff = to_date(data["effective_date"])
        except _Bad as bad:
            problems.append(Problem("agreement.effective_date", bad.message))
    tz = data.get("timezone")
    if tz is None:
        problems.append(Problem("agreement.timezone", "required"))
    elif (bad_zone := zone_problem(tz)) is not None:
        problems.append(Problem("agreement.timezone", bad_zone))
    cur = data.get("currency")
    if cur is None:
        problems.append(Problem("agreement.currency", "required"))
    elif not isinstance(cur, str) or cur not in CURRENCIES:
        hint = ""
        if isinstance(cur, str) and cur.upper() in CURRENCIES:
            hint = f" (write it in capitals: {cur.upper()})"
        problems.append(
            Problem("agreement.currency", f"unknown ISO 4217 currency code {describe(cur)}{hint}")
        )
    sector = data.get("sector")
    if sector is None:
        sector = DEFAULT_SECTOR
    elif not isinstance(sector, str) or sector not in SECTORS:
        problems.append(
            Problem(
                "agreement.sector",
                f"unknown sector {describe(sector)} (choose one of: {', '.join(SECTORS)})",
            )
        )
    if len(problems) > n or eff is None:
        return None
    assert isinstance(tz, str) and isinstance(cur, str)
    return AgreementInfo(
        title=title,
        effective_date=eff,
        timezone=tz,
        currency=cur,
        governing_law=law,
        sector=sector,
        paper=Paper(paper),
    )


def _parties(raw: Any, problems: list[Problem]) -> list[PartyRec]:
    if raw is None:
        problems.append(
            Problem("parties", "required: the buyer, the worker organization(s) and the monitor")
        )
        return []
    if not isinstance(raw, list):
        problems.append(Problem("parties", "must be a list of parties"))
        return []
    if len(raw) > MAX_PARTIES:
        problems.append(
            Problem(
                "parties",
                f"at most {MAX_PARTIES} parties (the agreement letters them (a) to (z)); "
                f"this one has {len(raw)}: sign the others up through a joinder",
            )
        )
        return []
    out: list[PartyRec] = []
    roles: list[str] = []
    for i, item in enumerate(raw):
        path = f"parties[{i}]"
        data = _mapping(
            item, path, PARTY_FIELDS + OPTIONAL_PARTY_FIELDS + NOTICE_PARTY_FIELDS, problems
        )
        if not data:
            continue
        n = len(problems)
        fields: dict[str, Any] = {
            f: _text(data.get(f), f"{path}.{f}", problems) for f in PARTY_FIELDS
        }
        for f in OPTIONAL_PARTY_FIELDS:
            if data.get(f) is not None:
                fields[f] = _text(data.get(f), f"{path}.{f}", problems)
        role = data.get("role")
        if isinstance(role, str) and role.strip() and role not in PARTY_ROLES:
            problems.append(
                Problem(
                    f"{path}.role",
                    f"unknown role {role!r} (choose one of: {', '.join(sorted(PARTY_ROLES))})",
                )
            )
        if fields["email"] and not EMAIL.match(fields["email"]):
            problems.append(Problem(f"{path}.email", f"not an e-mail address: {fields['email']!r}"))
        fields.update(_notice_fields(data, path, problems))
        if isinstance(role, str):
            roles.append(role)
        if len(problems) == n:
            out.append(PartyRec(**fields))
    for role, rule in (
        ("buyer", "exactly one"),
        ("monitor", "exactly one"),
        ("worker_organization", "at least one"),
    ):
        count = roles.count(role)
        if (rule == "exactly one" and count != 1) or (rule == "at least one" and count < 1):
            problems.append(Problem("parties", f"needs {rule} {role} (found {count})"))
    return out


def _notice_fields(data: dict[str, Any], path: str, problems: list[Problem]) -> dict[str, Any]:
    """A party's optional notice addresses and language (issue 10)."""
    out: dict[str, Any] = {}
    extra = data.get("notice_emails")
    if extra is not None:
        if not isinstance(extra, list) or not all(isinstance(e, str) for e in extra):
            problems.append(Problem(f"{path}.notice_emails", "must be a list of e-mail addresses"))
        else:
            for j, e in enumerate(extra):
                if not EMAIL.match(e.strip()):
                    problems.append(
                        Problem(f"{path}.notice_emails[{j}]", f"not an e-mail address: {e!r}")
                    )
            out["notice_emails"] = [e.strip() for e in extra]
    language = data.get("language")
    if language is not None:
        if not isinstance(language, str) or not NOTICE_LANGUAGE.match(language):
            problems.append(
                Problem(f"{path}.language", f"not a language code such as en or es: {language!r}")
            )
        else:
            out["language"] = language
    return out


def _suppliers(raw: Any, problems: list[Problem]) -> list[SupplierRec]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(Problem("suppliers", "must be a list of suppliers"))
        return []
    out: list[SupplierRec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        path = f"suppliers[{i}]"
        data = _mapping(item, path, SUPPLIER_FIELDS, problems)
        if not data:
            continue
        n = len(problems)
        fields = {f: _text(data.get(f), f"{path}.{f}", problems) for f in SUPPLIER_FIELDS}
        if fields["id"] and (bad_id := identifier_problem(fields["id"])) is not None:
            problems.append(Problem(f"{path}.id", bad_id))
        elif fields["id"]:
            if fields["id"] in seen:
                problems.append(Problem(f"{path}.id", f"duplicate supplier id {fields['id']!r}"))
            seen.add(fields["id"])
        if fields["country"] and fields["country"] not in COUNTRIES:
            problems.append(
                Problem(
                    f"{path}.country",
                    f"unknown ISO 3166 alpha-2 country code {fields['country']!r}",
                )
            )
        if len(problems) == n:
            out.append(SupplierRec(**fields))
    return out


def _override(raw: Any, path: str, problems: list[Problem]) -> Override | None:
    if raw is None:
        return None
    data = _mapping(raw, path, ("reason", "approved_by"), problems)
    if not data:
        return None
    n = len(problems)
    reason = _text(data.get("reason"), f"{path}.reason", problems)
    by = _text(data.get("approved_by"), f"{path}.approved_by", problems)
    return Override(reason=reason, approved_by=by) if len(problems) == n else None


def _default(cdef: ClauseDef, alternative: str, name: str) -> Any:
    alt = cdef.alternatives[alternative]
    return alt.defaults.get(name, cdef.variables[name].default)


def _clause(
    cdef: ClauseDef, raw: Any, problems: list[Problem], extra: Mapping[str, Any] | None = None
) -> ClauseChoice | None:
    """One clause's choices; ``extra`` are values a retired alternative elsewhere moved here
    (used only where the answers do not set the variable themselves)."""
    base = f"clauses.{cdef.id}"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(Problem(base, "must be a mapping: alternative, variables, override"))
        return None
    n = len(problems)
    alt = raw.get("alternative", "standard")
    if alt is None:
        alt = "standard"
    if isinstance(alt, str) and alt in cdef.retired_alternatives:
        alt = cdef.retired_alternatives[alt].becomes
    if extra:
        raw = {**{k: v for k, v in extra.items() if k not in raw}, **raw}
    if not isinstance(alt, str) or alt not in cdef.alternatives:
        problems.append(
            Problem(
                f"{base}.alternative",
                f"unknown alternative {describe(alt)} "
                f"(choose one of: {', '.join(cdef.alternatives)})",
            )
        )
        return None
    override = _override(raw.get("override"), f"{base}.override", problems)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("alternative", "override"):
            continue
        path = f"{base}.{key}"
        vdef = cdef.variables.get(key) if isinstance(key, str) else None
        if vdef is None:
            if not str(key).isprintable():  # a line break in a key must not split the line
                path = f"{base}[{str(key)!r}]"
            problems.append(Problem(path, "unknown variable"))
            continue
        if value is None:
            continue
        typed, probs = coerce(vdef, value, path)
        problems.extend(probs)
        if not probs:
            values[key] = typed
    for name in sorted(applicable_variables(cdef, alt)):
        if name in values:
            continue
        vdef = cdef.variables[name]
        default = _default(cdef, alt, name)
        if default is not None:
            typed, probs = coerce(vdef, default, f"{base}.{name}")
            problems.extend(
                Problem(p.path, f"library default is invalid: {p.message}") for p in probs
            )
            values[name] = typed
        elif vdef.required:
            problems.append(Problem(f"{base}.{name}", "required"))
        else:
            values[name] = None
    if len(problems) > n:
        return None
    breaches = floor_breaches(cdef, values)
    if breaches and override is None:
        problems.extend(
            Problem(
                f"{base}.{name}",
                f"{msg}; record an override with {base}.override.reason and .approved_by "
                "to draft below the floor",
            )
            for name, msg in breaches.items()
        )
    if override is not None and not breaches:
        problems.append(
            Problem(f"{base}.override", "override given but no variable is below its floor")
        )
    if len(problems) > n:
        return None
    ordered = {k: values[k] for k in cdef.variables if k in values}
    return ClauseChoice(alternative=alt, variables=ordered, override=override)


def floor_breaches(cdef: ClauseDef, values: Mapping[str, Any]) -> dict[str, str]:
    """Variable name → how its value goes past the floor, for every variable that does."""
    out: dict[str, str] = {}
    for name, value in values.items():
        vdef: VariableDef | None = cdef.variables.get(name)
        if vdef is None:
            continue
        msg = floor_breach(vdef, value)
        if msg:
            out[name] = msg
    return out


def _clauses(
    raw: Any, lib: Library, problems: list[Problem]
) -> tuple[dict[str, ClauseChoice], list[WarningRec]]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(Problem("clauses", "must be a mapping of clause id to choices"))
        raw = {}
    known = ", ".join(lib.clauses)
    problems.extend(
        Problem(
            f"clauses.{key}",
            f"unknown clause id {describe(key) if not isinstance(key, str) else repr(key)} "
            f"(known: {known})",
        )
        for key in raw
        if not isinstance(key, str) or key not in lib.clauses
    )
    moved, notes = _retired(raw, lib)
    out: dict[str, ClauseChoice] = {}
    for cid, cdef in lib.clauses.items():
        if cid not in raw and not cdef.mandatory and cid not in moved:
            continue
        choice = _clause(cdef, raw.get(cid), problems, moved.get(cid))
        if choice is not None:
            out[cid] = choice
    return out, notes


def _retired(
    raw: Mapping[Any, Any], lib: Library
) -> tuple[dict[str, dict[str, Any]], list[WarningRec]]:
    """Values that retired alternatives move to other clauses, and a note for each use."""
    moved: dict[str, dict[str, Any]] = {}
    notes: list[WarningRec] = []
    for cid, cdef in lib.clauses.items():
        choice = raw.get(cid)
        alt = choice.get("alternative") if isinstance(choice, dict) else None
        if not isinstance(alt, str) or alt not in cdef.retired_alternatives:
            continue
        retired = cdef.retired_alternatives[alt]
        if retired.moved_to is not None:
            moved.setdefault(retired.moved_to, {}).update(retired.sets)
        notes.append(WarningRec(path=f"clauses.{cid}.alternative", message=retired.note))
    return moved, notes


def _omissions(
    raw: Any, lib: Library, included: Mapping[str, ClauseChoice], problems: list[Problem]
) -> dict[str, Override]:
    """``omit: {clause_id: {reason, approved_by}}``: why a clause type is left out, and who
    agreed. An omission of a clause that is also included (or is always included) is an error,
    because the record would then say two opposite things."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(Problem("omit", "must be a mapping of clause id to {reason, approved_by}"))
        return {}
    out: dict[str, Override] = {}
    for key, value in raw.items():
        path = f"omit.{key}"
        if not isinstance(key, str) or key not in lib.clauses:
            problems.append(
                Problem(
                    path, f"unknown clause id {describe(key)} (known: {', '.join(lib.clauses)})"
                )
            )
            continue
        if lib.clauses[key].mandatory:
            problems.append(Problem(path, f"{key!r} is in every agreement and cannot be left out"))
            continue
        if key in included:
            problems.append(
                Problem(
                    path,
                    f"{key!r} is also included under clauses.{key}; remove one of the two",
                )
            )
            continue
        if value is None:
            problems.append(Problem(path, "needs reason and approved_by"))
            continue
        got = _override(value, path, problems)
        if got is not None:
            out[key] = got
    return out


def contradictions(lib: Library, clauses: Mapping[str, ClauseChoice]) -> list[Problem]:
    """Error-level constraints the chosen values break (``_constraints``): refuse the draft."""
    return [f.problem() for f in agreement_findings(lib, clauses) if f.severity is Severity.ERROR]


def parse_answers(source: Path | Mapping[str, Any], lib: Library) -> Answers:
    """Validate answers against ``lib``; raise InputError listing every problem found."""
    if isinstance(source, str | Path):
        data: Any = read_answers_file(Path(source))
    else:
        data = source
        refuse_bad_text(data)
    if not isinstance(data, Mapping):
        raise InputError.single("answers", f"must be a mapping with: {', '.join(SECTIONS)}")
    problems: list[Problem] = [
        Problem(
            str(key) if str(key).strip() else f"answers[{key!r}]",
            f"unknown section (expected: {', '.join(SECTIONS)})",
        )
        for key in data
        if key not in SECTIONS
    ]
    info = _agreement(data.get("agreement"), problems)
    parties = _parties(data.get("parties"), problems)
    suppliers = _suppliers(data.get("suppliers"), problems)
    clauses, notes = _clauses(data.get("clauses"), lib, problems)
    omissions = _omissions(data.get("omit"), lib, clauses, problems)
    problems.extend(contradictions(lib, clauses))
    if problems or info is None:
        raise InputError(problems or [Problem("agreement", "required")])
    return Answers(
        agreement=info,
        parties=parties,
        suppliers=suppliers,
        clauses=clauses,
        omissions=omissions,
        notes=notes,
    )
