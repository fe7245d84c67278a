"""Obligation tracking: the model, lifecycle, compile-from-clauses, events & rules, the service.

Depends only on :mod:`clauses`. Stores are adapters in :mod:`obligations.stores`; the usual
entry point is :class:`ObligationService` over a store::

    service = ObligationService(MemoryObligationStore())
    service.track(agreement, signed_on=date(2026, 1, 5), now=now)
    service.record_event(
        agreement.id, "purchase_recorded", on="2026-01-07",
        fields={"supplier": "GROWER-G", "quantity": "250000", "unit": "lb"}, now=now,
    )

Every public name is imported from its module on first use (PEP 562 ``__getattr__`` over the
``_LAZY`` table), so ``import obligations`` costs nothing until a name is used, and a command
pays only for what it touches: a listing never loads SQLAlchemy, Alembic or icalendar.
"""

from __future__ import annotations

import typing as _typing

from clauses._lazy import lazy_names as _lazy_names

if _typing.TYPE_CHECKING:  # what mypy and editors see; at run time, `_LAZY` below
    from ._advance import AdvanceOutcome, AgreementState, advance, status_at
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
    from ._calendar import due_date, end_of_local_day, local_date, period_of
    from ._compile import HORIZON, compile_agreement
    from ._db import make_engine, open_store, upgrade
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
    from ._ics import CalendarComponent, calendar_feed, calendar_sequences
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
    from .stores._fastread import FastReadStore, fast_views, open_fast

#: public name -> the module defining it (``module:name`` where the name differs), imported
#: on first use (PEP 562): a command pays only for the modules it touches. One name per line.
_LAZY: dict[str, str] = {
    "AdvanceOutcome": "._advance",
    "AgreementState": "._advance",
    "advance": "._advance",
    "status_at": "._advance",  # the console shows an agreement's status at now
    "GENESIS": "._audit",
    "AuditHead": "._audit",
    "Checkpoint": "._audit",
    "StoreCorrupted": "._audit",
    "chain_hash": "._audit",
    "make_checkpoint": "._audit",
    "parse_checkpoint": "._audit",
    "verify_chain": "._audit",
    "verify_checkpoint": "._audit",
    "verify_head": "._audit",
    "reconcile": "._auditcheck",
    "AuditKey": "._auditkey",
    "due_date": "._calendar",
    "end_of_local_day": "._calendar",
    "local_date": "._calendar",  # the console's default dates are the agreement's today
    "period_of": "._calendar",
    "HORIZON": "._compile",
    "compile_agreement": "._compile",
    "FINAL": "._enums",
    "OPEN": "._enums",
    "AgreementStatus": "._enums",
    "AuditAction": "._enums",
    "EvidenceState": "._enums",
    "Flag": "._enums",
    "LegalState": "._enums",
    "PowerState": "._enums",
    "Timing": "._enums",
    "EvidenceDecision": "._evidence:Decision",
    "EvidencePiece": "._evidence:Piece",
    "evidence_pieces": "._evidence:pieces",
    "Accrual": "._ledgers",
    "BreachEvidence": "._ledgers",
    "Payment": "._ledgers",
    "PayrollLine": "._ledgers",
    "PayrollRun": "._ledgers",
    "accrual": "._ledgers",
    "breach_evidence": "._ledgers",
    "payments": "._ledgers",
    "payroll_lines": "._ledgers",
    "payrolls": "._ledgers",
    "replay": "._lifecycle",
    "transition": "._lifecycle",
    "AuditEntry": "._model",
    "Event": "._model",
    "EvidenceRef": "._model",
    "Money": "._model",
    "Obligation": "._model",
    "TrackedAgreement": "._model",
    "event_id": "._model",
    "obligation_id": "._model",
    "Outcome": "._outcome",
    "PayrollCheck": "._payroll",
    "WorkerShare": "._payroll",
    "allocate": "._payroll",
    "check_payroll": "._payroll",
    "PAYROLL_COLUMN_HELP": "._payroll_csv:COLUMN_HELP",
    "PAYROLL_COLUMNS": "._payroll_csv:COLUMNS",
    "PayrollFile": "._payroll_csv",
    "parse_payroll_csv": "._payroll_csv",
    "apply_event": "._rules",
    "on_time": "._rules",
    "EventResult": "._service",
    "ObligationService": "._service",
    "TrackResult": "._service",
    "Hypothetical": "._sweep",
    "SweepResult": "._sweep",
    "WhatIfResult": "._sweep",
    "convert": "._units",
    "Clock": ".abc",
    "ObligationStore": ".abc",
    "make_engine": "._db",
    "open_store": "._db",
    "upgrade": "._db",
    "CalendarComponent": "._ics",
    "calendar_feed": "._ics",
    "calendar_sequences": "._ics",
    "FastReadStore": ".stores._fastread",
    "fast_views": ".stores._fastread",
    "open_fast": ".stores._fastread",
}

# PEP 562: a name in _LAZY is imported from its module on first use (clauses._lazy)
__getattr__, __dir__ = _lazy_names(globals(), _LAZY)


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
