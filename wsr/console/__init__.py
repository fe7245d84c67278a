"""The web console and REST API (issue 12): FastAPI + server-rendered Jinja2 pages.

``create_app`` is imported lazily so that ``wsr users`` (which shares :mod:`._users` and
:mod:`._auth`) does not pay for importing FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
