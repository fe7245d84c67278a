"""The console's Jinja2 environment (autoescape on) and the one way a page is rendered.

Every template gets ``viewer``, ``csrf_token``, ``flashes``, ``now`` and ``request`` in its
context, so base.html can show who is signed in and every form can carry its CSRF token.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
FLASH_COOKIE = "wsr_flash"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """``name`` rendered with the standard context plus ``ctx``; flash messages shown once."""
    from ._deps import console_of

    console = console_of(request)
    flashes = console.read_flashes(request)
    context = {
        "request": request,
        "viewer": getattr(request.state, "viewer", None),
        "csrf_token": getattr(request.state, "csrf", None) or "",
        "flashes": flashes,
        "field_errors": {},
        **ctx,
    }
    html = environment().get_template(name).render(context)
    response = HTMLResponse(html, status_code=status_code)
    if flashes:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
