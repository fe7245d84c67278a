"""What the review routes (pages and API) share: the store, the library, the viewer as a
reviewer, and the one access check on a draft."""

from __future__ import annotations

from functools import cache

from fastapi import Request

from clauses import Library, load_library

from .._review import Review, Reviewer, ReviewForbidden
from .._review_store import ReviewStore
from ._access import Viewer
from ._deps import check_agreement, console_of
from ._errors import Forbidden


@cache
def library() -> Library:
    """The shipped clause library, read once per process (what `wsr draft` reads)."""
    return load_library()


def reviews(request: Request) -> ReviewStore:
    return ReviewStore(console_of(request).store)


def reviewer(viewer: Viewer) -> Reviewer:
    return Reviewer(viewer.email, viewer.role.value, viewer.brand)


def visible(request: Request, viewer: Viewer, draft_id: str) -> Review:
    """The draft, or 404 — also for counsel of a brand that is not party to it (a 403 would
    say the id exists)."""
    review = reviews(request).get(draft_id)
    check_agreement(viewer, draft_id, review.record.to_json())
    return review


def forbidden(exc: ReviewForbidden) -> Forbidden:
    return Forbidden(str(exc))
