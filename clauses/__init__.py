"""Drafting: the clause library, validated answers, and agreement assembly and rendering.

Never imports docassemble, the CLI, the web console or the obligations package.
"""

from __future__ import annotations

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
    canonical_json,
    seal,
)
from ._answers import AgreementInfo, Answers, ClauseChoice, Override, parse_answers
from ._assemble import assemble
from ._atomic import atomic_outputs, atomic_write, check_out_path
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
from ._inputfile import LIMITS, InputKind, read_input, read_input_text
from ._library import Library, load_library, read_document
from ._numbers import PRECISION, BadNumber, NumberKind, read_int, read_number
from ._schema import (
    Alternative,
    AlternativeKind,
    ClauseDef,
    ObligationKind,
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
    EVENTS,  # the event registry (the console generates its event forms from it)
    PARTY_ROLES,
    RULE_KEYWORDS,
    SPEC_ROLES,
    UNITS,
    EventType,
    FieldType,
    Role,
)

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
    "compare_to_standard",
    "describe_floor",
    "fmt_decimal",
    "library_json_schema",
    "seal",
    "to_json_value",
]
