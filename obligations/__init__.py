"""Obligation tracking: the model, lifecycle, compile-from-clauses, events & rules, the service.

Depends only on :mod:`clauses`. Stores are adapters in :mod:`obligations.stores`; the usual
entry point is :class:`ObligationService` over a store::

    service = ObligationService(MemoryObligationStore())
    service.track(agreement, signed_on=date(2026, 1, 5), now=now)
    service.record_event(
        agreement.id, "purchase_recorded", on="2026-01-07",
        fields={"supplier": "GROWER-G", "quantity": "250000", "unit": "lb"}, now=now,
    )
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from ._advance import (
    AdvanceOutcome,
    AgreementState,
    advance,
    status_at,  # the console shows an agreement's status at now
)
from ._audit import (
    GENESIS,
    AuditHead,
    Checkpoint,
    StoreCorrupted,
    chain_hash,
    make_checkpoint,
    parse_checkpoint,
    verify_chain,
    verify_checkpoint,
    verify_head,
)
from ._auditcheck import reconcile
from ._auditkey import AuditKey
from ._calendar import (
    due_date,
    end_of_local_day,
    local_date,  # the console's default dates are the agreement's today
    period_of,
)
from ._compile import HORIZON, compile_agreement
from ._enums import (
    FINAL,
    OPEN,
    AgreementStatus,
    AuditAction,
    EvidenceState,
    Flag,
    LegalState,
    PowerState,
    Timing,
)
from ._evidence import Decision as EvidenceDecision
from ._evidence import Piece as EvidencePiece
from ._evidence import pieces as evidence_pieces
from ._ledgers import (
    Accrual,
    BreachEvidence,
    Payment,
    PayrollLine,
    PayrollRun,
    accrual,
    breach_evidence,
    payments,
    payroll_lines,
    payrolls,
)
from ._lifecycle import replay, transition
from ._model import (
    AuditEntry,
    Event,
    EvidenceRef,
    Money,
    Obligation,
    TrackedAgreement,
    event_id,
    obligation_id,
)
from ._outcome import Outcome
from ._payroll import PayrollCheck, WorkerShare, allocate, check_payroll
from ._payroll_csv import COLUMN_HELP as PAYROLL_COLUMN_HELP
from ._payroll_csv import COLUMNS as PAYROLL_COLUMNS
from ._payroll_csv import PayrollFile, parse_payroll_csv
from ._rules import apply_event, on_time
from ._service import EventResult, ObligationService, TrackResult
from ._sweep import Hypothetical, SweepResult, WhatIfResult
from ._units import convert
from .abc import Clock, ObligationStore

if _typing.TYPE_CHECKING:
    from ._db import make_engine, open_store, upgrade
    from ._ics import CalendarComponent, calendar_feed, calendar_sequences
    from .stores._fastread import FastReadStore, fast_views, open_fast

#: public names whose modules pull in heavy dependencies (SQLAlchemy and Alembic, icalendar):
#: imported on first use (PEP 562), so ``import obligations`` stays cheap for commands that
#: never open a database or write a calendar
_LAZY: dict[str, str] = {
    "CalendarComponent": "._ics",
    "calendar_feed": "._ics",
    "calendar_sequences": "._ics",
    "make_engine": "._db",
    "open_store": "._db",
    "upgrade": "._db",
    # the listings' DBAPI read path (no SQLAlchemy): lazy only to keep it out of other imports
    "FastReadStore": ".stores._fastread",
    "fast_views": ".stores._fastread",
    "open_fast": ".stores._fastread",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "Accrual",
    "BreachEvidence",
    "PAYROLL_COLUMNS",
    "PAYROLL_COLUMN_HELP",
    "Payment",
    "PayrollCheck",
    "PayrollFile",
    "WorkerShare",
    "allocate",
    "check_payroll",
    "parse_payroll_csv",
    "PayrollLine",
    "PayrollRun",
    "accrual",
    "breach_evidence",
    "payments",
    "payroll_lines",
    "payrolls",
    "FINAL",
    "GENESIS",
    "HORIZON",
    "OPEN",
    "AdvanceOutcome",
    "AgreementState",
    "AgreementStatus",
    "AuditAction",
    "AuditEntry",
    "AuditHead",
    "AuditKey",
    "CalendarComponent",
    "Checkpoint",
    "Clock",
    "Event",
    "EventResult",
    "EvidenceDecision",
    "EvidencePiece",
    "EvidenceRef",
    "EvidenceState",
    "FastReadStore",
    "Flag",
    "Hypothetical",
    "LegalState",
    "Money",
    "Obligation",
    "ObligationService",
    "ObligationStore",
    "Outcome",
    "PowerState",
    "SweepResult",
    "StoreCorrupted",
    "Timing",
    "TrackResult",
    "TrackedAgreement",
    "WhatIfResult",
    "advance",
    "status_at",
    "local_date",
    "apply_event",
    "calendar_feed",
    "calendar_sequences",
    "chain_hash",
    "compile_agreement",
    "convert",
    "due_date",
    "end_of_local_day",
    "evidence_pieces",
    "event_id",
    "fast_views",
    "make_checkpoint",
    "make_engine",
    "obligation_id",
    "on_time",
    "open_fast",
    "open_store",
    "parse_checkpoint",
    "period_of",
    "reconcile",
    "replay",
    "transition",
    "upgrade",
    "verify_chain",
    "verify_checkpoint",
    "verify_head",
]
