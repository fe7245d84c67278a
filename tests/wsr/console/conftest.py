"""Fixtures every console stream uses (console-shared.md): a migrated database, the seeded
example agreements, one user of each role, signed-in clients and API clients, a live server.

* ``console_db`` — a migrated, empty SQLite URL in ``tmp_path``; ``console_pg`` the same on a
  fresh PostgreSQL database (skipped unless ``WSR_TEST_POSTGRES_URL`` is set).
* ``seeded`` — :class:`Seeded`: the Fair-Food-style and the Bangladesh-Accord-style example
  agreements drafted from ``examples/`` and tracked, the demo's season of events on the first
  (purchases, a payment, a payroll, a suspension, a complaint with ``complainant_ref`` C-0147,
  a reinstatement) and a complaint plus a retaliation finding on the second, at :data:`NOW`;
  and the :data:`USERS`. Built once per session and copied per test (fast, and each test may
  write). ``seed(url)`` does the same on any database (``seeded_pg`` uses it on PostgreSQL).
* ``seeded_notices`` — the same, then the scheduler's sweep at NOW, which decides the notices
  due and sends them into an outbox folder (``send_notices(url)`` does it on any database).
* ``users`` — role name -> :class:`Person` (email, password, role, brand): ``admin``,
  ``monitor``, ``negotiator``, ``counsel`` (the buyer of the fair-food agreement) and
  ``counsel_other`` (a brand party to no seeded agreement).
* ``console_app`` — ``create_app`` on the seeded database with the clock fixed at NOW.
* ``client_for(role)`` — a ``TestClient`` signed in through the real /login form; its
  ``.csrf`` is the session's CSRF token for page POSTs.
* ``api_for(role)`` — a ``TestClient`` sending ``Authorization: Bearer`` with a token made by
  the code behind ``wsr users token``.
* ``live_server`` — uvicorn in a thread on a free loopback port serving ``console_app``; its
  value is the base URL (``http://127.0.0.1:PORT``), for Playwright.
"""

from __future__ import annotations

import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from obligations._db import make_engine, upgrade
from tests.obligations.conftest import pg_engine, sql_store  # noqa: F401  (fixtures: SQL stores)
from tests.pgdb import private_database
from wsr._settings import Settings
from wsr.console._access import Role

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
FAIR_FOOD = "fair-food-produce.yaml"
ACCORD = "accord-garment-safety.yaml"
#: the instant the seeded console acts at (the demo's: 2026-04-20 09:00 in New York)
NOW = datetime(2026, 4, 20, 13, 0, tzinfo=UTC)
FAIR_FOOD_BUYER = "Example Fresh Markets Inc."
ACCORD_BUYER = "Example Apparel Group plc"
#: the complainants of the seeded complaints: no counsel response may ever contain them
COMPLAINANT_REFS = ("C-0147", "W-5521")
#: the seeded retaliation finding's text (confidential: a brand never sees it either)
RETALIATION_TEXT = "dismissed after"
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Person:
    key: str
    email: str
    role: Role
    brand: str | None
    password: str = PASSWORD


USERS: dict[str, Person] = {
    "admin": Person("admin", "admin@wsr.example", Role.ADMIN, None),
    "monitor": Person("monitor", "monitor@wsr.example", Role.MONITOR, None),
    "negotiator": Person("negotiator", "negotiator@wsr.example", Role.NEGOTIATOR, None),
    "counsel": Person("counsel", "counsel@freshmarkets.example", Role.COUNSEL, FAIR_FOOD_BUYER),
    "counsel_other": Person(
        "counsel_other", "counsel@nobrand.example", Role.COUNSEL, "Example Nobody Brands Ltd"
    ),
}


