"""Proof of service: a certificate for one notice, read from the notices and webhook tables.

It says what was sent (step, subject, the text itself), to whom, when, by which provider under
which message id, the SHA-256 taken when the notice was decided — recomputed here from the
stored text, so a reader sees at once that the text shown is the text hashed — and every
delivery event the signed webhook recorded for it, each with the raw request it came in and
that request's verification result. Webhook requests that named the notice but failed
verification are listed apart: they are not evidence, and the certificate says so.

Pure reading and formatting here; :mod:`._certificate_files` writes the Markdown and PDF.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import Engine

from clauses import Conflict, NotFound
from obligations.stores._sqltables import (
    agreements,
    notice_events,
    notices,
    obligations,
    webhook_requests,
)

from ._render import message_sha256


@attrs.frozen
class Certificate:
    notice: dict[str, Any]
    agreement_title: str
    obligation: dict[str, Any] | None
    events: tuple[dict[str, Any], ...]
    refused: tuple[dict[str, Any], ...]
    recomputed_sha256: str
    generated_at: datetime

    @property
    def hash_matches(self) -> bool:
        return bool(self.recomputed_sha256 == self.notice["sha256"])


def load_certificate(engine: Engine, notice_id: str, *, now: datetime) -> Certificate:
    """The certificate of ``notice_id``; NotFound for no such notice, Conflict for one that
    was never sent (there is no service to certify)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(notices).where(notices.c.id == notice_id)).mappings().first()
        if row is None:
            raise NotFound("notice", notice_id, path="NOTICE_ID", hint="see `wsr notices`")
        notice = dict(row)
        if notice["state"] != "sent":
            raise Conflict(
                "NOTICE_ID",
                f"notice {notice_id} has not been sent (it is {notice['state']}); a "
                "certificate of service exists only for a sent notice",
            )
        title = conn.execute(
            sa.select(agreements.c.title).where(agreements.c.id == notice["agreement_id"])
        ).scalar_one_or_none()
        ob = (
            conn.execute(
                sa.select(
                    obligations.c.id,
                    obligations.c.clause_id,
                    obligations.c.clause_version,
                    obligations.c.spec_id,
                    obligations.c.title,
                ).where(obligations.c.id == notice["obligation_id"])
            )
            .mappings()
            .first()
        )
        events = conn.execute(
            sa.select(
                notice_events.c.event,
                notice_events.c.event_at,
                notice_events.c.sg_message_id,
                notice_events.c.payload,
                webhook_requests.c.id.label("request_id"),
                webhook_requests.c.received_at,
                webhook_requests.c.verified,
                webhook_requests.c.signature_header,
            )
            .join(webhook_requests, webhook_requests.c.id == notice_events.c.request_id)
            .where(notice_events.c.notice_id == notice_id)
            .order_by(notice_events.c.event_at, notice_events.c.id)
        ).mappings()
        event_rows = tuple(dict(e) for e in events)
        refused = conn.execute(
            sa.select(
                webhook_requests.c.id,
                webhook_requests.c.received_at,
                webhook_requests.c.reason,
            )
            .where(
                webhook_requests.c.verified.is_(False),
                webhook_requests.c.raw_body.contains(notice_id, autoescape=True),
            )
            .order_by(webhook_requests.c.id)
        ).mappings()
        refused_rows = tuple(dict(r) for r in refused)
    return Certificate(
        notice=notice,
        agreement_title=title or "",
        obligation=dict(ob) if ob else None,
        events=event_rows,
        refused=refused_rows,
        recomputed_sha256=message_sha256(
            notice["recipient"], notice["subject"], notice["body_text"], notice["body_html"]
        ),
        generated_at=now,
    )


def _t(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "—"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def sections(cert: Certificate) -> list[tuple[str, list[tuple[str, str]] | list[list[str]] | str]]:
    """The certificate as titled parts (facts as label/value pairs, tables as rows, text),
    shared by the Markdown and the PDF so the two never say different things."""
    n = cert.notice
    ob = cert.obligation
    offset = f" ({n['offset_days']} days)" if n["offset_days"] is not None else ""
    facts: list[tuple[str, str]] = [
        ("Notice", n["id"]),
        ("Step", n["step"] + offset),
        ("Agreement", f"{n['agreement_id']} — {cert.agreement_title}".rstrip(" —")),
        ("Obligation", n["obligation_id"]
         + (f" ({ob['title']}; clause {ob['clause_id']} {ob['clause_version']})" if ob else "")),
        ("Due on", n["due_on"].isoformat()),
        ("Recipient", f"{n['recipient_name']} <{n['recipient']}> ({n['recipient_role']})"),
        ("Language", n["language"]),
        ("Decided at", _t(n["decided_at"])),
        ("Sent at", _t(n["sent_at"])),
        ("Provider", n["provider"] or "—"),
        ("Provider message id", n["provider_message_id"] or "—"),
        ("Attempts", str(n["attempts"])),
        ("SHA-256 (recorded when decided)", n["sha256"]),
        ("SHA-256 (recomputed from the text below)", cert.recomputed_sha256
         + ("  — matches" if cert.hash_matches else "  — DOES NOT MATCH")),
        ("Delivery (latest event)", n["delivery"] or "no delivery event recorded"),
        ("Delivered at", _t(n["delivered_at"])),
    ]  # fmt: skip
    header = ["#", "Event", "At (UTC)", "SendGrid message id", "Webhook request", "Received",
              "Signature"]  # fmt: skip
    events: list[list[str]] = [header] + [
        [str(i), e["event"], _t(e["event_at"]), e["sg_message_id"], f"#{e['request_id']}",
         _t(e["received_at"]), "verified (ECDSA)" if e["verified"] else "not verified"]
        for i, e in enumerate(cert.events, 1)
    ]  # fmt: skip
    out: list[tuple[str, list[tuple[str, str]] | list[list[str]] | str]] = [
        ("What was served", facts),
        ("Delivery events (from SendGrid's signed event webhook)",
         events if cert.events else "No delivery event has been recorded for this notice."),
    ]  # fmt: skip
    if cert.refused:
        out.append(
            (
                "Webhook requests naming this notice that failed verification (not evidence)",
                [["Webhook request", "Received", "Why refused"]]
                + [[f"#{r['id']}", _t(r["received_at"]), r["reason"] or ""] for r in cert.refused],
            )
        )
    body = f"Subject: {n['subject']}\n\n{n['body_text']}"
    out.append(("The message as sent (text part)", body))
    out.append(
        (
            "Statement",
            f"Produced on {_t(cert.generated_at)} by the WSR agreement engine from its notices "
            "table and the raw requests of SendGrid's signed event webhook, which are kept "
            "with their verification results. The SHA-256 covers the recipient, subject, text "
            "and HTML exactly as sent (canonical JSON; see docs/design.md).",
        )
    )
    return out


def to_markdown(cert: Certificate) -> str:
    lines = [f"# Certificate of service — notice {cert.notice['id'][:12]}", ""]
    for title, part in sections(cert):
        lines += [f"## {title}", ""]
        if isinstance(part, str):
            if title.startswith("The message"):
                lines += ["```text", part, "```"]
            else:
                lines.append(part)
        elif part and isinstance(part[0], tuple):
            lines += ["| | |", "|---|---|"]
            lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in part]
        else:
            rows = [list(r) for r in part]
            lines.append("| " + " | ".join(_cell(c) for c in rows[0]) + " |")
            lines.append("|" + "---|" * len(rows[0]))
            lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows[1:]]
        lines.append("")
    return "\n".join(lines)
