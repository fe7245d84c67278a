"""Notice texts: Jinja2 templates in the package, sandboxed like clause text, one per step and
language, chosen per recipient; the SHA-256 of what is rendered is what proof of service cites.

The templates live in ``scheduler/templates/<language>/<step>.j2``, each filling the blocks
``subject`` and ``message`` of its language's ``_layout.j2`` (which says what is due, from whom,
by when, under which clause and section of which agreement, and links to the console). They run
in the same immutable sandbox as clause text, with ``StrictUndefined``: a missing value is an
error, never a blank in a legal notice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import jinja2
from jinja2 import StrictUndefined

from clauses import EngineError
from clauses._templating import ClauseEnvironment, longdate_filter, money_filter

from ._model import Decision

TEMPLATES = Path(__file__).parent / "templates"

#: languages a notice can be written in; a recipient asking for another gets English
LANGUAGES: tuple[str, ...] = ("en", "es")
DEFAULT_LANGUAGE = "en"

_MESES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip

_ROLE_TEXT = {
    "en": {
        "obligor": "the party that owes it",
        "beneficiary": "the party it is owed to",
        "monitor": "the monitor",
        "follower": "a follower of this agreement",
        "holder": "the holder of a power",
    },
    "es": {
        "obligor": "la parte obligada",
        "beneficiary": "la parte beneficiaria",
        "monitor": "el monitor",
        "follower": "seguidor/a de este acuerdo",
        "holder": "titular de una facultad",
    },
}


def fecha_filter(value: Any) -> str:
    """``2026-01-05`` → ``5 de enero de 2026``."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if not isinstance(value, date):
        raise ValueError(f"fecha needs a date, got {type(value).__name__}")
    return f"{value.day} de {_MESES[value.month - 1]} de {value.year}"


@cache
def environment() -> jinja2.Environment:
    env = ClauseEnvironment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters.update(longdate=longdate_filter, fecha=fecha_filter, money=money_filter)
    return env


def language_for(wanted: str) -> str:
    return wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE


@attrs.frozen
class Rendered:
    template: str
    language: str
    subject: str
    body_text: str
    body_html: str | None
    sha256: str


def message_sha256(to_email: str, subject: str, body_text: str, body_html: str | None) -> str:
    """The digest proof of service cites: SHA-256 of the canonical JSON of exactly what is
    sent (recipient, subject, text and HTML bodies), so anyone holding the row can recompute
    it, and a changed byte anywhere changes it."""
    doc = {"to": to_email, "subject": subject, "text": body_text, "html": body_html}
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render(decision: Decision, context: Mapping[str, Any]) -> Rendered:
    """The notice for ``decision`` in its recipient's language; ``context`` holds the facts
    (``scheduler._record.notice_context`` builds it)."""
    language = language_for(decision.recipient.language)
    key = decision.step.value
    values = {
        **context,
        "recipient": decision.recipient,
        "role_text": _ROLE_TEXT[language][decision.recipient.role.value],
        "notice_id": decision.notice_id,
    }
    try:
        tmpl = environment().get_template(f"{language}/{key}.j2")
        # the layout's first line is the subject, the rest the body
        subject, _, body = tmpl.render(values).partition("\n")
    except jinja2.TemplateError as exc:
        raise EngineError(f"scheduler/templates/{language}/{key}.j2: {exc}") from None
    subject = " ".join(subject.split())
    body = body.strip("\n") + "\n"
    digest = message_sha256(decision.recipient.email, subject, body, None)
    return Rendered(key, language, subject, body, None, digest)
