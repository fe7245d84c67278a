"""``wsr serve [--host 127.0.0.1] [--port 8000]``: the web console on the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

from .cli import app, settings


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
) -> None:
    """Start the web console and REST API (Ctrl-C stops it)."""
    check_address(host, port)
    import socket

    import uvicorn

    from .console import create_app

    st = settings(ctx)
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
    typer.echo(f"WSR console: http://{shown}:{port}/  (API: /api, OpenAPI: /openapi.json)")
    typer.echo(f"database: {st.db_url.split('@')[-1]}  (Ctrl-C stops it)", err=True)
    uvicorn.run(web, host=host, port=port, log_level="warning")
