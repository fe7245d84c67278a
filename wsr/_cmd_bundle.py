"""``wsr bundle``: the arbitration bundle of an agreement or of one obligation in dispute.

Writes ``bundle-<agreement>[-<obligation>].pdf`` and ``.zip`` into ``--out`` (both or neither),
as the monitor sees the record, or as the console user named by ``--as`` may see it (a brand's
counsel never sees who complained). A read: nothing in the store changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli import app, settings

if TYPE_CHECKING:
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore
    from wsr.console._access import Viewer


def _viewer(store: SqlAlchemyObligationStore, email: str) -> Viewer:
    """The console user ``--as`` names, as a viewer; refused if unknown or disabled."""
    from clauses import InputError
    from wsr.console._users import get_user

    with store.connection(write=False) as conn:
        user = get_user(conn, email, path="--as")
    if user.disabled_at is not None:
        raise InputError.single("--as", f"the user {user.email} is disabled")
    viewer: Viewer = user.viewer()
    return viewer


def _allowed(viewer: Viewer, record_json: str) -> None:
    """Refuse a viewer who may not have this agreement's bundle (``--as``)."""
    from clauses import InputError
    from wsr.console._access import may_see_agreement, may_write

    if not may_write(viewer, "bundles"):
        raise InputError.single(
            "--as", f"{viewer.email} ({viewer.role.value}) may not download bundles"
        )
    if not may_see_agreement(viewer, record_json):
        brand = viewer.brand or "no brand"
        raise InputError.single(
            "--as",
            f"{viewer.email} is counsel for {brand}, which is not a buyer party of this "
            "agreement; counsel sees only its own brand's agreements",
        )


@app.command()
def bundle(
    ctx: typer.Context,
    agreement: Annotated[str, typer.Argument(help="The agreement (its id from `wsr agreements`).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the PDF and the ZIP.")],
    obligation: Annotated[
        str | None,
        typer.Option("--obligation", help="Only this obligation of the agreement (in dispute)."),
    ] = None,
    as_email: Annotated[
        str | None,
        typer.Option("--as", help="As this console user may see it (default: the monitor's)."),
    ] = None,
) -> None:
    """An arbitration bundle: a PDF (chronology, notices and their delivery evidence, the
    agreement as signed with its hash, the clause text, exhibits with their SHA-256) and a ZIP
    of the originals with a manifest."""
    from clauses import check_out_path
    from obligations import open_store

    from ._bundle import load_bundle
    from ._bundle_files import write_bundle

    st = settings(ctx)
    now = st.now()
    check_out_path(out, "--out", folder=True)  # refused before anything is read or rendered
    store = open_store(st.db_url)
    try:
        viewer = _viewer(store, as_email) if as_email is not None else None
        found = load_bundle(
            store,
            agreement.strip(),
            now=now,
            obligation_id=None if obligation is None else obligation.strip(),
            viewer=viewer,
            allowed=_allowed,
        )
    finally:
        store.engine.dispose()
    for path in write_bundle(found, out):
        typer.echo(str(path))
