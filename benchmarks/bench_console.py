"""The web console under load: the dashboard page and ``/api/obligations`` list pages on the
1,000,000-obligation store, served by uvicorn in its own process, requested from a second
process on loopback — against the store query's own time (the same queries run in process).

    nice -n 5 .venv/bin/python -m benchmarks.bench_console [--size 1000000] [--requests 200]
        [--concurrency 1,4] [--writes 0,20,1] [--pg URL] [--no-sqlite] [--later DAYS]
        [--sweep-first] [--main]

* the store: the cached realistic d3 store of ``benchmarks/_data.py`` (the newest one cached for
  ``--size``, whatever schema it was built at), copied to a private folder and migrated to this
  engine's head (migrations after 0003 only add tables and indexes, so the rows are the d3
  rows); ``--pg URL`` copies those rows and the agreements' stored wakes into a database of its
  own on that server, then ``VACUUM ANALYZE``s it;
* the server: ``wsr --db URL --now NOW serve --port P`` (``NOW`` is ``_data.NOW``), its own
  process, a monitor user signed in through the real /login form (a session cookie) for the
  page, and an API token made as ``wsr users token`` makes one for the API;
* the load: a second process, ``--concurrency`` threads with one keep-alive HTTP/1.1 connection
  each (one round per value: 1 gives the latency of one client alone, 4 the throughput with
  requests queueing), ``--requests`` requests per route and variant (the dashboard unfiltered,
  for one agreement and for one supplier; the API's first page, a page 2,000 rows in, one
  agreement's overdue obligations), each answer checked (200, and the ids the API gives equal to
  what ``wsr.console.queries`` gives in process); p50 / p95 latency and throughput;
* ``--writes N,…``: one round per value; before every N-th request of a route (counted over
  the client's threads, outside the timing) the client commits what a unit of work that wrote
  one agreement's obligations commits to the revisions (``store_revision``, migration 0012;
  that agreement's own, 0013; the agreements in turn) and nothing else, so the next request
  reads a revision no cache holds and steps that agreement afresh on the same rows. 0 (never)
  is a quiet console: after the warm-up every request is served from the overlay cache (the
  server runs at a fixed ``--now``); 1 makes every request a miss; 20 is one write per 20 reads;
* the floor: the same call of ``wsr.console.queries`` in the benchmark's own process (the SQL
  and the decoding of one page, no HTTP, no templates), p50 / p95 over as many runs, three
  ways alternated: after a write of every agreement (the whole time step), after a write of
  one agreement's obligations, and with nothing written (served from the cache).

* ``--later DAYS``: the server and the floor read at ``NOW + DAYS`` (the reads then project
  what a sweep at that instant would add: agreements whose stored wake has come are stepped);
  ``--sweep-first`` sweeps the store at that instant before serving (the quiet case again, to
  compare); ``--main`` times only ``/`` and ``/api/obligations?limit=50``.

Goal (issue 12): p95 under 100 ms. The machine is shared: run with ``nice -n 5``, one or two
rounds; compare p95s and ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import _data

MONITOR = "bench-monitor@wsr.example"
PASSWORD = "bench password, not for production"


def log(msg: str) -> None:
    print(f"[console] {msg}", file=sys.stderr, flush=True)


# -- the store -------------------------------------------------------------------------------------


def cached_store(size: int) -> Path:
    """The newest cached d3 SQLite store of ``size`` (built once by ``_data`` if none)."""
    found = sorted(
        _data.CACHE.glob(f"store-*-{_data.DATA_VERSION}-{size}.db"),
        key=lambda p: p.stat().st_mtime,
    )
    found = [p for p in found if p.stat().st_size > 0]
    return found[-1] if found else _data.store_file(size)


def prepared(size: int, folder: Path) -> str:
    """A private copy of the d3 store, migrated to head, with the benchmark's monitor user."""
    from obligations._db import make_engine, upgrade

    source = cached_store(size)
    target = folder / "console.db"
    log(f"copying {source.name} ({source.stat().st_size >> 20} MiB)")
    shutil.copyfile(source, target)
    key = source.with_name(source.name + ".audit-key")
    if key.exists():  # the audit chain's key travels with the file (a sweep appends to it)
        copied = target.with_name(target.name + ".audit-key")
        shutil.copyfile(key, copied)
        copied.chmod(0o600)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return url


