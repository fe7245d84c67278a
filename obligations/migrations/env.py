"""Alembic environment for the obligation store.

It is always driven programmatically (:func:`obligations._db.upgrade`), which opens the
transaction, serialises concurrent upgraders and hands over the connection in
``config.attributes["connection"]``; there is no ``alembic.ini`` and no assumption about the
current directory, so it works from an installed package.
"""

from __future__ import annotations

from alembic import context

from obligations.stores._sqltables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run the obligation store migrations through obligations._db.upgrade (or `wsr db upgrade`)"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
