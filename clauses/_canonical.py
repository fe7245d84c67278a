"""The canonical JSON form every hash in the engine is taken over (records, audit entries):
sorted keys, no ASCII escaping, fixed separators. Kept apart from the record's model so the
audit log and the store's read path can use it without importing the clause schema."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["canonical_json"]


def canonical_json(value: Any, *, indent: int | None = None) -> str:
    seps = (",", ":") if indent is None else (",", ": ")
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent, separators=seps)