@dataclass(frozen=True)
class Seeded:
    db_url: str
    now: datetime
    fair_food: str  # agreement id
    accord: str  # agreement id
    premium: str  # the fair-food premium payment obligation's id
    complaint_event: str  # the fair-food complaint_filed event's id
    complainant_refs: tuple[str, ...] = COMPLAINANT_REFS
    buyers: dict[str, str] = field(
        default_factory=lambda: {"fair_food": FAIR_FOOD_BUYER, "accord": ACCORD_BUYER}
    )
    #: the agreement whose buyer is ``users["counsel"].brand``, and one that is not
    own: str = ""
    other: str = ""
    #: the no-retaliation obligation each complaint created (its record holds the
    #: complainant_ref): on the fair-food (own) and on the accord (other) agreement
    complaint_obligation: str = ""
    other_obligation: str = ""
    #: a supplier of each agreement, for requests that need one
    suppliers: dict[str, str] = field(
        default_factory=lambda: {"fair_food": "GROWER-B", "accord": "BD-F02"}
    )


def _draft(name: str) -> Any:
    from clauses import assemble, load_library, parse_answers

    lib = load_library()
    return assemble(parse_answers(EXAMPLES / name, lib), lib)


def seed(url: str, *, now: datetime = NOW) -> Seeded:
    """Track the two example agreements on ``url`` with their events, and add :data:`USERS`."""
    from obligations import ObligationService, open_store
    from wsr._cmd_demo import SEASON
    from wsr.console._auth import hash_password
    from wsr.console._users import add_user

    store = open_store(url)
    try:
        service = ObligationService(store, actor="seed")
        with store.transaction():
            ff = service.track(_draft(FAIR_FOOD), signed_on=date(2026, 1, 5), now=now)
            acc = service.track(_draft(ACCORD), signed_on=date(2026, 1, 12), now=now)
        premium = ""
        complaint = ""
        for day, kind, fields in SEASON:
            given = {k: v.replace("{premium}", premium) for k, v in fields.items()}
            with store.transaction():
                result = service.record_event(ff.agreement_id, kind, on=day, fields=given, now=now)
            if kind == "purchase_recorded" and not premium:
                premium = next(
                    o.id for o in result.created + result.changed if o.spec_id == "premium.payment"
                )
            if kind == "complaint_filed":
                complaint = result.event.id
        for day, kind, fields in (
            (
                "2026-02-10",
                "complaint_filed",
                {"supplier": "BD-F01", "category": "retaliation", "complainant_ref": "W-5521"},
            ),
            (
                "2026-03-01",
                "retaliation_found",
                {"supplier": "BD-F01", "complainant_ref": "W-5521", "text": RETALIATION_TEXT},
            ),
        ):
            with store.transaction():
                service.record_event(acc.agreement_id, kind, on=day, fields=fields, now=now)
        with store.read():
            watched = [
                next(
                    o.id
                    for o in store.find_obligations(agreement_id=a)
                    if o.spec_id == "non_retaliation.no_retaliation"
                )
                for a in (ff.agreement_id, acc.agreement_id)
            ]
        hashed = hash_password(PASSWORD)
        with store.engine.begin() as conn:
            for p in USERS.values():
                add_user(conn, p.email, p.role, brand=p.brand, password_hash=hashed, now=now)
    finally:
        store.engine.dispose()
    return Seeded(
        db_url=url,
        now=now,
        fair_food=ff.agreement_id,
        accord=acc.agreement_id,
        premium=premium,
        complaint_event=complaint,
        own=ff.agreement_id,
        other=acc.agreement_id,
        complaint_obligation=watched[0],
        other_obligation=watched[1],
    )


# -- databases ----------------------------------------------------------------------------------


