"""`wsr demo`: the end-to-end demonstration, from answers files to tracked obligations.

It drafts every example agreement (JSON record, DOCX, Markdown, PDF where LibreOffice is
installed, and the deviation report + redline against the standard text), then tracks the
Fair-Food-style agreement in a fresh SQLite database inside the output folder and replays a
season of events modelled on the catalogue's scenario A: a week of purchases accrues the premium,
the buyer pays, the grower's payroll passes through less than the workers' share, the grower is
suspended, the buyer buys again after the cut-off, a worker files a complaint, and the grower is
reinstated. It finishes with the obligations table, a calendar feed and an audit-chain check.

The replay acts at a fixed instant (2026-04-20 09:00 New York) unless ``--now`` is given, so the
output is the same on every machine and every day.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ._cmd_obligations import _table
from ._draft import draft_files
from .cli import app, settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEMO_NOW = "2026-04-20T09:00:00-04:00"
FAIR_FOOD = "fair-food-produce.yaml"

#: (date, event type, fields); "{premium}" is replaced by the accrued premium obligation's id
SEASON: list[tuple[str, str, dict[str, str]]] = [
    (
        "2026-01-07",
        "purchase_recorded",
        {"supplier": "GROWER-A", "quantity": "250000", "unit": "lb"},
    ),
    ("2026-01-09", "purchase_recorded", {"supplier": "GROWER-B", "quantity": "90", "unit": "cwt"}),
    ("2026-01-23", "payment_recorded", {"obligation": "{premium}", "amount": "2500.00"}),
    (
        "2026-01-30",
        "payroll_recorded",
        {
            "supplier": "GROWER-A",
            "pay_date": "2026-01-30",
            "premium_paid": "1900.00",
            "workers": "42",
        },
    ),
    (
        "2026-03-02",
        "supplier_suspended",
        {"supplier": "GROWER-A", "reason": "pass-through shortfall not corrected"},
    ),
    ("2026-03-12", "purchase_recorded", {"supplier": "GROWER-A", "quantity": "500", "unit": "lb"}),
    (
        "2026-03-16",
        "complaint_filed",
        {"supplier": "GROWER-C", "category": "harassment", "complainant_ref": "C-0147"},
    ),
    ("2026-04-14", "supplier_reinstated", {"supplier": "GROWER-A"}),
]


def _say(text: str) -> None:
    typer.echo(text)


def _notices(store: Any, out: Path, now: datetime) -> None:
    """Issue 10: a sweep at ``now`` decides the notices due and sends them into an outbox
    folder of .eml files (no mail account needed); then a sweep on the day the next reminders
    fall due sends those. Says where they are."""
    from scheduler import list_notices, sweep
    from scheduler.notify import OutboxNotifier

    box = OutboxNotifier(out / "outbox", from_email="notices@wsr-engine.invalid")
    _say("")
    for at in (now, _next_reminder_day(store, now)):
        if at is None:
            break
        done = sweep(store, box, now=at, actor="demo", console_url="http://localhost:8000")
        n = done.notices_json()
        _say(
            f"== Notices at {at.isoformat()}: {n['decided']} decided, {n['sent']} sent into "
            f"{box.folder}/ (one .eml file each, readable in any mail client)"
        )
        with store.read():
            listed = [r for r in list_notices(store) if r["decided_at"] == at]
        steps: dict[str, int] = {}
        for r in listed:
            steps[r["step"]] = steps.get(r["step"], 0) + 1
        _say("  by step: " + (", ".join(f"{k} {v}" for k, v in sorted(steps.items())) or "-"))
        for r in [r for r in listed if r["step"].startswith("reminder")][:5]:
            _say(f"  {box.path_of(r['id'])}  to {r['recipient']}: {r['subject']}")
    _say(f"(all: wsr --db sqlite:///{out / 'demo.db'} notices)")


def _next_reminder_day(store: Any, now: datetime) -> datetime | None:
    """09:00 local on the first day after ``now`` on which a reminder falls due."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from clauses import Agreement
    from obligations import LegalState
    from scheduler import DEFAULT_REMINDERS

    best: datetime | None = None
    with store.read():
        for tracked in store.list_agreements():
            tz = ZoneInfo(tracked.timezone)
            today = now.astimezone(tz).date()
            specs = {s.id: s for s in Agreement.from_json(tracked.record_json).specs}
            for ob in store.find_obligations(
                agreement_id=tracked.id, states={LegalState.IN_EFFECT}
            ):
                spec = specs.get(ob.spec_id)
                offsets = spec.reminders if spec is not None else DEFAULT_REMINDERS
                if ob.kind == "prohibition":
                    continue
                for d in offsets:
                    day = ob.due - timedelta(days=d)
                    if day > today:
                        at = datetime(day.year, day.month, day.day, 9, tzinfo=tz)
                        best = at if best is None or at < best else best
    return best


