"""The bundle's redaction (see :mod:`wsr._bundle`): every event's fields through
:func:`wsr.console._access.redact_event` — the one rule of what a viewer may not see — and the
values it dropped withheld from free text too (audit reasons quote event fields; notes and file
names are typed by people). ``viewer`` None is the monitor's full view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from obligations import Event
    from wsr.console._access import Viewer


#: what a withheld value reads as
WITHHELD = "[withheld]"


class _Redactor:
    """The viewer's redaction: event fields through ``redact_event``, and what it dropped
    withheld from free text too."""

    def __init__(self, viewer: Viewer | None, events: Sequence[Event]) -> None:
        self.viewer = viewer
        self.confidential_events: set[str] = set()
        values: set[str] = set()
        if viewer is not None:
            from .console._access import redact_event

            for ev in events:
                fields = ev.to_dict()["payload"]
                shown = redact_event(viewer, ev.type, fields)
                dropped = [v for k, v in fields.items() if k not in shown or shown[k] != v]
                if dropped and ev.id is not None:
                    self.confidential_events.add(ev.id)
                values.update(_texts(dropped))
        # longest first, so a value that contains another is withheld whole
        self._values = sorted((v for v in values if v.strip()), key=len, reverse=True)

    @property
    def active(self) -> bool:
        return self.viewer is not None

    def fields(self, event: Event) -> dict[str, Any]:
        fields: dict[str, Any] = event.to_dict()["payload"]
        if self.viewer is None:
            return fields
        from .console._access import redact_event

        return redact_event(self.viewer, event.type, fields)

    def withhold(self, values: Sequence[str]) -> None:
        """Withhold these texts too (a withheld exhibit's file name and note)."""
        if self.viewer is None:
            return
        more = {v for v in values if v.strip()}
        self._values = sorted(set(self._values) | more, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._values:
            if secret in value:
                value = value.replace(secret, WITHHELD)
        return value


def _texts(values: Iterable[Any]) -> set[str]:
    out: set[str] = set()
    for v in values:
        if isinstance(v, Mapping):
            out |= _texts(v.values())
        elif isinstance(v, list | tuple):
            out |= _texts(v)
        elif v is not None and not isinstance(v, bool):
            out.add(str(v))
    return out


def _prepared_for(viewer: Viewer | None) -> str:
    if viewer is None:
        return "the monitor (the full record, nothing withheld)"
    from .console._access import sees_confidential

    brand = f", {viewer.brand}" if viewer.brand else ""
    who = f"{viewer.email} ({viewer.role.value}{brand})"
    if sees_confidential(viewer):
        return who
    return f"{who}; complainants' identities and confidential complaint details withheld"
