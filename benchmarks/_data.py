"""Realistic obligation stores for the benchmarks, built once and cached under /tmp.

The instances come from the real engine: agreements assembled from the shipped clause library
(every clause, its standard alternative, 1,500-2,500 suppliers each, a five-year term, effective
dates staggered by a few days) and compiled at :data:`NOW` by ``compile_agreement`` (every
recurrence up to the horizon at NOW, as tracking and the sweeps up to NOW leave it), so
titles, specs, kinds, amounts, periods and due instants are what tracking produces. Each stored
agreement row carries its real record, so ``wsr obligations`` can read the store like any other.
The history is then simulated up to :data:`NOW`: of the instances due before it, most are
fulfilled (some late, some part-paid), a few are still open (overdue), some discharged, some
carry flags (``breach_suspected``, ``partially_paid``, ``disputed``); later ones are in effect.
Finally the store is swept at :data:`NOW` (``ObligationService.sweep``), as the daily sweeps
of a live store leave it: the time rules' own changes (the premium ladder's ``breach_suspected``
after 30 days, missed KPIs) are stored, so the floors' plain SELECTs see what ``wsr`` shows.

    store_file(n)     -> Path of a cached SQLite store with about n instances
    pg_database(n, server_url) -> URL of a cached PostgreSQL database with the same rows
                                  (copied from the SQLite store, so both hold identical data)

The cache key is the schema's migration head plus :data:`DATA_VERSION`, so a new migration or
a change to the generator builds a fresh store instead of benchmarking a stale one.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

#: bump when the generator below changes what it writes (d4: swept at NOW once built, so the
#: store is what daily sweeps leave and a read at NOW has no time step left to show)
DATA_VERSION = "d4"
CACHE = Path("/tmp/wsr-bench-cache")
EPOCH = date(2026, 1, 5)
#: the instant the benchmarks read and sweep at: two and a half years into the first terms
NOW = datetime(2028, 7, 12, 14, 30, tzinfo=UTC)
T0 = datetime(2026, 1, 5, 12, tzinfo=UTC)

COUNTRIES = ("US", "US", "US", "MX", "GT", "BD", "IN", "VN")
WORDS = ("Farms", "Growers", "Produce", "Packing", "Harvest", "Orchards", "Fields", "Ranch")
NAMES = ("Sunrise", "Oak Creek", "Valle Verde", "Immokalee", "Blue Ridge", "Palmetto", "Lakeside")


def schema_key() -> str:
    from obligations._db import head_revision

    return f"{head_revision()}-{DATA_VERSION}"


def log(msg: str) -> None:
    print(f"[data] {msg}", flush=True)


# -- agreements ----------------------------------------------------------------------------------


def _answers(i: int, suppliers: int, rng: random.Random) -> dict[str, Any]:
    from clauses import load_library

    lib = load_library()
    answers: dict[str, Any] = {
        "agreement": {
            "title": f"{rng.choice(NAMES)} Fair Food Agreement {2026 + i % 3} No. {i + 1}",
            "effective_date": EPOCH + timedelta(days=3 * i),
            "timezone": rng.choice(("America/New_York", "America/Chicago", "America/Los_Angeles")),
            "currency": "USD",
            "governing_law": "State of Florida",
        },
        "parties": [
            {
                "role": r,
                "name": f"Example {r.replace('_', ' ').title()} {i}",
                "address": f"{10 + i} Main St",
                "email": f"{r}{i}@x.example",
                "signatory": "A. Person",
            }
            for r in ("buyer", "worker_organization", "monitor")
        ],
        "suppliers": [
            {
                "id": f"SUP-{i:03d}-{s:04d}",
                "name": f"{rng.choice(NAMES)} {rng.choice(WORDS)} {s}",
                "country": rng.choice(COUNTRIES),
            }
            for s in range(suppliers)
        ],
        "clauses": {cid: {"alternative": "standard"} for cid in lib.clauses},
    }
    answers["clauses"]["term_and_renewal"] = {
        "alternative": "standard",
        "initial_term_months": 60,
        "auto_renew": False,
    }
    return answers


def agreement_for(i: int, suppliers: int, rng: random.Random) -> Any:
    """An assembled agreement; a text too long to render for this many suppliers is assembled
    with a few and sealed with all of them (compiling needs only the specs and supplier ids)."""
    from clauses import TemplateError, assemble, load_library, parse_answers
    from clauses._agreement import seal

    lib = load_library()
    answers = _answers(i, suppliers, rng)
    try:
        return assemble(parse_answers(answers, lib), lib)
    except TemplateError:
        few = {**answers, "suppliers": answers["suppliers"][:26]}
        body = assemble(parse_answers(few, lib), lib).model_dump(mode="json")
        body["suppliers"] = answers["suppliers"]
        return seal(body)


# -- history -------------------------------------------------------------------------------------


def simulate(ob: Any, rng: random.Random) -> Any:
    """The instance as its history up to NOW left it (states, payments, flags, evidence)."""
    from obligations import EvidenceState, LegalState

    if ob.due_at > NOW:
        return ob
    r = rng.random()
    if r < 0.90:
        late = rng.random() < 0.06
        done = ob.due + timedelta(days=rng.randrange(1, 20)) if late else ob.due
        done = min(done, NOW.date())
        return attrs.evolve(
            ob,
            state=LegalState.FULFILLED,
            fulfilled_on=done,
            late=late,
            paid=ob.amount.value if ob.amount is not None else Decimal(0),
            evidence=EvidenceState.ACCEPTED if ob.kind != "payment" else EvidenceState.NONE,
            flags=frozenset({"late"}) if late else frozenset(),
            updated_at=datetime.combine(done, datetime.min.time(), tzinfo=UTC),
        )
    if r < 0.95:
        return attrs.evolve(ob, state=LegalState.DISCHARGED, updated_at=ob.due_at)
    # still open: overdue, some with something to look at
    flags: set[str] = set()
    paid = Decimal(0)
    evidence = EvidenceState.NONE
    pick = rng.random()
    if pick < 0.3 and ob.amount is not None and ob.amount.value > 0:
        paid = (ob.amount.value * Decimal(rng.choice((25, 50, 75))) / 100).quantize(Decimal("0.01"))
        flags.add("partially_paid")
    elif pick < 0.5:
        flags.add("breach_suspected")
    elif pick < 0.6:
        flags.add("disputed")
        evidence = EvidenceState.SUBMITTED
    return attrs.evolve(ob, flags=frozenset(flags), paid=paid, evidence=evidence)


def premiums(agreement: Any, rng: random.Random) -> Iterator[Any]:
    """Premium instances as recorded purchases would create them: about one supplier-week in
    ten has purchases (quantities from 5,000 to 500,000 lb at a cent a pound), due 31 days after
    the week; each paid one brings its workers' share (97 %) due a week after the payment."""
    from obligations import LegalState, Money, Obligation, obligation_id
    from obligations._calendar import end_of_local_day

    aid, tz = agreement.id, agreement.timezone
    first = agreement.effective_date
    sections = {s.clause_id: s.number for s in agreement.sections}
    section = str(sections.get("premium", "5"))
    for week in range(260):
        start = first + timedelta(weeks=week)
        end = start + timedelta(days=6)
        if end + timedelta(days=31) > _end(first).date():
            return
        for sup in agreement.suppliers:
            if rng.random() >= 0.1:
                continue
            quantity = rng.randrange(5_000, 500_000)
            amount = Money(value=Decimal(quantity) / 100, currency=agreement.currency)
            due = end + timedelta(days=31)
            common = {
                "agreement_id": aid,
                "clause_id": "premium",
                "clause_version": "1.0.0",
                "section": section,
                "kind": "payment",
                "subject": sup.id,
                "state": LegalState.IN_EFFECT,
                "created_at": datetime.combine(start, datetime.min.time(), tzinfo=UTC),
                "updated_at": datetime.combine(end, datetime.min.time(), tzinfo=UTC),
            }
            key = start.isoformat()
            yield Obligation(
                id=obligation_id(aid, "premium.payment", sup.id, key),
                spec_id="premium.payment",
                title="Pay the Premium for the period",
                obligor="buyer",
                beneficiary="supplier",
                key=key,
                period_start=start,
                period_end=end,
                due=due,
                due_at=end_of_local_day(due, tz),
                amount=amount,
                data={"quantity": str(quantity), "unit": "lb"},
                **common,
            )
            paid_on = due - timedelta(days=rng.randrange(0, 10))
            if datetime.combine(paid_on, datetime.min.time(), tzinfo=UTC) > NOW:
                continue
            share = Money(value=(amount.value * 97 / 100).quantize(Decimal("0.01")), currency="USD")
            pdue = paid_on + timedelta(days=7)
            yield Obligation(
                id=obligation_id(aid, "premium.pass_through", sup.id, key),
                spec_id="premium.pass_through",
                title="Pass the Workers' Share through to workers' pay",
                obligor="supplier",
                beneficiary="workers",
                key=key,
                due=pdue,
                due_at=end_of_local_day(pdue, tz),
                amount=share,
                **common,
            )