def pg_copy(sqlite_url: str, server: str) -> str:
    """A database of its own on ``server`` with the SQLite store's agreements and obligations."""
    import uuid

    import sqlalchemy as sa

    from obligations._db import make_engine, upgrade
    from obligations.stores.sqlalchemy import SqlAlchemyObligationStore

    base = sa.engine.make_url(server)
    name = f"wsr_bench_console_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    engine, source = make_engine(url), make_engine(sqlite_url)
    try:
        upgrade(engine)
        store, cached = SqlAlchemyObligationStore(engine), SqlAlchemyObligationStore(source)
        with cached.read():
            agreements, obs = cached.list_agreements(), cached.find_obligations()
        with store.transaction():
            for a in agreements:
                store.add_agreement(a)
        log(f"loading {len(obs):,} obligations into PostgreSQL {name}")
        store.bulk_load(obs)
        del obs
        # the wakes as the SQLite store keeps them (a bulk load forgets every wake, and an
        # agreement with none is stepped on every read: without this the "quiet" PostgreSQL
        # figures timed the time step of all 11 agreements, not the SQL)
        wakes = {a.id: a.wake_at for a in agreements}
        with store.transaction():
            store.set_wakes(wakes)
        with store.read():
            copied = {a.id: a.wake_at for a in store.agreement_heads()}
        if copied != wakes:
            raise RuntimeError("the PostgreSQL copy's wakes differ from the SQLite store's")
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            # the counts are index-only scans: pages not yet all-visible send them to the heap
            # (one stop-22 copy served `/` at 70 ms in process, not 10: logged to tell)
            seen, pages = conn.exec_driver_sql(
                "SELECT relallvisible, relpages FROM pg_class WHERE relname = 'obligations'"
            ).one()
            log(f"PostgreSQL copy: {seen:,} of {pages:,} obligations pages all-visible")
    finally:
        engine.dispose()
        source.dispose()
    return url


