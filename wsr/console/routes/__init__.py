"""Every console router, in the order they are included. Each stream adds ITS OWN line(s)."""

from __future__ import annotations

from fastapi import APIRouter

from . import (  # web
    api_core,  # web
    auth,
    home,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,  # web: /login /logout
    home.router,  # web: / (a placeholder until pages' dashboard replaces it)
    api_core.router,  # web: /api/agreements, /api/obligations, /api/library, /api/notices
)