def agreement_instances(index: int, agreement: Any) -> Iterator[Any]:
    """Compiled instances as tracking and the sweeps up to NOW leave them (recurrences up to
    the horizon at NOW, so a sweep after NOW has periods to materialise), then the premiums,
    each with its history."""
    from obligations._compile import compile_agreement

    rng = random.Random(20261201 + index)
    compiled = compile_agreement(agreement, agreement.effective_date, NOW)
    for ob in compiled:
        yield simulate(ob, rng)
    for ob in premiums(agreement, rng):
        yield simulate(ob, rng)


def plan(n: int) -> list[tuple[Any, Any]]:
    """(agreement, tracked row) pairs whose instances add up to about ``n``.

    The agreements are assembled first (cheap) so their rows can be stored before the
    instances stream into ``bulk_load``; the count per supplier is measured on the first one.
    """
    from obligations import TrackedAgreement

    rng = random.Random(20261201)
    out: list[tuple[Any, Any]] = []
    expected, per_supplier = 0.0, 0.0
    i = 0
    while expected < n:
        suppliers = rng.randrange(1500, 2501)
        if per_supplier:
            suppliers = max(26, min(suppliers, int((n - expected) / per_supplier) + 1))
        agreement = agreement_for(i, suppliers, rng)
        signed = agreement.effective_date
        if not per_supplier:
            per_supplier = sum(1 for _ in agreement_instances(i, agreement)) / suppliers
        tracked = TrackedAgreement(
            id=agreement.id,
            title=agreement.title,
            timezone=agreement.timezone,
            currency=agreement.currency,
            signed_on=signed,
            effective_date=agreement.effective_date,
            term_end=date(signed.year + 5, signed.month, signed.day) - timedelta(days=1),
            status="active",
            record_json=agreement.to_json(),
            created_at=T0,
        )
        out.append((agreement, tracked))
        expected += per_supplier * suppliers
        i += 1
    return out


