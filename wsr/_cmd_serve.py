"""``wsr serve [--host 127.0.0.1] [--port 8000] [--workers 1]``: the web console on the configured
database.

One process answers one request at a time for the engine's synchronous work, so under several
clients the requests queue (p95 rose to 99-695 ms with four clients, ``benchmarks/README.md``);
``--workers N`` runs N uvicorn worker processes on the one listening socket. Each worker builds
its own app (:func:`wsr.console.app.app_from_environment`) from these settings, passed in one
environment variable with the cookie secret they must share. The demo keeps one process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from .cli import app, settings

if TYPE_CHECKING:
    from ._settings import Settings


#: the most worker processes ``--workers`` takes (each holds a database pool of its own)
MAX_WORKERS = 32


def check_workers(workers: int) -> None:
    from clauses import InputError

    if not 1 <= workers <= MAX_WORKERS:
        raise InputError.single(
            "--workers",
            f"{workers} is not a number of worker processes; give 1-{MAX_WORKERS}, e.g. 2",
        )


def check_address(host: str, port: int) -> None:
    from clauses import InputError

    if not 1 <= port <= 65535:
        raise InputError.single("--port", f"{port} is not a TCP port; give 1-65535, e.g. 8000")
    if not host.strip() or any(c.isspace() for c in host):
        raise InputError.single("--host", f"{host!r} is not a host name or address")


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option("--workers", help=f"Worker processes answering requests (1-{MAX_WORKERS})."),
    ] = 1,
) -> None:
    """Start the web console and REST API (Ctrl-C stops it)."""
    run_console(settings(ctx), host, port, workers=workers)


def run_console(
    st: Settings,
    host: str,
    port: int,
    *,
    before: Callable[[str], None] | None = None,
    workers: int = 1,
) -> None:
    """Open the store, make sure the address can be bound, print it, then serve until Ctrl-C.
    ``before`` is told the address first (the demo prints its logins under it)."""
    check_address(host, port)
    check_workers(workers)
    import socket

    import uvicorn

    from .console import create_app

    web = create_app(st)  # opens (and for a new database, migrates) the store first
    shown = f"[{host}]" if ":" in host else host
    try:  # refuse a port in use or a host we cannot bind before printing an address
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        from clauses import InputError

        web.state.console.store.engine.dispose()
        raise InputError.single(
            "--port", f"cannot listen on {shown}:{port}: {exc.strerror}"
        ) from None
    address = f"http://{shown}:{port}/"
    typer.echo(f"WSR console: {address}  (API: /api, OpenAPI: /openapi.json)")
    if before is not None:
        before(address)
    typer.echo(f"database: {st.db_url.split('@')[-1]}  (Ctrl-C stops it)", err=True)
    if workers > 1:
        web.state.console.store.engine.dispose()  # the workers open their own
        _serve_workers(st, web.state.console.signer.secret, host, port, workers)
        return
    try:
        uvicorn.run(web, host=host, port=port, log_level="warning")
    finally:
        web.state.console.store.engine.dispose()


def _serve_workers(st: Settings, secret: str, host: str, port: int, workers: int) -> None:
    """uvicorn's supervisor with ``workers`` processes, each building the app from ``st``
    (with the one cookie secret: a session signed by one worker is read by the others).
    Ctrl-C (SIGINT) or SIGTERM stops the supervisor, which stops and waits for every worker."""
    import os

    import uvicorn

    from .console.app import WORKER_SETTINGS

    os.environ[WORKER_SETTINGS] = st.with_secret(secret).to_json()
    try:
        uvicorn.run(
            "wsr.console.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
    finally:
        os.environ.pop(WORKER_SETTINGS, None)
