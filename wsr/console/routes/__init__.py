"""Every console router, in the order they are included. Each stream adds ITS OWN line(s):
one ``from .module import router as module`` import (one module per line, so rebases merge
cleanly) and one entry in :data:`ROUTERS`."""

from __future__ import annotations

from fastapi import APIRouter

from .agreement import router as agreement  # pages
from .api_core import router as api_core  # web
from .api_fulfil import router as api_fulfil  # console
from .api_review import router as api_review  # review
from .auth import router as auth  # web
from .bundle import router as bundle  # bundle
from .calendar import router as calendar  # bundle
from .dashboard import router as dashboard  # pages
from .events import router as events  # pages
from .obligation import router as obligation  # pages
from .review import router as review  # review
from .whatif import router as whatif  # pages

ROUTERS: tuple[APIRouter, ...] = (
    auth,  # web: /login /logout
    api_core,  # web: /api/agreements, /api/obligations, /api/library, /api/notices
    api_fulfil,  # console: POST /api/obligations/{id}/fulfil
    bundle,  # bundle: /agreements/{id}/bundle(.pdf|.zip), /obligations/{id}/bundle.pdf|.zip
    calendar,  # bundle: /calendar (feed URLs), /calendar/<secret>.ics
    review,  # review: /review pages (drafts, clause-by-clause review, downloads)
    api_review,  # review: POST /api/agreements, /api/agreements/{id}/status|review|clauses/…
    dashboard,  # pages: / (the dashboard; replaces web's placeholder home page)
    agreement,  # pages: /agreements/{id}
    events,  # pages: /agreements/{id}/events/new|fields|{event id}, …/events, …/payroll
    whatif,  # pages: /agreements/{id}/whatif
    obligation,  # pages: /obligations/{id} and its actions
)