def _end(signed: date) -> datetime:
    return datetime.combine(signed + timedelta(days=5 * 366), datetime.min.time(), tzinfo=UTC)


def instances(planned: list[tuple[Any, Any]], n: int) -> Iterator[Any]:
    """The instances of the planned agreements, at most ``n`` of them."""
    made = 0
    for i, (agreement, _) in enumerate(planned):
        for ob in agreement_instances(i, agreement):
            if made >= n:
                return
            made += 1
            yield ob


# -- stores --------------------------------------------------------------------------------------


def build(store: Any, n: int) -> int:
    """Agreements first, then every instance streamed into one ``bulk_load``."""
    start = time.perf_counter()
    planned = plan(n)
    with store.transaction():
        for _, tracked in planned:
            store.add_agreement(tracked)
    loaded = int(store.bulk_load(instances(planned, n)))
    log(f"{loaded:,} instances of {len(planned)} agreements in {time.perf_counter() - start:.0f} s")
    sweep_at_now(store)
    return loaded


def sweep_at_now(store: Any) -> None:
    """Store what a sweep at NOW does (see the module docstring)."""
    from obligations import ObligationService

    start = time.perf_counter()
    result = ObligationService(store, actor="bench").sweep(now=NOW)
    log(
        f"swept at NOW: {len(result.created):,} created, {len(result.changed):,} changed "
        f"in {time.perf_counter() - start:.0f} s"
    )