@pytest.fixture
def console_db(tmp_path: Path) -> str:
    """A migrated, empty SQLite database for the console."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    upgrade(url)
    return url


@pytest.fixture
def console_pg() -> Iterator[str]:
    """A migrated, empty database of its own on the PostgreSQL server of the tests."""
    with private_database("wsr_c") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def _seed_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    folder = tmp_path_factory.mktemp("console-seed")
    made = seed(f"sqlite:///{folder / 'console.db'}")
    return folder, made


@pytest.fixture
def seeded(_seed_template: tuple[Path, Seeded], tmp_path: Path) -> Seeded:
    """A copy of the seeded database for this test (writes stay in the test)."""
    folder, made = _seed_template
    target = tmp_path / "seeded"
    target.mkdir()
    for item in folder.iterdir():
        if item.name.startswith("console.db"):
            shutil.copy2(item, target / item.name)
    url = f"sqlite:///{target / 'console.db'}"
    return Seeded(**{**made.__dict__, "db_url": url})


@pytest.fixture
def seeded_pg(console_pg: str) -> Seeded:
    return seed(console_pg)


def send_notices(url: str, *, now: datetime = NOW) -> None:
    """The scheduler's sweep at ``now``: the notices due, sent into a throw-away outbox."""
    from obligations import open_store
    from scheduler import sweep
    from scheduler.notify import OutboxNotifier

    store = open_store(url)
    try:
        with tempfile.TemporaryDirectory() as box:
            notifier = OutboxNotifier(Path(box), from_email="notices@wsr-engine.invalid")
            sweep(store, notifier, now=now, actor="seed", console_url="http://localhost:8000")
    finally:
        store.engine.dispose()


@pytest.fixture
def seeded_notices(seeded: Seeded) -> Seeded:
    send_notices(seeded.db_url, now=seeded.now)
    return seeded


@pytest.fixture
def users() -> dict[str, Person]:
    return dict(USERS)


# -- apps and clients ---------------------------------------------------------------------------


def settings_for(url: str, tmp: Path, **over: Any) -> Settings:
    return Settings(
        db_url=url,
        now_text=None,
        outbox=tmp / "outbox",
        console_url=over.pop("console_url", "http://localhost:8000"),
        console_secret=over.pop("console_secret", "test-secret-not-for-production"),
        **over,
    )


@pytest.fixture
def console_app(seeded: Seeded, tmp_path: Path) -> Iterator[Any]:
    from wsr.console import create_app

    app = create_app(settings_for(seeded.db_url, tmp_path), clock=lambda: seeded.now)
    yield app
    app.state.console.store.engine.dispose()


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: Any, person: Person) -> None:
    """Sign ``client`` in through the real form; sets ``client.csrf``."""
    page = client.get("/login")
    assert page.status_code == 200, page.text
    token = _CSRF.search(page.text)
    assert token is not None, "the sign-in form carries a CSRF token"
    done = client.post(
        "/login",
        data={"email": person.email, "password": person.password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    home = client.get("/")
    assert home.status_code == 200, home.text
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', home.text)
    assert found is not None
    client.csrf = found.group(1)


@pytest.fixture
def client_for(console_app: Any, users: dict[str, Person]) -> Iterator[Callable[[str], Any]]:
    from fastapi.testclient import TestClient

    made: list[Any] = []

    def make(role: str) -> Any:
        client = TestClient(console_app, base_url="http://localhost")
        client.__enter__()
        made.append(client)
        sign_in(client, users[role])
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)


def make_token(db_url: str, email: str) -> str:
    """A token as ``wsr users token EMAIL`` makes it."""
    from sqlalchemy import create_engine

    from wsr.console._auth import wall_clock
    from wsr.console._users import get_user, new_token

    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            _, secret = new_token(conn, get_user(conn, email), now=wall_clock())
    finally:
        engine.dispose()
    return secret


@pytest.fixture
def api_for(
    console_app: Any, seeded: Seeded, users: dict[str, Person]
) -> Iterator[Callable[[str], Any]]:
    from fastapi.testclient import TestClient

    made: list[Any] = []

    def make(role: str) -> Any:
        token = make_token(seeded.db_url, users[role].email)
        client = TestClient(
            console_app,
            base_url="http://localhost",
            headers={"Authorization": f"Bearer {token}"},
        )
        client.__enter__()
        made.append(client)
        client.token = token
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(console_app: Any) -> Iterator[str]:
    """``console_app`` served by uvicorn on a free loopback port (stopped after the test)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(console_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
