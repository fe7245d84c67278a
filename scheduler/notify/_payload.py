"""How rendered notices travel to SendGrid: batches of one template and language, one request each.

Our own Jinja2 templates render every notice (and the hash is taken of that text), so SendGrid
must send our text unchanged rather than render a template of its own. One v3 ``mail/send``
request carries up to 1,000 notices of one template and language like this:

* the request's ``content`` is a placeholder per part (``text/plain`` and, when the batch has
  HTML, ``text/html``): the substitution tags :data:`TEXT_TAG` / :data:`HTML_TAG`;
* each personalization is one notice: its one ``to`` address, its own ``subject``, the
  ``substitutions`` that put its rendered text into the placeholders, and ``custom_args``
  carrying the notice id (so every webhook event names the notice it concerns).

SendGrid limits each personalization's substitutions to 10,000 bytes (its v3 reference; newer
pages allow 50,000, we keep to the lower), allows 1,000 personalizations and 1,000 recipients per
request, and refuses an address that appears twice in one request. A notice whose text is too
long for a substitution, or that itself contains a tag (SendGrid would substitute inside it),
goes alone in a request of its own with its text in ``content``. Everything here is pure: it
builds JSON-ready dicts and the caller sends them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from .._message import OutgoingMessage

#: the API's limit on personalizations per request (and on recipients: one each here)
MAX_PERSONALIZATIONS = 1000
#: the v3 reference's limit on one personalization's substitutions, in UTF-8 bytes
MAX_SUBSTITUTION_BYTES = 10_000
TEXT_TAG = "-wsrBodyText-"
HTML_TAG = "-wsrBodyHtml-"
NOTICE_ARG = "notice_id"


@attrs.frozen
class Batch:
    """One request's worth of messages and the JSON body that sends them."""

    messages: tuple[OutgoingMessage, ...]
    body: dict[str, Any]


def batches(
    messages: Sequence[OutgoingMessage],
    *,
    from_email: str,
    from_name: str,
    limit: int = MAX_PERSONALIZATIONS,
) -> list[Batch]:
    """Group ``messages`` into requests: by (template, language, has HTML), at most ``limit``
    each, every address at most once per request; input order is kept within a group."""
    if not 1 <= limit <= MAX_PERSONALIZATIONS:
        raise ValueError(f"limit must be 1..{MAX_PERSONALIZATIONS}, not {limit}")
    sender = {"email": from_email, "name": from_name} if from_name else {"email": from_email}
    groups: dict[tuple[str, str, bool], list[OutgoingMessage]] = {}
    alone: list[OutgoingMessage] = []
    for m in messages:
        if _fits_substitution(m):
            groups.setdefault((m.template, m.language, m.body_html is not None), []).append(m)
        else:
            alone.append(m)
    out = [
        Batch(tuple(chunk), _substituted(chunk, sender, has_html))
        for (_t, _l, has_html), group in groups.items()
        for chunk in _chunks(group, limit)
    ]
    out.extend(Batch((m,), _single(m, sender)) for m in alone)
    return out


def _fits_substitution(m: OutgoingMessage) -> bool:
    parts = [m.body_text] + ([m.body_html] if m.body_html is not None else [])
    if any(tag in text for text in [*parts, m.subject] for tag in (TEXT_TAG, HTML_TAG)):
        return False
    size = sum(len(t.encode()) for t in parts) + len(TEXT_TAG) + len(HTML_TAG)
    return size <= MAX_SUBSTITUTION_BYTES


def _chunks(group: list[OutgoingMessage], limit: int) -> Iterator[list[OutgoingMessage]]:
    """Chunks of at most ``limit`` where no address repeats; a repeat waits for a later chunk."""
    pending = list(group)
    while pending:
        seen: set[str] = set()
        chunk: list[OutgoingMessage] = []
        rest: list[OutgoingMessage] = []
        for m in pending:
            key = m.to_email.strip().lower()
            if len(chunk) < limit and key not in seen:
                seen.add(key)
                chunk.append(m)
            else:
                rest.append(m)
        yield chunk
        pending = rest


def _to(m: OutgoingMessage) -> dict[str, str]:
    return {"email": m.to_email, "name": m.to_name} if m.to_name else {"email": m.to_email}


def _substituted(
    chunk: list[OutgoingMessage], sender: dict[str, str], has_html: bool
) -> dict[str, Any]:
    content = [{"type": "text/plain", "value": TEXT_TAG}]
    if has_html:
        content.append({"type": "text/html", "value": HTML_TAG})
    personalizations = []
    for m in chunk:
        subs = {TEXT_TAG: m.body_text}
        if has_html:
            assert m.body_html is not None
            subs[HTML_TAG] = m.body_html
        personalizations.append(
            {
                "to": [_to(m)],
                "subject": m.subject,
                "substitutions": subs,
                "custom_args": {NOTICE_ARG: m.notice_id},
            }
        )
    return {
        "from": sender,
        "personalizations": personalizations,
        "content": content,
        # the first personalization's subject stands at the top too: the API requires one there
        # or in every personalization, and every personalization has its own
        "subject": chunk[0].subject,
    }


def _single(m: OutgoingMessage, sender: dict[str, str]) -> dict[str, Any]:
    content = [{"type": "text/plain", "value": m.body_text}]
    if m.body_html is not None:
        content.append({"type": "text/html", "value": m.body_html})
    return {
        "from": sender,
        "personalizations": [
            {"to": [_to(m)], "subject": m.subject, "custom_args": {NOTICE_ARG: m.notice_id}}
        ],
        "content": content,
        "subject": m.subject,
    }