def store_file(n: int) -> Path:
    """The cached SQLite store with about n instances (built on first use)."""
    from obligations._db import make_engine, upgrade
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"store-{schema_key()}-{n}.db"
    if path.exists():
        return path
    part = path.with_suffix(".partial")
    part.unlink(missing_ok=True)
    _audit_key(part).unlink(missing_ok=True)  # a failed build's key signs nothing of this one
    log(f"building {path} (once; later runs reuse it)")
    engine = make_engine(f"sqlite:///{part}")
    try:
        upgrade(engine)
        loaded = build(SqlAlchemyObligationStore(engine), n)
    finally:
        engine.dispose()
    with sqlite3.connect(part) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to copy
    part.rename(path)
    # the store signed its audit log with a key beside the file it was built as: move it along
    # (left behind, the cached store's log could not be verified or appended to)
    key = _audit_key(part)
    if key.exists():
        key.rename(_audit_key(path))
    log(f"built {loaded:,} instances")
    return path


def newest_cached(n: int) -> Path:
    """The newest cached store of size ``n`` built by this :data:`DATA_VERSION`, whatever schema
    head it was built at (built once at this head if there is none).

    Migrations after 0003 only add tables, columns and indexes, so an older store migrated to
    the head (:func:`migrated_copy`) holds this generator's rows; benchmarking it spares a
    rebuild of the million-instance store for every migration that adds an index.
    """
    found = sorted(
        (p for p in CACHE.glob(f"store-*-{DATA_VERSION}-{n}.db") if p.stat().st_size > 0),
        key=lambda p: p.stat().st_mtime,
    )
    return found[-1] if found else store_file(n)


def migrated_copy(n: int, into: Path) -> Path:
    """A private copy of :func:`newest_cached` migrated to this engine's head (then ANALYZE)."""
    import shutil

    from obligations._db import make_engine, upgrade

    source = newest_cached(n)
    target = into / f"store-{n}.db"
    shutil.copyfile(source, target)
    if _audit_key(source).exists():
        shutil.copy2(_audit_key(source), _audit_key(target))
    engine = make_engine(f"sqlite:///{target}")
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return target


def count_in(db: Path) -> int:
    """How many instances the SQLite store ``db`` holds."""
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM obligations").fetchone()[0])


def _audit_key(db: Path) -> Path:
    """Where the engine keeps the audit key of the SQLite file ``db`` (``_auditkey``)."""
    return db.with_name(db.name + ".audit-key")


def count(n: int) -> int:
    """How many instances the cached store for size ``n`` really holds (about ``n``)."""
    with sqlite3.connect(store_file(n)) as conn:
        return int(conn.execute("SELECT count(*) FROM obligations").fetchone()[0])


def working_copy(n: int, into: Path) -> Path:
    """A private copy of the cached store: today's reads may still write, the cache must not."""
    import shutil

    target = into / f"store-{n}.db"
    source = store_file(n)
    shutil.copyfile(source, target)
    if _audit_key(source).exists():  # the copy's log verifies and appends like the cache's
        shutil.copy2(_audit_key(source), _audit_key(target))
    return target


def pg_database(n: int, server: str) -> str:
    """URL of the cached PostgreSQL database with the SQLite store's rows (built on first use)."""
    import sqlalchemy as sa

    from obligations._db import make_engine, upgrade
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

    base = sa.engine.make_url(server)
    name = f"wsr_bench_{schema_key().replace('-', '_')}_{n}"
    url = base.set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).scalar()
            if exists:
                return url
            log(f"building PostgreSQL database {name} (once)")
            conn.exec_driver_sql(f'CREATE DATABASE "{name}_partial"')
        engine = make_engine(base.set(database=f"{name}_partial").render_as_string(False))
        source = make_engine(f"sqlite:///{store_file(n)}")
        try:
            upgrade(engine)
            store, cached = SqlAlchemyObligationStore(engine), SqlAlchemyObligationStore(source)
            with cached.transaction():
                agreements, obs = cached.list_agreements(), cached.find_obligations()
            with store.transaction():
                for a in agreements:
                    store.add_agreement(a)
            loaded = store.bulk_load(obs)
            del obs
            # the agreements' wakes as the sweep at NOW left them (adding rows forgets them)
            with store.transaction():
                store.set_wakes({a.id: a.wake_at for a in agreements})
        finally:
            engine.dispose()
            source.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
        log(f"built {loaded:,} instances")
    finally:
        admin.dispose()
    return url
