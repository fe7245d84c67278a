"""What the monitoring pages share: who is acting (:func:`acting`, the dependencies every
write route takes), the agreement as the viewer may see it, form data, shown values. Routes
stay thin: they read the request, call the service or the queries, render."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData, UploadFile

from clauses import Agreement, NotFound
from obligations import ObligationService, TrackedAgreement, local_date, status_at

from .._access import Action, Viewer
from .._deps import check_agreement, csrf_check, get_now, get_service, require_action

_Endpoint = TypeVar("_Endpoint", bound=Callable[..., Any])


@dataclass(frozen=True)
class Acting:
    """A request to act: who asks (allowed the action), the service acting as them, ``now``."""

    request: Request
    viewer: Viewer
    service: ObligationService
    now: datetime

    async def values(self) -> dict[str, str]:
        """The posted form's text inputs (without the CSRF token)."""
        values = text_fields(await self.request.form())
        values.pop("csrf_token", None)
        return values


def acting(action: Action, *, csrf: bool = True) -> Callable[..., Acting]:
    """The dependency of a route doing ``action``: 403 for the roles the write matrix does not
    give it, and for a page POST the session's CSRF token (``csrf=False`` for downloads)."""
    allowed = require_action(action.value)

    def acts(
        request: Request,
        viewer: Viewer = Depends(allowed),
        service: ObligationService = Depends(get_service),
        now: datetime = Depends(get_now),
        _csrf: None = Depends(csrf_check if csrf else _no_check),
    ) -> Acting:
        return Acting(request=request, viewer=viewer, service=service, now=now)

    return acts


def _no_check() -> None:
    """A read (a download) carries no CSRF token."""


def download(
    router: APIRouter, path: str, responses: dict[int | str, dict[str, Any]]
) -> Callable[[_Endpoint], _Endpoint]:
    """Serve a file download at ``path`` for pages and at ``/api`` + ``path`` for programs
    (only that one in the OpenAPI description, with ``responses``): one endpoint, both routes."""

    def register(endpoint: _Endpoint) -> _Endpoint:
        router.get(f"/api{path}", response_class=Response, responses=responses)(endpoint)
        router.get(path, response_class=Response, include_in_schema=False)(endpoint)
        return endpoint

    return register


@dataclass(frozen=True)
class Seen:
    """A tracked agreement (its status at ``now``) and its record, which the viewer may see."""

    tracked: TrackedAgreement
    record: Agreement

    @property
    def id(self) -> str:
        return self.tracked.id

    def today(self, now: datetime) -> date:
        return local_date(now, self.tracked.timezone)

    def head(self) -> dict[str, str]:
        return {"id": self.tracked.id, "title": self.tracked.title}

    def suppliers(self) -> list[tuple[str, str]]:
        return [(s.id, s.name) for s in self.record.suppliers]

    def party_name(self, role: str, subject: str | None = None) -> str:
        if role == "supplier" and subject:
            return next((s.name for s in self.record.suppliers if s.id == subject), subject)
        return next((p.name for p in self.record.parties if p.role == role), role.replace("_", " "))


def seen_agreement(
    service: ObligationService, viewer: Viewer, agreement_id: str, now: datetime
) -> Seen:
    """The agreement, or NotFound — also for counsel asking about another brand's (the same
    answer as for an id that does not exist). Call inside a unit of work on the store."""
    tracked = service.store.get_agreement(agreement_id)
    check_agreement(viewer, agreement_id, tracked.record_json)
    record = _RECORDS.get(tracked.id)
    if record is None:
        try:
            record = Agreement.from_json(tracked.record_json)
        except ValueError:
            raise NotFound(
                "agreement", agreement_id, hint="its stored record cannot be read"
            ) from None
        with _LOCK:
            if len(_RECORDS) >= _MAX_RECORDS:
                _RECORDS.clear()
            _RECORDS[tracked.id] = record
    return Seen(tracked=status_at(tracked, record, now), record=record)


#: parsed agreement records by id: an agreement's id is the hash of its record, so a record
#: once read never changes (a large one takes a noticeable time to validate on every page)
_RECORDS: dict[str, Agreement] = {}
_MAX_RECORDS = 256
_LOCK = threading.Lock()


def text_fields(form: FormData) -> dict[str, str]:
    """The form's text inputs (the last value of a repeated name); files left out."""
    return {k: v for k, v in form.multi_items() if isinstance(v, str)}


def upload(form: FormData, name: str) -> UploadFile | None:
    """The uploaded file of input ``name``, or None when no file was chosen."""
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or value.size):
        return value
    return None


def shown(value: Any) -> str:
    """A view value as a person reads it (money with its currency, lists joined, yes/no)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping) and "value" in value and "currency" in value:
        return f"{value['value']} {value['currency']}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)
