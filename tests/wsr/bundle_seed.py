"""A tracked Fair Food agreement with everything a bundle shows: events (a complaint naming its
complainant), evidence (PDF and not), notices sent through the outbox and a signed delivery
event from the webhook — built through the real service, sweep and webhook, on a SQL store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from clauses import assemble, load_library, parse_answers
from obligations import ObligationService
from scheduler import list_notices, sweep, webhook_app
from scheduler.notify import OutboxNotifier
from tests.scheduler.webhook_client import Served, Signer, body_of, event

NY = ZoneInfo("America/New_York")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"
#: who complained: it must never reach a brand's bundle, in any file or any PDF page
COMPLAINANT = "W-ROSA-0147"
#: the confidential text of the retaliation finding
FINDING = "Rosa was moved to night shifts after she complained"
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=NY)
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=NY)
MONITOR = "monitor@fairstandards.example"


def pdf_bytes(*lines: str) -> bytes:
    """A small, valid one-page PDF showing ``lines`` (Helvetica), made by hand so the tests need
    no PDF writer: pypdf reads its text back."""
    text = (
        "BT /F1 11 Tf 72 720 Td 14 TL "
        + " ".join(
            "(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for ln in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text.encode("latin-1") + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@dataclass
class Seeded:
    agreement_id: str
    premium_id: str
    investigation_id: str
    watch_id: str
    notice_id: str
    buyer: str


def _at(day: str, hour: int = 10) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, tzinfo=NY)


def seed(store, tmp: Path) -> Seeded:
    lib = load_library()
    agreement = assemble(parse_answers(EXAMPLE, lib), lib)
    service = ObligationService(store, actor=MONITOR)
    with store.transaction():
        tracked = service.track(agreement, signed_on=date(2026, 1, 5), now=T0)
    aid = tracked.agreement_id

    def ev(day: str, kind: str, **fields: str):
        with store.transaction():
            return service.record_event(aid, kind, on=day, fields=fields, now=_at(day, 18))

    ev("2026-01-07", "purchase_recorded", supplier="GROWER-A", quantity="250000", unit="lb")
    filed = ev(
        "2026-02-02",
        "complaint_filed",
        supplier="GROWER-C",
        category="harassment",
        complainant_ref=COMPLAINANT,
    )
    investigation = next(o for o in filed.created if o.spec_id.endswith(".investigation"))
    watch = next((o for o in filed.created if o.spec_id.startswith("non_retaliation")), None)
    with store.read():
        premium = next(
            o
            for o in store.find_obligations(agreement_id=aid, spec_id="premium.payment")
            if o.subject == "GROWER-A"
        )
    with store.transaction():
        service.fulfil(
            investigation.id,
            on="2026-02-12",
            evidence=(
                f"investigation-{COMPLAINANT}.pdf",
                pdf_bytes("Investigation report", f"Complainant {COMPLAINANT}", FINDING),
            ),
            note=f"interviewed {COMPLAINANT} on site",
            now=_at("2026-02-12", 18),
        )
    ev("2026-02-20", "retaliation_found", supplier="GROWER-C", complainant_ref=COMPLAINANT,
       text=FINDING)  # fmt: skip
    with store.transaction():
        service.fulfil(
            premium.id,
            on="2026-02-05",
            evidence=("remittance.pdf", pdf_bytes("Remittance advice", "Premium paid in full")),
            note="bank remittance",
            now=_at("2026-02-21", 9),
        )
    with store.read():
        report = next(
            o
            for o in store.find_obligations(agreement_id=aid)
            if o.kind in ("report", "action") and o.trigger_event_id is None
            and o.state.value == "in_effect"
        )  # fmt: skip
    with store.transaction():
        service.fulfil(
            report.id,
            on="2026-02-21",
            evidence=("suppliers.csv", b"id,name\nGROWER-A,Example Sunrise Farms LLC\n"),
            note="supplier list as disclosed",
            now=_at("2026-02-21", 10),
        )
    box = OutboxNotifier(tmp / "outbox", from_email="notices@wsr-engine.invalid")
    sweep(store, box, now=_at("2026-03-05", 9), actor="test", console_url="https://c.example")
    with store.read():
        sent = [n for n in list_notices(store, agreement_id=aid) if n["state"] == "sent"]
    notice = sent[0]
    signer = Signer()
    stamp = int(_at("2026-03-06", 9).timestamp())  # delivered the next morning
    mid = notice["provider_message_id"]
    body = body_of(
        [
            event(notice["id"], "processed", stamp - 60, mid=mid),
            event(notice["id"], "delivered", stamp - 30, mid=mid),
        ]
    )
    with Served(webhook_app(store.engine, signer.public_b64)) as web:
        status, answer = web.post(body, signer.headers(body))
        assert status == 200, answer
    return Seeded(
        agreement_id=aid,
        premium_id=premium.id,
        investigation_id=investigation.id,
        watch_id=watch.id if watch is not None else "",
        notice_id=notice["id"],
        buyer=agreement.party("buyer").name,
    )
