"""Alembic migrations of the obligation store (run with ``wsr db upgrade`` or
:func:`obligations._db.upgrade`; a new database is migrated on first use)."""
