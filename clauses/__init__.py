"""Drafting: the clause library, validated answers, and agreement assembly and rendering.

Never imports docassemble, the CLI, the web console or the obligations package.

Every public name is imported from its module on first use (PEP 562 ``__getattr__`` over the
``_LAZY`` table): start-up is part of every command, and ``wsr draft`` should not pay for the
library checker, the standard-text comparison or the upgrade path it never runs.
"""

from __future__ import annotations

import typing as _typing

from ._lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:  # what mypy and editors see; at run time, `_LAZY` below
    from ._agreement import (
        SCHEMA_VERSION,
        Agreement,
        BoundDeadline,
        BoundSpec,
        DefinedTermRec,
        OmissionRec,
        OverrideRec,
        ParagraphRec,
        PartyRec,
        SectionRec,
        SupplierRec,
        WarningRec,
        seal,
    )
    from ._answers import AgreementInfo, Answers, ClauseChoice, Override, parse_answers
    from ._assemble import assemble
    from ._atomic import atomic_outputs, atomic_write, check_out_path
    from ._canonical import canonical_json
    from ._check import check_library, constraint_summary
    from ._compare import compare_to_standard
    from ._completeness import require_complete
    from ._dates import FIRST_DAY, LAST_DAY, day_problem, instant_problem, zone_problem
    from ._exceptions import (
        Conflict,
        EngineError,
        InputError,
        InvalidTransition,
        LibraryError,
        NotFound,
        Problem,
        TemplateError,
        ToolMissing,
    )
    from ._frozen import error_message
    from ._inputfile import LIMITS, InputKind, read_input, read_input_text
    from ._kinds import ObligationKind
    from ._library import Library, load_library, read_document
    from ._numbers import PRECISION, BadNumber, NumberKind, read_int, read_number
    from ._schema import (
        Alternative,
        AlternativeKind,
        ClauseDef,
        ObligationSpec,
        PowerSpec,
        Trigger,
        VariableDef,
        VarType,
        WsrElement,
        library_json_schema,
    )
    from ._text import MAX_IDENTIFIER, MAX_RECORD_TEXT, identifier_problem, text_problem
    from ._variables import describe_floor, fmt_decimal, to_json_value
    from ._vocabulary import (
        EVENT_FIELDS,
        EVENT_REQUIRED,
        EVENTS,
        PARTY_ROLES,
        RULE_KEYWORDS,
        SPEC_ROLES,
        UNITS,
        EventType,
        FieldType,
        Role,
    )

