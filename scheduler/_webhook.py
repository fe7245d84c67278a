"""``POST /webhooks/sendgrid``: SendGrid's signed event webhook, a small ASGI app.

Built on Starlette (FastAPI's own foundation, so the console mounts it as is with
``app.mount("/", webhook_app(...))``; the scheduler package stays free of the console's
framework). Every request is stored raw with its verification result before anything else
(:mod:`._delivery_events`); unsigned, forged and stale ones get 403 and record no event, a
verified body that is not a list of events gets 400, and a verified one 200 with what it
recorded. SendGrid retries anything but a 2xx, so a duplicate is answered 200 too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from ._delivery_events import DeliveryHooks, record_request
from ._webhook_verify import MAX_AGE, SIGNATURE_HEADER, TIMESTAMP_HEADER, load_public_key, refusal

PATH = "/webhooks/sendgrid"
#: SendGrid batches events; a body larger than this is not one of its calls
MAX_BODY = 5 * 1024 * 1024


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def default_hooks() -> DeliveryHooks:
    """The notices stream's rules for a delivered breach notice and for a bounce, when the
    package has them (``scheduler.on_delivered`` / ``scheduler.on_bounce``)."""
    import scheduler

    return DeliveryHooks(
        on_delivered=getattr(scheduler, "on_delivered", None),
        on_bounce=getattr(scheduler, "on_bounce", None),
    )


def webhook_app(
    engine: Engine,
    public_key: str,
    *,
    clock: Callable[[], datetime] = _wall_clock,
    hooks: DeliveryHooks | None = None,
    max_age: timedelta = MAX_AGE,
) -> Any:
    """The ASGI app. ``public_key`` is the verification key SendGrid shows (base64); a key that
    is not one is refused here, at start-up, naming ``WSR_SENDGRID_WEBHOOK_KEY``."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    key = load_public_key(public_key)
    chosen = hooks if hooks is not None else default_hooks()

    async def receive(request: Request) -> JSONResponse:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return JSONResponse({"error": "the body is too large"}, status_code=413)
        signature = request.headers.get(SIGNATURE_HEADER)
        timestamp = request.headers.get(TIMESTAMP_HEADER)
        try:
            text = raw.decode("utf-8")
            why = refusal(text, signature, timestamp, key, now=clock(), max_age=max_age)
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            why = "unreadable: the body is not UTF-8, so its signature cannot be checked"
        result = await run_in_threadpool(
            record_request,
            engine,
            received_at=clock(),
            raw_body=text,
            signature=signature,
            timestamp=timestamp,
            refusal=why,
            hooks=chosen,
        )
        if why is not None:
            return JSONResponse({"error": why, "request": result.request_id}, status_code=403)
        if result.reason is not None:
            return JSONResponse(
                {"error": result.reason, "request": result.request_id}, status_code=400
            )
        return JSONResponse(
            {
                "request": result.request_id,
                "recorded": result.recorded,
                "duplicates": result.duplicates,
                "ignored": result.ignored,
                "unknown_notice": result.unknown_notice,
            }
        )

    return Starlette(routes=[Route(PATH, receive, methods=["POST"])])
