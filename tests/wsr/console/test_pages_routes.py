"""The monitoring pages over HTTP: what they show, who may act, that errors are the CLI's and sit
beside the input they name, that a refused write and a what-if write nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from obligations import open_store
from tests.obligations.dump import dump
from wsr.cli import main

FUTURE = "2026-05-04"


def html(response: Any) -> Any:
    return lxml.html.fromstring(response.text)


def field_errors(response: Any, form: str = "") -> dict[str, list[str]]:
    """Input name -> the messages shown beside it (in ``form``, a CSS selector, if given)."""
    root = html(response)
    out: dict[str, list[str]] = {}
    for box in root.cssselect(f"{form} [data-field]".strip()):
        messages = [e.text_content().strip() for e in box.cssselect(".field-error")]
        if messages:
            out.setdefault(box.get("data-field"), []).extend(messages)
    return out


#: the console's own sign-in tables (web): a request may touch a session; the engine's never
AUTH_TABLES = frozenset({"users", "api_tokens", "sessions", "login_attempts"})


def snapshot(db_url: str) -> Any:
    """Every table of the store but the sign-in ones, every row (the audit log included)."""
    store = open_store(db_url)
    try:
        return {k: v for k, v in dump(store).items() if k not in AUTH_TABLES}
    finally:
        store.engine.dispose()


def cli(capsys: pytest.CaptureFixture[str], db: str, now: str, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--now", now, *args])
    return int(exit_info.value.code or 0), capsys.readouterr().err


def cli_problems(err: str) -> dict[str, str]:
    """``<path>: <message>`` lines of the CLI, by the input the page gives that path
    (``--set supplier`` is the form's ``supplier``, ``--on`` its ``on``)."""
    out = {}
    for line in err.strip().splitlines():
        path, _, message = line.partition(": ")
        name = path.removeprefix("--set ").removeprefix("--")
        out[name] = message
    return out


# -- the dashboard ------------------------------------------------------------------------------


def test_dashboard_counts_chart_and_rows(client_for, seeded) -> None:
    page = client_for("monitor").get("/")
    assert page.status_code == 200
    root = html(page)
    counts = {a.get("data-count"): int(a.cssselect(".n")[0].text) for a in root.cssselect(".count")}
    assert set(counts) == {"due_soon", "overdue", "breach_suspected", "in_cure", "violated"}
    assert counts["overdue"] > 0  # the seeded season leaves overdue duties at NOW
    [chart] = root.cssselect("svg.chart")
    assert len(chart.cssselect("g.bar")) == 12
    rows = root.cssselect("#results tr[data-obligation]")
    assert 0 < len(rows) <= 50
    agreements = {r.cssselect("td:last-child a")[0].text_content() for r in rows}
    assert agreements <= {seeded.fair_food, seeded.accord}


def test_dashboard_filters_narrow_the_list(client_for, seeded) -> None:
    client = client_for("monitor")
    page = client.get("/", params={"agreement": seeded.accord, "obligor": "buyer"})
    root = html(page)
    rows = root.cssselect("#results tr[data-obligation]")
    assert rows
    for row in rows:
        cells = row.cssselect("td")
        assert cells[2].text_content().strip() == "buyer"
        assert cells[-1].text_content().strip() == seeded.accord
    selected = root.cssselect("#filter-agreement option[selected]")
    assert [o.get("value") for o in selected] == [seeded.accord]


def test_dashboard_pages_through_the_list(client_for) -> None:
    client = client_for("monitor")
    first = html(client.get("/"))
    [nxt] = first.cssselect(".pager a[rel=next]")
    second = html(client.get(nxt.get("href")))

    def ids(root: Any) -> list[str]:
        return [r.get("data-obligation") for r in root.cssselect("#results tr[data-obligation]")]

    assert ids(second) and not set(ids(first)) & set(ids(second))
    assert second.cssselect(".pager a[rel=prev]")


def test_counsel_dashboard_shows_only_its_brand(client_for, seeded) -> None:
    page = client_for("counsel").get("/")
    root = html(page)
    rows = root.cssselect("#results tr[data-obligation]")
    assert rows
    assert {r.cssselect("td:last-child a")[0].text_content() for r in rows} == {seeded.own}
    choices = [o.get("value") for o in root.cssselect("#filter-agreement option") if o.get("value")]
    assert choices == [seeded.own]
    assert not any(ref in page.text for ref in seeded.complainant_refs)


# -- the agreement page -----------------------------------------------------------------------


def test_agreement_page(client_for, seeded) -> None:
    page = client_for("monitor").get(f"/agreements/{seeded.fair_food}")
    assert page.status_code == 200
    root = html(page)
    assert seeded.buyers["fair_food"] in root.cssselect("dl.parties")[0].text_content()
    assert root.cssselect("table.clauses tr")
    hrefs = {a.get("href") for a in root.cssselect("nav.actions a")}
    assert f"/agreements/{seeded.fair_food}/whatif" in hrefs
    assert f"/agreements/{seeded.fair_food}/events/new" in hrefs


def test_agreement_of_another_brand_is_not_found_for_counsel(client_for, seeded) -> None:
    client = client_for("counsel")
    assert client.get(f"/agreements/{seeded.other}").status_code == 404
    assert client.get(f"/agreements/{seeded.other}/whatif").status_code == 404
    assert client.get(f"/agreements/{seeded.own}").status_code == 200


# -- the obligation page -----------------------------------------------------------------------


def test_obligation_page_shows_clause_history_and_forms_by_role(client_for, seeded) -> None:
    monitor = client_for("monitor").get(f"/obligations/{seeded.premium}")
    assert monitor.status_code == 200
    root = html(monitor)
    assert "Premium" in root.cssselect("section.clause .clause-head")[0].text_content()
    assert root.cssselect("section.clause .para")
    assert root.cssselect("ol.history li")
    assert root.cssselect("form.upload")
    negotiator = html(client_for("negotiator").get(f"/obligations/{seeded.premium}"))
    assert not negotiator.cssselect("form.upload")
    assert not negotiator.cssselect("form[action$='/waive']")
    assert not negotiator.cssselect("form[action$='/breach']")


def test_a_prohibition_shows_when_it_is_in_force_not_a_due_date(client_for, seeded) -> None:
    store = open_store(seeded.db_url)
    try:
        with store.read():
            watch = next(
                o
                for o in store.find_obligations(agreement_id=seeded.fair_food)
                if o.spec_id == "non_retaliation.no_retaliation"
            )
    finally:
        store.engine.dispose()
    assert watch.period_end is not None
    lede = html(client_for("monitor").get(f"/obligations/{watch.id}")).cssselect(".due-line")
    assert lede[0].text_content() == (
        f"in force from {watch.due.isoformat()} until {watch.period_end.isoformat()}"
    )
    premium = html(client_for("monitor").get(f"/obligations/{seeded.premium}"))
    assert premium.cssselect(".due-line")[0].text_content().startswith("due ")


def test_evidence_upload_and_accept_are_audited_with_the_user(client_for, seeded, users) -> None:
    client = client_for("monitor")
    url = f"/obligations/{seeded.premium}"
    done = client.post(
        f"{url}/evidence",
        data={"csrf_token": client.csrf, "note": "remittance"},
        files={"file": ("remittance.pdf", b"%PDF-1.4 remittance", "application/pdf")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = html(client.get(url))
    [piece] = page.cssselect("table.evidence tr[data-piece]")
    number = piece.get("data-piece")
    refused = client.post(
        f"{url}/evidence/{number}/decision",
        data={"csrf_token": client.csrf, "decision": "accept", "reason": "  "},
    )
    assert refused.status_code == 422
    errors = field_errors(refused, f"form[action$='/evidence/{number}/decision']")
    assert errors == {"reason": ["say why; the reason goes on the record"]}
    accepted = client.post(
        f"{url}/evidence/{number}/decision",
        data={"csrf_token": client.csrf, "decision": "accept", "reason": "matches the bank"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    store = open_store(seeded.db_url)
    try:
        mine = [
            e for e in store.audit_entries(seeded.fair_food) if e.obligation_id == seeded.premium
        ]
    finally:
        store.engine.dispose()
    assert [e.actor for e in mine[-2:]] == [users["monitor"].email] * 2
    assert "matches the bank" in mine[-1].reason


def test_actions_are_refused_to_roles_without_the_right(client_for, seeded) -> None:
    for role in ("negotiator", "counsel"):
        client = client_for(role)
        for path, data in (
            ("evidence", {}),
            ("waive", {"reason": "x"}),
            ("breach", {"decision": "dismiss", "reason": "x", "on": "2026-04-20"}),
        ):
            answer = client.post(
                f"/obligations/{seeded.premium}/{path}", data={"csrf_token": client.csrf, **data}
            )
            assert answer.status_code == 403, (role, path, answer.status_code)


def test_a_post_without_the_csrf_token_is_refused(client_for, seeded) -> None:
    client = client_for("monitor")
    before = snapshot(seeded.db_url)
    answer = client.post(f"/obligations/{seeded.premium}/waive", data={"reason": "no token"})
    assert answer.status_code == 403
    assert snapshot(seeded.db_url) == before


def _open_obligation(db_url: str, agreement_id: str) -> str:
    from obligations import LegalState

    store = open_store(db_url)
    try:
        found = store.find_obligations(
            agreement_id=agreement_id, states=[LegalState.IN_EFFECT], limit=1
        )
    finally:
        store.engine.dispose()
    return found[0].id


def test_waive_without_reason_shows_the_cli_message_and_writes_nothing(
    client_for, seeded, capsys
) -> None:
    target = _open_obligation(seeded.db_url, seeded.fair_food)
    client = client_for("monitor")
    before = snapshot(seeded.db_url)
    answer = client.post(
        f"/obligations/{target}/waive", data={"csrf_token": client.csrf, "reason": ""}
    )
    assert answer.status_code == 422
    code, err = cli(capsys, seeded.db_url, seeded.now.isoformat(), "waive", target, "--reason", "")
    assert code == 2
    expected = {"reason": [cli_problems(err)["reason"]]}
    assert field_errors(answer, "form[action$='/waive']") == expected
    assert snapshot(seeded.db_url) == before


def test_an_error_of_a_form_the_page_no_longer_shows_is_shown_above(client_for, seeded) -> None:
    client = client_for("monitor")
    # the premium is fulfilled: no waiver is offered, and the engine refuses one
    answer = client.post(
        f"/obligations/{seeded.premium}/waive", data={"csrf_token": client.csrf, "reason": "x"}
    )
    assert answer.status_code == 422
    root = html(answer)
    assert not root.cssselect("form[action$='/waive']")
    [box] = root.cssselect(".problems")
    assert seeded.premium in box.text_content() and "fulfilled" in box.text_content()


def test_waiving_an_open_obligation(client_for, seeded) -> None:
    target = _open_obligation(seeded.db_url, seeded.fair_food)
    client = client_for("monitor")
    done = client.post(
        f"/obligations/{target}/waive",
        data={"csrf_token": client.csrf, "reason": "the parties agreed to drop it"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(f"/obligations/{target}")
    assert "Obligation waived." in page.text
    assert html(page).cssselect(".badge.state-discharged")


def test_dismissing_a_suspected_breach(client_for, seeded) -> None:
    client = client_for("monitor")
    page = html(client.get(f"/obligations/{seeded.premium}"))
    assert page.cssselect("button[value=dismiss]")  # the seeded premium is suspected late
    done = client.post(
        f"/obligations/{seeded.premium}/breach",
        data={
            "csrf_token": client.csrf,
            "decision": "dismiss",
            "on": "2026-04-20",
            "reason": "paid in full, the lateness is excused",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    after = html(client.get(f"/obligations/{seeded.premium}"))
    assert not after.cssselect(".flag-breach_suspected")
    assert "paid in full" in after.cssselect("ol.history")[0].text_content()


def test_obligation_of_another_brand_is_not_found_for_counsel(client_for, seeded) -> None:
    store = open_store(seeded.db_url)
    try:
        other = store.find_obligations(agreement_id=seeded.other, limit=1)[0].id
    finally:
        store.engine.dispose()
    assert client_for("counsel").get(f"/obligations/{other}").status_code == 404
    assert client_for("monitor").get(f"/obligations/{other}").status_code == 200


# -- events ------------------------------------------------------------------------------------


def test_event_form_is_generated_from_the_registry(client_for, seeded) -> None:
    client = client_for("monitor")
    page = html(client.get(f"/agreements/{seeded.fair_food}/events/new"))
    from clauses._vocabulary import EVENTS

    offered = [o.get("value") for o in page.cssselect("#in-type option") if o.get("value")]
    assert offered == list(EVENTS)
    part = html(
        client.get(f"/agreements/{seeded.fair_food}/events/fields", params={"type": "cap_approved"})
    )
    assert part.get("id") == "event-fields"
    assert [f.get("data-field") for f in part.cssselect("[data-field]")] == [
        "supplier",
        "cost",
        "items",
    ]
    assert part.cssselect("textarea[name=items]")
    assert "corrective action plan" in part.cssselect(".type-help")[0].text_content()


def test_events_form_is_not_for_counsel(client_for, seeded) -> None:
    client = client_for("counsel")
    assert client.get(f"/agreements/{seeded.own}/events/new").status_code == 403
    answer = client.post(
        f"/agreements/{seeded.own}/events",
        data={"csrf_token": client.csrf, "type": "purchase_recorded", "on": "2026-04-19"},
    )
    assert answer.status_code == 403


BAD_PURCHASES = [
    pytest.param({"quantity": "5", "unit": "lb"}, "2026-04-19", id="missing-supplier"),
    pytest.param({"supplier": "NOBODY", "quantity": "5", "unit": "lb"}, "2026-04-19", id="unknown"),
    pytest.param(
        {"supplier": "GROWER-B", "quantity": "-3", "unit": "stone"}, "2026-04-19", id="two"
    ),
    pytest.param({"supplier": "GROWER-B", "quantity": "5", "unit": "lb"}, FUTURE, id="future"),
    pytest.param({"supplier": "GROWER-B", "quantity": "5", "unit": "lb"}, "19/04/2026", id="date"),
]


@pytest.mark.parametrize(("fields", "on"), BAD_PURCHASES)
def test_event_errors_are_the_clis_beside_their_fields(
    client_for, seeded, capsys, fields: dict[str, str], on: str
) -> None:
    before = snapshot(seeded.db_url)
    client = client_for("monitor")
    answer = client.post(
        f"/agreements/{seeded.fair_food}/events",
        data={"csrf_token": client.csrf, "type": "purchase_recorded", "on": on, **fields},
    )
    assert answer.status_code == 422
    shown = field_errors(answer, "form.event-form")
    sets = [a for k, v in fields.items() for a in ("--set", f"{k}={v}")]
    # the same input through `wsr event`: the same messages, each on the input its path names
    code, err = cli(
        capsys,
        seeded.db_url,
        seeded.now.isoformat(),
        "event",
        seeded.fair_food,
        "purchase_recorded",
        "--on",
        on,
        *sets,
    )
    assert code == 2
    expected = {path: [message] for path, message in cli_problems(err).items()}
    assert shown == expected
    # what was typed is kept
    root = html(answer)
    for name, value in fields.items():
        [box] = root.cssselect(f"form.event-form [name={name}]")
        if box.tag == "input":
            assert box.get("value") == value
        else:  # a select keeps a value it offers
            offered = [o.get("value") for o in box.cssselect("option")]
            selected = [o.get("value") for o in box.cssselect("option[selected]")]
            assert selected == ([value] if value in offered else [])
    assert snapshot(seeded.db_url) == before


def test_recording_an_event_redirects_to_what_it_did(client_for, seeded, users) -> None:
    client = client_for("monitor")
    done = client.post(
        f"/agreements/{seeded.fair_food}/events",
        data={
            "csrf_token": client.csrf,
            "type": "purchase_recorded",
            "on": "2026-04-19",
            "supplier": "GROWER-B",
            "quantity": "1200",
            "unit": "lb",
            "reason": "ignored: not a field of purchases",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    target = done.headers["location"]
    assert re.fullmatch(rf"/agreements/{seeded.fair_food}/events/ev-[0-9a-f]+", target)
    page = client.get(target)
    root = html(page)
    assert "Recorded purchase recorded on 2026-04-19." in page.text
    dl = root.cssselect("dl.fields")[0].text_content()
    assert "GROWER-B" in dl and "1200" in dl
    assert users["monitor"].email in page.text
    assert root.cssselect("table.obligations tr[data-obligation]") or root.cssselect(
        "ul.changes li"
    )


def test_a_determination_reaches_every_agreement_covering_the_supplier(client_for, seeded) -> None:
    client = client_for("monitor")
    done = client.post(
        f"/agreements/{seeded.fair_food}/events",
        data={
            "csrf_token": client.csrf,
            "type": "supplier_suspended",
            "on": "2026-04-17",
            "supplier": "GROWER-B",
            "reason": "audit",
            "scope": "all",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert "determination was recorded on 1 agreement covering GROWER-B" in page.text
    assert "cease_purchases" in page.text or "Stop purchasing" in page.text


def test_complaint_event_page_hides_the_complainant_from_counsel(client_for, seeded) -> None:
    url = f"/agreements/{seeded.fair_food}/events/{seeded.complaint_event}"
    monitor = client_for("monitor").get(url)
    assert "C-0147" in monitor.text
    counsel = client_for("counsel").get(url)
    assert counsel.status_code == 200
    assert "C-0147" not in counsel.text
    assert "complainant" not in html(counsel).cssselect("dl.fields")[0].text_content().lower()


# -- payroll import ------------------------------------------------------------------------------


def test_payroll_import_errors_are_the_clis_on_the_file_field(
    client_for, seeded, capsys, tmp_path: Path
) -> None:
    bad = (
        b"worker_ref,period_start,period_end,pay_date,earnings,premium\n"
        b"W1,2026-04-06,2026-04-12,not-a-date,100,1\n"
    )
    client = client_for("monitor")
    before = snapshot(seeded.db_url)
    answer = client.post(
        f"/agreements/{seeded.fair_food}/payroll",
        data={"csrf_token": client.csrf, "supplier": "GROWER-A"},
        files={"file": ("payroll.csv", bad, "text/csv")},
    )
    assert answer.status_code == 422
    shown = field_errors(answer, "form.payroll-form")
    path = tmp_path / "payroll.csv"
    path.write_bytes(bad)
    code, err = cli(
        capsys,
        seeded.db_url,
        seeded.now.isoformat(),
        "payroll",
        "import",
        seeded.fair_food,
        "GROWER-A",
        str(path),
    )
    assert code == 2
    expected = [m for p, m in cli_problems(err.replace(str(path), "payroll.csv")).items()]
    assert shown == {"file": expected}
    assert snapshot(seeded.db_url) == before


def test_payroll_import_without_a_file_names_the_file(client_for, seeded) -> None:
    client = client_for("monitor")
    answer = client.post(
        f"/agreements/{seeded.fair_food}/payroll",
        data={"csrf_token": client.csrf, "supplier": "GROWER-A"},
    )
    assert answer.status_code == 422
    assert list(field_errors(answer, "form.payroll-form")) == ["file"]


# -- what-if -----------------------------------------------------------------------------------

WHATIF = {
    "r0.type": "supplier_suspended",
    "r0.on": "2026-04-17",
    "r0.supplier": "GROWER-B",
    "r0.reason": "audit",
    "r1.type": "purchase_recorded",
    "r1.on": "2026-04-19",
    "r1.supplier": "GROWER-B",
    "r1.quantity": "1200",
    "r1.unit": "lb",
    "action": "run",
}


def _whatif_writes_nothing(client: Any, db_url: str, agreement: str) -> None:
    before = snapshot(db_url)
    answer = client.post(
        f"/agreements/{agreement}/whatif", data={"csrf_token": client.csrf, **WHATIF}
    )
    assert answer.status_code == 200, answer.text
    root = html(answer)
    [result] = root.cssselect("#whatif-result")
    text = result.text_content()
    assert "supplier suspended on 2026-04-17" in text and "purchase recorded on 2026-04-19" in text
    assert result.cssselect("h4.party")
    assert snapshot(db_url) == before


def test_whatif_shows_what_each_party_would_owe_and_writes_nothing(client_for, seeded) -> None:
    _whatif_writes_nothing(client_for("monitor"), seeded.db_url, seeded.fair_food)


def test_whatif_for_counsel_on_its_own_brand_writes_nothing(client_for, seeded) -> None:
    _whatif_writes_nothing(client_for("counsel"), seeded.db_url, seeded.own)


@pytest.mark.postgres
def test_whatif_writes_nothing_on_postgresql(seeded_pg, tmp_path: Path, users) -> None:
    from fastapi.testclient import TestClient

    from tests.wsr.console.conftest import settings_for, sign_in
    from wsr.console import create_app

    app = create_app(settings_for(seeded_pg.db_url, tmp_path), clock=lambda: seeded_pg.now)
    try:
        with TestClient(app, base_url="http://localhost") as client:
            sign_in(client, users["monitor"])
            _whatif_writes_nothing(client, seeded_pg.db_url, seeded_pg.fair_food)
    finally:
        app.state.console.store.engine.dispose()


def test_whatif_error_is_shown_on_its_row(client_for, seeded) -> None:
    client = client_for("monitor")
    data = {**WHATIF, "r1.supplier": "NOBODY"}
    answer = client.post(
        f"/agreements/{seeded.fair_food}/whatif", data={"csrf_token": client.csrf, **data}
    )
    assert answer.status_code == 422
    root = html(answer)
    assert not root.cssselect("#whatif-result")
    rows = root.cssselect("fieldset.row")
    assert [bool(r.cssselect(".field-error")) for r in rows] == [False, True]
    shown = field_errors(answer, "fieldset.row[data-row='1']")
    assert list(shown) == ["r1.supplier"] and "NOBODY" in shown["r1.supplier"][0]


def test_whatif_add_and_remove_rows(client_for, seeded) -> None:
    client = client_for("monitor")
    added = html(
        client.post(
            f"/agreements/{seeded.fair_food}/whatif",
            data={"csrf_token": client.csrf, **WHATIF, "action": "add"},
        )
    )
    assert len(added.cssselect("fieldset.row")) == 3
    removed = html(
        client.post(
            f"/agreements/{seeded.fair_food}/whatif",
            data={"csrf_token": client.csrf, **WHATIF, "r0.remove": "1"},
        )
    )
    [row] = removed.cssselect("fieldset.row")
    assert row.cssselect("option[selected]")[0].get("value") == "purchase_recorded"


def test_payroll_import_records_the_payroll_and_checks_it(client_for, seeded) -> None:
    good = (
        b"worker_ref,period_start,period_end,pay_date,earnings,premium\n"
        b"W-001,2026-01-05,2026-01-11,2026-02-06,600.00,1200.00\n"
        b"W-002,2026-01-05,2026-01-11,2026-02-06,600.00,1225.00\n"
    )
    client = client_for("monitor")
    done = client.post(
        f"/agreements/{seeded.fair_food}/payroll",
        data={"csrf_token": client.csrf, "supplier": "GROWER-A"},
        files={"file": ("january.csv", good, "text/csv")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"])
    assert "Imported the payroll of GROWER-A (2 lines)." in page.text
    assert "Payroll recorded on 2026-02-06" in page.text


def test_rejecting_evidence_with_a_reason(client_for, seeded) -> None:
    client = client_for("monitor")
    url = f"/obligations/{seeded.premium}"
    client.post(
        f"{url}/evidence",
        data={"csrf_token": client.csrf},
        files={"file": ("blurry.jpg", b"\xff\xd8\xff not really a photo", "image/jpeg")},
    )
    done = client.post(
        f"{url}/evidence/1/decision",
        data={"csrf_token": client.csrf, "decision": "reject", "reason": "unreadable scan"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    root = html(client.get(url))
    [piece] = root.cssselect("table.evidence tr[data-piece]")
    assert "rejected" in piece.text_content() and "unreadable scan" in piece.text_content()
    assert not piece.cssselect("form")  # decided: no more buttons


def test_notices_of_the_obligation_are_listed_with_their_state(
    client_for, seeded, capsys, tmp_path: Path, monkeypatch
) -> None:
    from scheduler._record import list_notices

    monkeypatch.setenv("WSR_OUTBOX", str(tmp_path / "outbox"))
    with pytest.raises(SystemExit) as swept:
        main(["--db", seeded.db_url, "--now", seeded.now.isoformat(), "sweep"])
    assert swept.value.code == 0, capsys.readouterr().err
    store = open_store(seeded.db_url)
    try:
        sent = list_notices(store, agreement_id=seeded.fair_food)
    finally:
        store.engine.dispose()
    assert sent, "the sweep at NOW decides notices for the overdue duties"
    notice = sent[0]
    root = html(client_for("monitor").get(f"/obligations/{notice['obligation_id']}"))
    rows = root.cssselect("table.notices tbody tr")
    assert rows
    text = " ".join(r.text_content() for r in rows)
    assert notice["id"] in text and notice["recipient"] in text and notice["state"] in text


def test_a_determination_without_supplier_says_the_supplier_is_required(client_for, seeded):
    client = client_for("monitor")
    answer = client.post(
        f"/agreements/{seeded.fair_food}/events",
        data={"csrf_token": client.csrf, "type": "supplier_suspended", "on": "2026-04-17"},
    )
    assert answer.status_code == 422
    assert field_errors(answer, "form.event-form") == {
        "supplier": ["required for supplier_suspended"]
    }