#: public name -> the module defining it (``module:name`` where the name differs), imported
#: on first use (PEP 562): a command pays only for the modules it touches. One name per line.
_LAZY: dict[str, str] = {
    "SCHEMA_VERSION": "._agreement",
    "Agreement": "._agreement",
    "BoundDeadline": "._agreement",
    "BoundSpec": "._agreement",
    "DefinedTermRec": "._agreement",
    "OmissionRec": "._agreement",
    "OverrideRec": "._agreement",
    "ParagraphRec": "._agreement",
    "PartyRec": "._agreement",
    "SectionRec": "._agreement",
    "SupplierRec": "._agreement",
    "WarningRec": "._agreement",
    "canonical_json": "._canonical",
    "error_message": "._frozen",
    "seal": "._agreement",
    "AgreementInfo": "._answers",
    "Answers": "._answers",
    "ClauseChoice": "._answers",
    "Override": "._answers",
    "parse_answers": "._answers",
    "assemble": "._assemble",
    "atomic_outputs": "._atomic",
    "atomic_write": "._atomic",
    "check_out_path": "._atomic",
    "check_library": "._check",
    "constraint_summary": "._check",
    "compare_to_standard": "._compare",
    "require_complete": "._completeness",
    "FIRST_DAY": "._dates",
    "LAST_DAY": "._dates",
    "day_problem": "._dates",
    "instant_problem": "._dates",
    "zone_problem": "._dates",
    "Conflict": "._exceptions",
    "EngineError": "._exceptions",
    "InputError": "._exceptions",
    "InvalidTransition": "._exceptions",
    "LibraryError": "._exceptions",
    "NotFound": "._exceptions",
    "Problem": "._exceptions",
    "TemplateError": "._exceptions",
    "ToolMissing": "._exceptions",
    "LIMITS": "._inputfile",
    "InputKind": "._inputfile",
    "read_input": "._inputfile",
    "read_input_text": "._inputfile",
    "Library": "._library",
    "load_library": "._library",
    "read_document": "._library",
    "PRECISION": "._numbers",
    "BadNumber": "._numbers",
    "NumberKind": "._numbers",
    "read_int": "._numbers",
    "read_number": "._numbers",
    "Alternative": "._schema",
    "AlternativeKind": "._schema",
    "ClauseDef": "._schema",
    "ObligationKind": "._kinds",
    "ObligationSpec": "._schema",
    "PowerSpec": "._schema",
    "Trigger": "._schema",
    "VariableDef": "._schema",
    "VarType": "._schema",
    "WsrElement": "._schema",
    "library_json_schema": "._schema",
    "MAX_IDENTIFIER": "._text",
    "MAX_RECORD_TEXT": "._text",
    "identifier_problem": "._text",
    "text_problem": "._text",
    "describe_floor": "._variables",
    "fmt_decimal": "._variables",
    "to_json_value": "._variables",
    "EVENT_FIELDS": "._vocabulary",
    "EVENT_REQUIRED": "._vocabulary",
    "EVENTS": "._vocabulary",  # the event registry (the console generates its event forms from it)
    "PARTY_ROLES": "._vocabulary",
    "RULE_KEYWORDS": "._vocabulary",
    "SPEC_ROLES": "._vocabulary",
    "UNITS": "._vocabulary",
    "EventType": "._vocabulary",
    "FieldType": "._vocabulary",
    "Role": "._vocabulary",
}

# PEP 562: a name in _LAZY is imported from its module on first use (clauses._lazy)
__getattr__, __dir__ = _lazy_names(globals(), _LAZY)


__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_RECORD_TEXT",
    "day_problem",
    "instant_problem",
    "read_document",
    "zone_problem",
    "LIMITS",
    "MAX_IDENTIFIER",
    "PRECISION",
    "BadNumber",
    "InputKind",
    "NumberKind",
    "atomic_outputs",
    "atomic_write",
    "check_out_path",
    "identifier_problem",
    "read_input",
    "read_input_text",
    "read_int",
    "read_number",
    "text_problem",
    "AgreementInfo",
    "Answers",
    "ClauseChoice",
    "Library",
    "Override",
    "assemble",
    "check_library",
    "constraint_summary",
    "load_library",
    "parse_answers",
    "require_complete",
    "EVENT_FIELDS",
    "EVENT_REQUIRED",
    "EVENTS",
    "UNITS",
    "EventType",
    "FieldType",
    "PARTY_ROLES",
    "RULE_KEYWORDS",
    "SCHEMA_VERSION",
    "SPEC_ROLES",
    "Agreement",
    "Alternative",
    "AlternativeKind",
    "BoundDeadline",
    "BoundSpec",
    "ClauseDef",
    "Conflict",
    "DefinedTermRec",
    "EngineError",
    "InputError",
    "InvalidTransition",
    "LibraryError",
    "NotFound",
    "ObligationKind",
    "ObligationSpec",
    "OmissionRec",
    "OverrideRec",
    "ParagraphRec",
    "PartyRec",
    "PowerSpec",
    "Problem",
    "Role",
    "SectionRec",
    "SupplierRec",
    "TemplateError",
    "ToolMissing",
    "Trigger",
    "VarType",
    "VariableDef",
    "WarningRec",
    "WsrElement",
    "canonical_json",
    "error_message",
    "compare_to_standard",
    "describe_floor",
    "fmt_decimal",
    "library_json_schema",
    "seal",
    "to_json_value",
]