@app.command("demo")
def demo(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for everything the demo writes.")
    ] = Path("demo-out"),
    examples: Annotated[
        Path, typer.Option("--examples", help="Folder of answers files to draft.")
    ] = EXAMPLES,
    no_serve: Annotated[
        bool,
        typer.Option("--no-serve", help="Stop after the demo data (for scripts and tests)."),
    ] = False,
    host: Annotated[str, typer.Option("--host", help="Console address to listen on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="Console TCP port.")] = 8000,
) -> None:
    """Draft the example agreements, track one through a season of events, then serve the
    web console on that data (Ctrl-C stops it; --no-serve stops before)."""
    from ._cmd_serve import check_address

    if not no_serve:
        check_address(host, port)  # a bad --port is refused before anything is written
    from clauses import (
        Agreement,
        assemble,
        atomic_outputs,
        atomic_write,
        load_library,
        parse_answers,
    )
    from obligations import (
        ObligationService,
        calendar_feed,
        calendar_sequences,
        open_store,
        verify_chain,
    )

    st = settings(ctx)
    now = st.now() if st.now_text else datetime.fromisoformat(DEMO_NOW)
    lib = load_library()
    formats = ["docx", "md"] + (["pdf"] if shutil.which("soffice") else [])
    files = sorted(examples.glob("*.yaml"))
    if not files:
        raise typer.BadParameter(
            f"no answers files (*.yaml) in {examples}", param_hint="--examples"
        )

    _say(f"== Drafting {len(files)} example agreements into {out}/ ({', '.join(formats)})")
    records: dict[str, Path] = {}
    for path in files:
        answers = parse_answers(path, lib)
        agreement = assemble(answers, lib)
        standard = assemble(answers.as_standard(lib), lib)
        with atomic_outputs(out) as stage:
            names = draft_files(
                agreement, stage, formats, standard=standard, redline_time=lambda: now
            )
        records[path.name] = out / f"{agreement.id}.json"
        _say(f"{path.name}: {agreement.title}")
        for name in names:
            _say(f"  {out / name}")
    if "pdf" not in formats:
        _say("(PDF skipped: LibreOffice is not installed — ./dev demo installs it)")

    record = records.get(FAIR_FOOD)
    if record is None:
        _say(f"(tracking skipped: {FAIR_FOOD} is not among the examples)")
        return
    db = out / "demo.db"
    db.unlink(missing_ok=True)
    tracked_ok = False
    store = open_store(f"sqlite:///{db}")
    try:
        service = ObligationService(store, actor="demo")
        agreement = Agreement.from_json(record.read_text(encoding="utf-8"))
        with store.transaction():
            tracked = service.track(agreement, signed_on=date(2026, 1, 5), now=now)
        _say("")
        count = tracked.obligations
        _say(f"== Tracking {tracked.agreement_id} in {db}: {count} obligations compiled")
        premium_id = ""
        for day, kind, fields in SEASON:
            given = {k: v.replace("{premium}", premium_id) for k, v in fields.items()}
            with store.transaction():
                result = service.record_event(
                    tracked.agreement_id, kind, on=day, fields=given, now=now
                )
            if kind == "purchase_recorded" and not premium_id:
                premium_id = next(
                    (
                        o.id
                        for o in result.created + result.changed
                        if o.spec_id == "premium.payment"
                    ),
                    "",
                )
            shown = ", ".join(f"{k}={v}" for k, v in given.items())
            _say(f"{day} {kind} {shown}")
            for message in result.messages:
                _say(f"    {message}")
        with store.transaction():
            listed = service.obligations(agreement_id=tracked.agreement_id, now=now)
            feed = calendar_feed(
                listed,
                now=now,
                agreements={a.id: a for a in store.list_agreements()},
                sequence=calendar_sequences(store.audit_entries(tracked.agreement_id), listed),
            )
            problems = verify_chain(
                store.audit_entries(),
                key=store.audit_key.load(),
                legacy_seq=store.audit_head().legacy_seq,
            )
            entries = len(store.audit_entries())
        interesting = [
            o
            for o in listed
            if o.flags
            or o.spec_id.split(".")[0] in ("premium", "sourcing_cutoff", "complaint_mechanism")
        ]
        _say("")
        _table(interesting, now)
        _say(
            f"(showing the {len(interesting)} premium, cut-off and complaint obligations "
            f"of {len(listed)}; all: wsr --db sqlite:///{db} obligations --now {now.isoformat()})"
        )
        ics = out / "deadlines.ics"
        atomic_write(ics, feed)
        _say(f"calendar feed: {ics}")
        _say(
            f"audit log: {entries} entries, "
            + ("chain OK" if not problems else f"{len(problems)} problems")
        )
        _notices(store, out, now)
        logins = [] if no_serve else _demo_users(store, agreement)
        tracked_ok = True
    finally:
        store.engine.dispose()
    if tracked_ok and not no_serve:
        _serve(db, now, host, port, logins)


#: the demo's console users: (email, role); the counsel user gets the tracked buyer's name
DEMO_USERS = (
    ("monitor@demo.wsr.invalid", "monitor"),
    ("counsel@demo.wsr.invalid", "counsel"),
    ("negotiator@demo.wsr.invalid", "negotiator"),
    ("admin@demo.wsr.invalid", "admin"),
)


def _demo_users(store: Any, agreement: Any) -> list[tuple[str, str, str]]:
    """One console user per role in the demo database, sharing one password made now (the
    database is new each run, so are the users): (email, role, password)."""
    import secrets

    from .console._access import Role, buyer_names
    from .console._auth import hash_password, wall_clock
    from .console._users import add_user

    password = secrets.token_urlsafe(12)
    hashed = hash_password(password)
    brand = sorted(buyer_names(agreement.to_json()))[0]
    made = []
    with store.engine.begin() as conn:
        for email, role in DEMO_USERS:
            add_user(
                conn,
                email,
                Role(role),
                brand=brand if role == "counsel" else None,
                password_hash=hashed,
                now=wall_clock(),
            )
            made.append((email, role if role != "counsel" else f"counsel for {brand}", password))
    return made


def _serve(
    db: Path, now: datetime, host: str, port: int, logins: list[tuple[str, str, str]]
) -> None:
    """The console on the demo database, at the demo's instant (so its dashboard shows the
    season as the tables above do)."""
    from ._cmd_serve import run_console
    from ._settings import resolve

    base = resolve(f"sqlite:///{db.resolve()}", now.isoformat())

    def tell(address: str) -> None:
        _say(f"demo logins (password for all: {logins[0][2]}):")
        for email, role, _ in logins:
            _say(f"  {email}  ({role})")
        _say(f"open {address}login and sign in; the console acts at {now.isoformat()}")

    _say("")
    _say("== The web console on the demo data (Ctrl-C stops it)")
    run_console(base, host, port, before=tell)
