"""The REST API's core shapes: the error answer every route may give (:data:`ERRORS`) and the
pydantic models of agreements, events, obligations, clauses and notices.

They are the OpenAPI description's schemas (their names and fields are the API's contract,
and the OpenAPI fuzzing in the tests reads them), so a change here is a change of the API.
``ObligationView`` is ``wsr obligations --json``'s view: the CLI and the API share one shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorItem(BaseModel):
    path: str = Field(description="The field the problem concerns (the engine's name for it).")
    message: str


class Errors(BaseModel):
    """Every refusal: one entry per problem."""

    errors: list[ErrorItem]


#: the error answers every API route may give, documented so that clients (and the OpenAPI
#: fuzzing in the tests) know their shape; 422 replaces FastAPI's own validation error shape
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Errors, "description": "No valid session or bearer token."},
    403: {"model": Errors, "description": "The viewer's role may not do this."},
    404: {"model": Errors, "description": "Not found (or another brand's)."},
    409: {"model": Errors, "description": "The stored state does not allow it."},
    422: {"model": Errors, "description": "Bad input: each problem with its field."},
}


class Party(BaseModel):
    role: str
    name: str


class Supplier(BaseModel):
    id: str
    name: str
    country: str


class AgreementOut(BaseModel):
    id: str
    title: str
    status: str
    timezone: str
    currency: str
    signed_on: str
    effective_date: str
    term_end: str
    terminated_on: str | None = None
    buyers: list[str]


class AgreementDetail(AgreementOut):
    content_hash: str | None = None
    parties: list[Party]
    suppliers: list[Supplier]
    termination_reason: str = ""


class Money(BaseModel):
    value: str
    currency: str


class InForce(BaseModel):
    """A prohibition's window: its ``due`` is the day it takes effect, not a deadline."""

    model_config = {"populate_by_name": True}

    from_: str = Field(alias="from", description="The day it takes effect (its due).")
    until: str | None = Field(
        None, description="Its last day in force; null while it runs until an event ends it."
    )


class ObligationView(BaseModel):
    """One obligation as ``wsr obligations --json`` shows it (the CLI contract)."""

    id: str
    agreement_id: str
    clause_id: str
    clause_version: str
    spec_id: str
    title: str
    obligor: str
    beneficiary: str
    subject: str | None = None
    due: str
    state: str
    timing: str | None = None
    flags: list[str]
    amount: Money | None = None
    paid: str | None = None
    late: bool
    evidence: str
    section: str
    period_start: str | None = None
    period_end: str | None = None
    powers: list[dict[str, Any]] = Field(default_factory=list)
    kind: str | None = Field(None, description="payment, action, report, prohibition, ...")
    in_force: InForce | None = Field(None, description="A prohibition's window; else null.")


class ObligationPage(BaseModel):
    """One page of the list in due order; ``has_more``: a next page exists."""

    items: list[ObligationView]
    limit: int
    offset: int
    has_more: bool


class Paragraph(BaseModel):
    number: str
    text: str


class ClauseText(BaseModel):
    """The clause an obligation comes from, as the signed agreement gives it."""

    clause_id: str
    clause_version: str
    section: str
    title: str
    paragraphs: list[Paragraph]


class ObligationDetail(BaseModel):
    """One obligation's page (``wsr.console.queries.obligation_detail``): the obligation, its
    agreement, the clause text and section, the audit history, the notices with their delivery
    events, the evidence with decisions, and what the viewer may do now."""

    obligation: ObligationView
    agreement: dict[str, Any]
    clause: ClauseText | None = None
    history: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    actions: dict[str, list[str]] = Field(default_factory=dict)


class EventIn(BaseModel):
    """An event as ``wsr event AGREEMENT TYPE --on ON --set key=value`` takes it."""

    type: str = Field(description="The event type, e.g. purchase_recorded.")
    on: str = Field(description="When it happened: a date (YYYY-MM-DD) or an aware time.")
    fields: dict[str, str] = Field(
        default_factory=dict, description="The event's fields, as `--set key=value` gives them."
    )


class EventOut(BaseModel):
    id: str
    type: str
    occurred_on: str
    occurred_at: str
    recorded_at: str
    fields: dict[str, Any]


class EventResultOut(BaseModel):
    event: EventOut
    created: list[ObligationView]
    changed: list[ObligationView]
    messages: list[str]


class ClauseSummary(BaseModel):
    id: str
    version: str
    title: str
    category: str
    order: int
    mandatory: bool
    summary: str
    alternatives: list[str]


class NoticeOut(BaseModel):
    """A notice the sweeps decided, with its sending state and proof of delivery."""

    id: str
    agreement_id: str
    obligation_id: str
    step: str
    recipient: str
    recipient_name: str
    recipient_role: str
    language: str
    due_on: str
    decided_at: str
    subject: str
    sha256: str
    state: str
    attempts: int
    provider: str | None = None
    provider_message_id: str | None = None
    sent_at: str | None = None
    last_error: str | None = None
    delivery: str | None = None
    delivered_at: str | None = None
