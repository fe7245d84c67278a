"""``create_app``: the console as one FastAPI application on the configured database.

One store (one SQLAlchemy engine and its pool) per application, opened from ``settings.db_url``
with :func:`obligations.open_store` (a new database is migrated, an old one refused with the
command that upgrades it). The routers of every console stream come from
:data:`wsr.console.routes.ROUTERS`; the scheduler's SendGrid webhook is served at
``/webhooks/sendgrid`` by the scheduler's own Starlette app, unchanged.

``wsr serve --workers N`` runs N uvicorn worker processes; uvicorn starts each one from an
import string, so each builds its app with :func:`app_from_environment` from the settings the
parent put in :data:`WORKER_SETTINGS` (one JSON variable). Nothing a worker keeps in memory
matters to the next request: sessions, CSRF tokens and the login rate limit are in the
database, and every worker signs cookies with the same secret (the parent's).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Connection
from starlette.routing import Route

from obligations import open_store
from obligations.stores.sqlalchemy import READ_ONLY_OPTION, SqlAlchemyObligationStore

from .._settings import Settings
from . import _errors
from ._auth import Signer, cookie_secure, wall_clock
from ._templates import FLASH_COOKIE

STATIC = Path(__file__).parent / "static"
#: the environment variable a worker process reads its settings from (``Settings.to_json``)
WORKER_SETTINGS = "WSR_CONSOLE_WORKER_SETTINGS"
WEBHOOK_PATH = "/webhooks/sendgrid"


@dataclass
class Console:
    """What every request needs: settings, the store, the clocks and the cookie signer
    (``app.state.console``)."""

    settings: Settings
    store: SqlAlchemyObligationStore
    #: business time (``now`` of the engine): the given clock, else ``settings.now()``
    clock: Callable[[], datetime]
    signer: Signer
    secure_cookies: bool
    #: security time (sessions, lock-outs): always the wall clock
    wall: Callable[[], datetime] = field(default=wall_clock)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only connection outside the store's unit of work (auth lookups)."""
        with self.store.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        with self.store.engine.begin() as conn:
            yield conn

    def _flash_codec(self) -> Any:
        from itsdangerous import URLSafeSerializer

        return URLSafeSerializer(self.signer.secret, salt="wsr-flash")

    def read_flashes(self, request: Request) -> list[str]:
        from itsdangerous import BadSignature

        raw = request.cookies.get(FLASH_COOKIE)
        if not raw:
            return []
        try:
            messages = self._flash_codec().loads(raw)
        except (BadSignature, ValueError, UnicodeError):
            return []
        if not isinstance(messages, list):
            return []
        return [m for m in messages if isinstance(m, str) and m]

    def flash(self, response: Any, *messages: str) -> None:
        """Show ``messages`` once on the next page (a signed cookie, any text: it is
        base64url JSON, so "→" and "—" in the engine's messages travel as they are)."""
        response.set_cookie(
            FLASH_COOKIE,
            self._flash_codec().dumps(list(messages)),
            max_age=60,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
        )


def _webhook(settings: Settings, store: SqlAlchemyObligationStore) -> Any:
    """The scheduler's webhook app, or an answer saying it is not configured."""
    if settings.webhook_key:
        from scheduler import webhook_app

        return webhook_app(store.engine, settings.webhook_key)

    async def unconfigured(request: Request) -> JSONResponse:
        return JSONResponse(
            {"error": "the SendGrid webhook is not configured: set WSR_SENDGRID_WEBHOOK_KEY"},
            status_code=503,
        )

    return unconfigured


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.console.store.engine.dispose()


def console_clock(settings: Settings) -> Callable[[], datetime]:
    """The console's business clock: ``--now``/``WSR_NOW`` as given, else the wall clock to the
    whole minute (UTC). Deadlines fall on days; reading whole minutes lets the requests of a
    minute share one time step (:mod:`wsr.console._overlay_cache`) instead of each paying it."""
    if settings.now_text is not None:
        return settings.now
    return lambda: datetime.now(UTC).replace(second=0, microsecond=0)


def create_app(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    from .routes import ROUTERS

    store = open_store(settings.db_url)
    console = Console(
        settings=settings,
        store=store,
        clock=clock or console_clock(settings),
        signer=Signer(settings.console_secret or secrets.token_urlsafe(32)),
        secure_cookies=cookie_secure(settings.console_url),
    )
    app = FastAPI(
        title="WSR agreement engine console",
        version="0.1.0",
        description=(
            "Agreements, events, obligations, evidence, notices and the clause library of the "
            "WSR agreement engine. Programs authenticate with `Authorization: Bearer <token>` "
            '(`wsr users token EMAIL`); errors are `{"errors": [{"path", "message"}]}`.'
        ),
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.console = console
    _errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.router.routes.append(
        Route(WEBHOOK_PATH, _webhook(settings, store), methods=["POST"], include_in_schema=False)
    )
    for router in ROUTERS:
        app.include_router(router)

    return app


def app_from_environment() -> FastAPI:
    """The app of one ``wsr serve --workers`` process (uvicorn's ``factory=True`` calls it):
    the settings are :data:`WORKER_SETTINGS`, which ``wsr serve`` sets. Every worker must sign
    with the same secret, so settings without one are refused rather than given a new one."""
    text = os.environ.get(WORKER_SETTINGS)
    if not text:
        raise RuntimeError(f"{WORKER_SETTINGS} is not set; start the console with `wsr serve`")
    try:
        settings = Settings.from_json(text)
    except ValueError as exc:
        raise RuntimeError(f"{WORKER_SETTINGS}: {exc}") from None
    if not settings.console_secret:
        raise RuntimeError(f"{WORKER_SETTINGS}: console_secret is required (the workers share one)")
    return create_app(settings)
