"""The kinds of duty a spec creates: in a module of their own, without pydantic, because the
obligation store's read path (``wsr obligations --json``, the console's lists) names them and
must not import the clause schema's models to do so."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ObligationKind"]


class ObligationKind(StrEnum):
    """What kind of duty an obligation is."""

    PAYMENT = "payment"
    """Money owed by a date."""
    ACTION = "action"
    """Something to be done by a date."""
    REPORT = "report"
    """A document or declaration to be delivered by a date."""
    PROHIBITION = "prohibition"
    """A duty not to do something, in force from its due date (until it ends)."""
    MAINTENANCE = "maintenance"
    """A state to be kept for a time."""
