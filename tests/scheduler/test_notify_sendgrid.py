"""The SendGrid notifier through the official client against the local stub (a real server)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from scheduler import SendOutcome
from scheduler.notify import SendGridNotifier, batches
from tests.scheduler.conftest import message
from tests.scheduler.sendgrid_stub import KEY, validate

NOW = datetime(2026, 4, 8, 13, 0, tzinfo=UTC)


def notifier(stub, key: str = KEY, **kw) -> SendGridNotifier:
    return SendGridNotifier(
        key, host=stub.url + "/", from_email="notices@example.org", from_name="WSR", **kw
    )


def test_one_request_per_thousand_of_one_template_and_the_text_arrives_as_hashed(stub):
    msgs = [message(i) for i in range(2500)]
    results = notifier(stub).send(msgs, now=NOW)
    assert {r.outcome for r in results} == {SendOutcome.SENT}
    assert sum(r.http_requests for r in results) == stub.requests == 3
    got = {a["notice_id"]: a for a in stub.accepted}
    assert len(got) == len(stub.accepted) == 2500
    for m, r in zip(msgs, results, strict=True):
        a = got[m.notice_id]
        assert (a["to"], a["subject"], a["text"], a["html"]) == (
            m.to_email,
            m.subject,
            m.body_text,
            m.body_html,
        )
        assert r.provider_message_id == a["x_message_id"]


def test_templates_languages_and_repeated_addresses_split_requests(stub):
    same = "monitor@example.org"
    msgs = [
        message(1, to=same),
        message(2, to=same.upper()),  # the same address, twice in one batch: next request
        message(3, language="es"),
        message(4, template="overdue"),
        message(5, body="x" * 20_000),  # too long for a substitution: a request of its own
    ]
    plan = batches(msgs, from_email="n@example.org", from_name="")
    assert [len(b.messages) for b in plan] == [1, 1, 1, 1, 1]
    assert all(validate(b.body) == [] for b in plan)
    results = notifier(stub).send(msgs, now=NOW)
    assert [r.outcome for r in results] == [SendOutcome.SENT] * 5
    assert stub.requests == 5
    assert [a["text"] for a in stub.accepted if a["notice_id"] == msgs[4].notice_id] == [
        "x" * 20_000
    ]


def test_429_retries_at_the_rate_limit_reset_and_stops_the_run(stub):
    reset = int(time.time()) + 120
    stub.script({"status": 429, "headers": {"X-RateLimit-Reset": str(reset)}})
    msgs = [message(i) for i in range(1500)]
    results = notifier(stub).send(msgs, now=NOW)
    assert {r.outcome for r in results} == {SendOutcome.RETRY}
    assert stub.requests == 1  # the second batch was not tried into the limit
    retry = results[0].retry_at
    assert retry is not None and NOW + timedelta(seconds=100) < retry <= NOW + timedelta(
        seconds=121
    )
    assert {r.retry_at for r in results} == {retry}
    assert stub.accepted == []


def test_5xx_and_a_refused_connection_are_retries_a_lost_answer_is_unknown(stub):
    stub.script({"status": 503})
    (r,) = notifier(stub).send([message(1)], now=NOW)
    assert r.outcome is SendOutcome.RETRY and r.retry_at is None
    assert "503" in (r.error or "")
    refused = SendGridNotifier(KEY, host="http://127.0.0.1:9", from_email="n@example.org")
    (r,) = refused.send([message(3)], now=NOW)
    assert r.outcome is SendOutcome.RETRY and "cannot reach" in (r.error or "")
    # the stub accepts, then answers too late: SendGrid may have the message, so not a retry
    stub.script({"delay": 2})
    (r,) = notifier(stub, timeout=0.5).send([message(2)], now=NOW)
    assert r.outcome is SendOutcome.UNKNOWN and "no answer" in (r.error or "")


def test_400_reports_the_apis_own_words(stub):
    stub.script(
        {
            "status": 400,
            "errors": [
                {
                    "field": "from.email",
                    "message": "The from address does not match a verified Sender Identity.",
                }
            ],
        }  # fmt: skip
    )
    (r,) = notifier(stub).send([message(1)], now=NOW)
    assert r.outcome is SendOutcome.FAILED
    assert "from.email: The from address does not match a verified Sender Identity." in r.error
    assert "HTTP Error 400" not in r.error


def test_401_is_one_request_and_one_clear_error(stub):
    msgs = [message(i) for i in range(3000)]
    results = notifier(stub, key="SG.wrong").send(msgs, now=NOW)
    assert {r.outcome for r in results} == {SendOutcome.FATAL}
    assert stub.requests == 1
    assert "SENDGRID_API_KEY" in (results[0].error or "")
    assert sum(r.http_requests for r in results) == 1


def test_reconcile_asks_which_notices_were_accepted(stub):
    sent, lost = message(1), message(2)
    stub.script({"drop": True})  # accepted, but the answer is lost on the way back
    (r,) = notifier(stub).send([sent], now=NOW)
    assert r.outcome is SendOutcome.UNKNOWN
    known = notifier(stub).reconcile([sent.notice_id, lost.notice_id])
    assert set(known) == {sent.notice_id}
    assert known[sent.notice_id].provider_message_id == stub.accepted[0]["x_message_id"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"personalizations": []}, "personalizations"),
        (
            {"from": {"email": "a@b.org"}, "personalizations": [{"to": [{"email": "x"}]}]},
            "personalizations.0.to.0.email",
        ),  # fmt: skip
        (
            {
                "from": {"email": "a@b.org"},
                "personalizations": [{"to": [{"email": "x@y.org"}]}],
                "content": [{"type": "text/html", "value": "<p>"}],
                "subject": "s",
            },
            "content.0.type",
        ),  # fmt: skip
    ],
)
def test_the_stub_is_strict(body, field):
    assert field in {e["field"] for e in validate(body)}
