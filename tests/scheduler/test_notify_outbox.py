from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from scheduler import SendOutcome
from scheduler.notify import OutboxNotifier, notifier_from_settings
from tests.scheduler.conftest import message

NOW = datetime(2026, 4, 8, 13, 0, tzinfo=UTC)


def test_each_notice_is_an_rfc5322_file_named_by_its_id(tmp_path):
    box = OutboxNotifier(tmp_path / "out", from_email="notices@example.org", from_name="WSR")
    msgs = [message(1), message(2, language="es", html=False)]
    results = box.send(msgs, now=NOW)
    assert [r.outcome for r in results] == [SendOutcome.SENT, SendOutcome.SENT]
    assert [r.notice_id for r in results] == [m.notice_id for m in msgs]
    assert sum(r.http_requests for r in results) == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted(f"{m.notice_id}.eml" for m in msgs)  # no temp file left behind
    raw = (tmp_path / "out" / f"{msgs[0].notice_id}.eml").read_bytes()
    assert b"\r\n" in raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["To"] == "Person 1 <person1@example.org>"
    assert parsed["Subject"] == msgs[0].subject
    assert parsed["X-WSR-SHA256"] == msgs[0].sha256
    assert parsed["Message-ID"] == results[0].provider_message_id
    assert (
        parsed.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n")
        == msgs[0].body_text
    )
    assert (
        parsed.get_body(("html",)).get_content().replace("\r\n", "\n").rstrip("\n")
        == msgs[0].body_html
    )
    plain_only = email.message_from_bytes(
        (tmp_path / "out" / f"{msgs[1].notice_id}.eml").read_bytes(), policy=email.policy.default
    )
    assert plain_only.get_content_type() == "text/plain"
    assert plain_only["Content-Language"] == "es"


def test_reconcile_knows_a_notice_by_its_file(tmp_path):
    box = OutboxNotifier(tmp_path, from_email="notices@example.org")
    sent, unsent = message(1), message(2)
    box.send([sent], now=NOW)
    known = box.reconcile([sent.notice_id, unsent.notice_id])
    assert set(known) == {sent.notice_id}
    assert known[sent.notice_id].outcome is SendOutcome.SENT


def test_an_unwritable_outbox_is_an_outcome_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    box = OutboxNotifier(blocker / "out", from_email="notices@example.org")
    (result,) = box.send([message(1)], now=NOW)
    assert result.outcome is SendOutcome.FATAL
    assert "cannot write to the outbox" in (result.error or "")


def test_settings_choose_the_notifier(tmp_path):
    outbox = notifier_from_settings({"WSR_OUTBOX": str(tmp_path / "box")})
    assert outbox.name == "outbox"
    assert isinstance(outbox, OutboxNotifier) and outbox.folder == tmp_path / "box"
    sg = notifier_from_settings(
        {"SENDGRID_API_KEY": "SG.x", "WSR_SENDGRID_HOST": "http://127.0.0.1:9/"}
    )
    assert sg.name == "sendgrid"
    assert sg.host == "http://127.0.0.1:9"  # type: ignore[attr-defined]
