"""Errors as the console shows them: never a traceback.

``/api``: an engine input error is 422 ``{"errors": [{"path", "message"}]}`` with the engine's
own paths and messages (the CLI prints the same problems, with its option spelling); a missing
thing is 404, a conflict with stored state 409, in the same shape. Pages: a plain page listing
the problems; a form that can show them beside its fields catches the error itself and uses
:func:`field_errors`. Anything unexpected is logged with its traceback and answered with a
plain 500 that says nothing about the code.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from clauses import Conflict, EngineError, InputError, InvalidTransition, NotFound, TemplateError

log = logging.getLogger("wsr.console")


class NotSignedIn(Exception):
    """No valid session or token: /api answers 401, a page redirects to /login."""


class Forbidden(Exception):
    """Signed in, but this role (or brand) may not do or see this."""

    def __init__(self, message: str = "your role may not do this") -> None:
        super().__init__(message)
        self.message = message


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def problems_json(problems: Any) -> list[dict[str, str]]:
    return [{"path": p.path, "message": p.message} for p in problems]


def field_errors(exc: EngineError) -> dict[str, str]:
    """Each problem's message by its path, for a form to show beside the field it names
    (several problems on one field are joined)."""
    out: dict[str, str] = {}
    for p in getattr(exc, "problems", ()):
        out[p.path] = f"{out[p.path]}; {p.message}" if p.path in out else p.message
    return out


def status_of(exc: EngineError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict | InvalidTransition):
        return 409
    if isinstance(exc, InputError | TemplateError):
        return 422
    return 500


def _error_page(request: Request, status: int, title: str, messages: list[str]) -> Response:
    from ._templates import render

    try:
        return render(request, "error.html", status_code=status, title=title, messages=messages)
    except Exception:  # the error page itself failed: plain text, still no traceback
        log.exception("rendering the error page failed")
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(EngineError)
    async def engine_error(request: Request, exc: EngineError) -> Response:
        status = status_of(exc)
        if status == 500:
            log.error("engine error: %s", exc)
            return await server_error(request, exc)
        problems = getattr(exc, "problems", ())
        if is_api(request):
            return JSONResponse({"errors": problems_json(problems)}, status_code=status)
        title = {404: "Not found", 409: "Not possible now"}.get(status, "Please correct this")
        return _error_page(request, status, title, [str(p) for p in problems])

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path")]
            errors.append({"path": ".".join(loc), "message": str(err.get("msg", "invalid"))})
        if is_api(request):
            return JSONResponse({"errors": errors}, status_code=422)
        return _error_page(
            request, 422, "Please correct this", [f"{e['path']}: {e['message']}" for e in errors]
        )

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if is_api(request):
            return JSONResponse(
                {"errors": [{"path": "Authorization", "message": str(exc)}]},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if is_api(request):
            return JSONResponse({"errors": [{"path": "", "message": exc.message}]}, status_code=403)
        return _error_page(request, 403, "Not allowed", [exc.message])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail)
        if is_api(request):
            return JSONResponse(
                {"errors": [{"path": "", "message": message}]},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        title = {404: "Not found", 405: "Not allowed"}.get(exc.status_code, "Error")
        return _error_page(request, exc.status_code, title, [message])

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        message = "something went wrong on our side; it has been logged"
        if is_api(request):
            return JSONResponse({"errors": [{"path": "", "message": message}]}, status_code=500)
        return HTMLResponse(
            "<!doctype html><title>Error</title><h1>Something went wrong</h1>"
            f"<p>{message}.</p><p><a href='/'>Back to the console</a></p>",
            status_code=500,
        )