def drop_pg(url: str, server: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    admin = sa.create_engine(sa.engine.make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def user_and_token(url: str) -> str:
    """The monitor user (with a password) and a new API token for it; returns the token."""
    from sqlalchemy import create_engine

    from wsr.console._access import Role
    from wsr.console._auth import hash_password, wall_clock
    from wsr.console._users import add_user, find_user, get_user, new_token

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if find_user(conn, MONITOR) is None:
                add_user(
                    conn,
                    MONITOR,
                    Role.MONITOR,
                    brand=None,
                    password_hash=hash_password(PASSWORD),
                    now=wall_clock(),
                )
            _, secret = new_token(conn, get_user(conn, MONITOR), now=wall_clock())
    finally:
        engine.dispose()
    return secret


# -- the server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: the business instant the server and the floor read at (``--later`` moves it)
READ_AT = _data.NOW
#: ``wsr serve --workers`` (``--workers`` sets it)
WORKERS = 1


def sweep_at(url: str, now: datetime) -> None:
    """``wsr sweep`` at ``now`` (the stored wakes then say every agreement is quiet)."""
    from obligations import ObligationService, open_store

    store = open_store(url)
    try:
        started = time.perf_counter()
        result = ObligationService(store, actor="bench").sweep(now=now)
        took = time.perf_counter() - started
        log(
            f"swept at {now:%Y-%m-%d %H:%M}: {len(result.created)} created, "
            f"{len(result.changed)} changed, {took:.1f} s"
        )
    finally:
        store.engine.dispose()


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WSR_CONSOLE_SECRET": "bench-secret-not-for-production"}
    wsr = str(Path(sys.executable).with_name("wsr"))
    args = [wsr, "--db", url, "--now", READ_AT.isoformat(), "serve", "--port", str(port)]
    args += ["--workers", str(WORKERS)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"the console did not start: {err}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the console did not start in 120 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- the load (the second process) -----------------------------------------------------------------


def sign_in(port: int) -> str:
    """The session cookie of the monitor, through the real /login form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login")
    res = conn.getresponse()
    page = res.read().decode()
    cookie = "; ".join(h.split(";", 1)[0] for k, h in res.getheaders() if k.lower() == "set-cookie")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("the sign-in form carries no CSRF token")
    body = urllib.parse.urlencode(
        {"email": MONITOR, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("POST", "/login", body=body, headers=headers)
    res = conn.getresponse()
    res.read()
    if res.status != 303:
        raise RuntimeError(f"sign-in answered {res.status}")
    got = [h.split(";", 1)[0] for k, h in res.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    return "; ".join(got)


def bump_revision(engine: Any, agreement_id: str | None) -> None:
    """What a committed unit of work that wrote ``agreement_id``'s obligations does to the
    revisions (``store_revision``, migration 0012; the agreement's own, 0013), and nothing
    else: the next read steps that agreement afresh, on the same rows. None: every agreement
    (the whole step is computed again)."""
    from sqlalchemy import text

    sql = "UPDATE agreement_revision SET n = (SELECT n FROM store_revision WHERE id = 1)"
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE store_revision SET n = n + 1 WHERE id = 1")
        if agreement_id is None:
            conn.exec_driver_sql(sql)
        else:
            conn.execute(text(sql + " WHERE agreement_id = :a"), {"a": agreement_id})


def agreement_ids(engine: Any) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT id FROM agreements ORDER BY id")]


def load(
    port: int,
    path: str,
    headers: dict[str, str],
    n: int,
    threads: int,
    *,
    writes: int = 0,
    engine: Any = None,
) -> dict[str, Any]:
    """``n`` GETs of ``path`` from ``threads`` keep-alive connections: latencies, throughput.

    ``writes``: before every ``writes``-th request (counted over all threads, outside its
    timing) a unit of work commits that wrote one agreement's obligations (the agreements in
    turn), so the requests then read a revision no cache holds, and that agreement is
    stepped afresh."""
    latencies: list[float] = []
    ids = agreement_ids(engine) if writes else []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(n))

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                i = next(counter, None)
                if i is None:
                    break
                if writes and i % writes == 0:
                    bump_revision(engine, ids[(i // writes) % len(ids)])
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            res = conn.getresponse()
            res.read()
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)
                if res.status != 200:
                    failures.append(f"{res.status}")
        conn.close()

    began = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - began
    return {"path": path, **summary(latencies), "rps": n / wall, "failures": failures[:5]}


def summary(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {
        "n": len(ms),
        "p50": statistics.median(ms),
        "p95": ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))],
        "max": ms[-1],
    }


def client_main(argv: list[str]) -> None:
    """The second process: sign in, warm up, then load each route; JSON on stdout."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--requests", type=int, required=True)
    ap.add_argument("--concurrency", type=int, required=True)
    ap.add_argument("--route", action="append", default=[])
    ap.add_argument("--writes", type=int, default=0)
    ap.add_argument("--db", required=True)
    args = ap.parse_args(argv)
    from sqlalchemy import create_engine

    engine = create_engine(args.db)
    cookie = sign_in(args.port)
    out = []
    for spec in args.route:
        kind, path = spec.split(" ", 1)
        headers = (
            {"Cookie": cookie} if kind == "page" else {"Authorization": f"Bearer {args.token}"}
        )
        load(args.port, path, headers, max(4, args.concurrency), args.concurrency)  # warm up
        got = load(
            args.port,
            path,
            headers,
            args.requests,
            args.concurrency,
            writes=args.writes,
            engine=engine,
        )
        out.append({"kind": kind, **got})
    engine.dispose()
    json.dump(out, sys.stdout)


# -- the floor: the same queries in process ----------------------------------------------------


def floor(url: str, runs: int, routes: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Each route's query in process, three ways alternated: ``fresh`` (a unit of work that
    wrote every agreement committed just before each call, outside its timing: the whole
    overlay is computed), ``one`` (a write of one agreement's obligations, the agreements in
    turn: that agreement is stepped) and ``cached`` (nothing written between calls: the
    overlay kept from the call before, as a server serves it)."""
    from obligations import open_store
    from wsr.console._access import Role, Viewer
    from wsr.console.queries import dashboard, obligations_page, parse_filters, parse_page

    store = open_store(url)
    viewer = Viewer(user_id=0, email=MONITOR, role=Role.MONITOR, brand=None)
    out = []
    try:
        for kind, path in routes:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
            filters = parse_filters(query)
            limit, offset = parse_page(query.get("limit"), query.get("offset"))

            def call(
                kind: str = kind, f: Any = filters, lim: int = limit, off: int = offset
            ) -> Any:
                if kind == "page":
                    return dashboard(store, viewer, now=READ_AT, filters=f, limit=lim, offset=off)
                return obligations_page(
                    store, viewer, now=READ_AT, filters=f, limit=lim, offset=off
                )

            call()  # the records are decoded once per process, as in the server
            ids = agreement_ids(store.engine)
            fresh, one, cached = [], [], []
            for i in range(runs):  # alternated
                for written, times in ((None, fresh), (ids[i % len(ids)], one)):
                    bump_revision(store.engine, written)
                    start = time.perf_counter()
                    call()
                    times.append(time.perf_counter() - start)
                start = time.perf_counter()
                call()
                cached.append(time.perf_counter() - start)
            out.append(
                {
                    "kind": kind,
                    "path": path,
                    "fresh": summary(fresh),
                    "one": summary(one),
                    "cached": summary(cached),
                }
            )
    finally:
        store.engine.dispose()
    return out


def check_api(port: int, token: str, url: str, path: str) -> None:
    """The API's answer names the same obligations as the query in process (or refuse)."""
    from obligations import open_store
    from wsr.console._access import Role, Viewer
    from wsr.console.queries import obligations_page, parse_filters, parse_page

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    res = conn.getresponse()
    body = json.loads(res.read())
    conn.close()
    if res.status != 200:
        raise RuntimeError(f"{path} answered {res.status}: {body}")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
    limit, offset = parse_page(query.get("limit"), query.get("offset"))
    store = open_store(url)
    try:
        viewer = Viewer(user_id=0, email=MONITOR, role=Role.MONITOR, brand=None)
        want = obligations_page(
            store, viewer, now=READ_AT, filters=parse_filters(query), limit=limit, offset=offset
        )
    finally:
        store.engine.dispose()
    got = [item["id"] for item in body["items"]]
    if got != [v["id"] for v in want.items]:
        raise RuntimeError(f"{path}: the API and the query disagree; not timing it")


def routes_for(url: str, main_only: bool = False) -> list[tuple[str, str]]:
    """The requests: the dashboard three ways, the API list three ways (``main_only``: the
    dashboard unfiltered and the API's first page)."""
    from obligations import open_store

    q = urllib.parse.urlencode
    if main_only:
        return [("page", "/"), ("api", "/api/obligations?" + q({"limit": 50}))]

    store = open_store(url)
    try:
        with store.read():
            heads = store.agreement_heads()
            one = heads[len(heads) // 2].id
            supplier = next(
                o.subject for o in store.find_obligations(agreement_id=one, limit=50) if o.subject
            )
    finally:
        store.engine.dispose()
    return [
        ("page", "/"),
        ("page", "/?" + q({"agreement": one})),
        ("page", "/?" + q({"supplier": supplier})),
        ("api", "/api/obligations?" + q({"limit": 50})),
        ("api", "/api/obligations?" + q({"limit": 50, "offset": 2000})),
        ("api", "/api/obligations?" + q({"agreement": one, "show": "overdue", "limit": 50})),
    ]


def run(url: str, label: str, args: argparse.Namespace) -> list[str]:
    token = user_and_token(url)
    if args.sweep_first:
        sweep_at(url, READ_AT)
    routes = routes_for(url, args.main)
    port = free_port()
    server = start_server(url, port)
    served: list[tuple[int, int, list[dict[str, Any]]]] = []
    try:
        for kind, path in routes:
            if kind == "api":
                check_api(port, token, url, path)
        for writes in args.writes:
            for threads in args.concurrency:
                cmd = [sys.executable, "-m", "benchmarks.bench_console", "_client"]
                cmd += ["--port", str(port), "--token", token, "--requests", str(args.requests)]
                cmd += ["--concurrency", str(threads), "--writes", str(writes), "--db", url]
                for kind, path in routes:
                    cmd += ["--route", f"{kind} {path}"]
                log(
                    f"{label}: {len(routes)} routes × {args.requests} requests, {threads} at "
                    f"once, a write every {writes or 'never'}"
                )
                done = subprocess.run(cmd, check=True, capture_output=True, text=True)
                served.append((threads, writes, json.loads(done.stdout)))
    finally:
        stop_server(server)
    direct = floor(url, args.requests, routes)
    lines = []
    for threads, writes, results in served:
        for s, d in zip(results, direct, strict=True):
            verdict = "ok" if s["p95"] < 100 else "MISSED"
            if s["failures"]:
                verdict += f" (failures: {s['failures']})"
            floors = " | ".join(
                f"{d[k]['p50']:.1f} / {d[k]['p95']:.1f} ms" for k in ("fresh", "one", "cached")
            )
            lines.append(
                f"| {label} | {threads} | {writes or '–'} | {s['kind']} | `{s['path']}` "
                f"| {s['p50']:.1f} / {s['p95']:.1f} ms | {s['rps']:.1f} | {floors} | {verdict} |"
            )
    return lines


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_client"]:
        client_main(argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument(
        "--concurrency",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 4],
        help="clients at once, one round per value (default 1,4)",
    )
    ap.add_argument("--pg", help="a PostgreSQL server URL (scripts/pg-test-server start DIR)")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--later", type=float, default=0.0, help="read at NOW + DAYS")
    ap.add_argument("--workers", type=int, default=1, help="wsr serve --workers N")
    ap.add_argument("--sweep-first", action="store_true", help="sweep at that instant first")
    ap.add_argument("--main", action="store_true", help="only / and /api/obligations?limit=50")
    ap.add_argument(
        "--writes",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[0, 20, 1],
        help="a unit of work commits before every N-th request (0: never), one round per value "
        "(default 0,20,1)",
    )
    args = ap.parse_args(argv)
    global READ_AT, WORKERS
    READ_AT = _data.NOW + timedelta(days=args.later)
    WORKERS = args.workers
    load_avg = os.getloadavg()[0]
    lines = [
        f"console benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, --size {args.size} "
        f"--requests {args.requests} --concurrency "
        f"{','.join(map(str, args.concurrency))} --writes {','.join(map(str, args.writes))} "
        f"--later {args.later:g} --workers {args.workers}"
        f"{' --sweep-first' if args.sweep_first else ''}, load {load_avg:.1f}",
        "",
        "| store | clients | a write every | kind | request | served p50 / p95 | req/s "
        "| in process p50 / p95: every agreement written | one written | nothing written "
        "| p95 < 100 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="wsr-bench-console-") as tmp:
        url = prepared(args.size, Path(tmp))
        if not args.no_sqlite:
            lines += run(url, "SQLite", args)
        if args.pg:
            pg = pg_copy(url, args.pg)
            try:
                lines += run(pg, "PostgreSQL", args)
            finally:
                drop_pg(pg, args.pg)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
