"""Store adapters: :class:`MemoryObligationStore` here; the SQLAlchemy store in ``.sqlalchemy``."""

from __future__ import annotations

from .memory import MemoryObligationStore

__all__ = ["MemoryObligationStore"]
