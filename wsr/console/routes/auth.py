"""``/login`` and ``/logout`` (see :mod:`wsr.console._auth` for the choices)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from .._auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_HOURS,
    check_password,
    clear_failures,
    end_session,
    locked_for,
    record_failure,
    same_token,
    start_session,
    wait_words,
)
from .._deps import console_of, csrf_check, optional_viewer
from .._templates import render
from .._users import normal_email

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this console (never ``//evil.example`` or a full URL)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _form(request: Request, *, status: int = 200, **ctx: object) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code=status, login_csrf=token, **ctx)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="lax",
        secure=console_of(request).secure_cookies,
    )
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if optional_viewer(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _form(request, next=_safe_next(next), email="")


@router.post("/login")
def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    console = console_of(request)
    target = _safe_next(next)
    shown = email.strip()[:320]
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE) or "\0"):
        return _form(
            request,
            status=403,
            next=target,
            email=shown,
            errors=["the sign-in form had expired; please try again"],
        )
    who = normal_email(email)[:320]
    address = request.client.host if request.client else "unknown"
    now = console.wall()
    with console.writing() as conn:
        wait = locked_for(conn, who, address, now=now)
        if wait is not None:
            return _form(
                request,
                status=429,
                next=target,
                email=shown,
                errors=[
                    f"too many failed sign-ins for {shown or 'this email'} from your address; "
                    f"try again in {wait_words(wait)}"
                ],
            )
        user = check_password(conn, who, password) if who and password else None
        if user is None:
            record_failure(conn, who, address, now=now)
            return _form(
                request,
                status=401,
                next=target,
                email=shown,
                field_errors={"password": "the email or the password is not right"},
            )
        clear_failures(conn, who, address)
        secret, _csrf = start_session(conn, user, now=now)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        console.signer.sign(secret),
        max_age=SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=console.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[Depends(csrf_check)])
def logout(request: Request) -> Response:
    console = console_of(request)
    secret = getattr(request.state, "session_secret", None)
    if secret is not None:
        with console.writing() as conn:
            end_session(conn, secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    console.flash(response, "You are signed out.")
    return response
