"""A local stand-in for SendGrid's v3 API: a real HTTP server on 127.0.0.1.

Usable in-process (``with SendGridStub() as stub: …``, a daemon thread) and as a separate
process for the fault tests (``python tests/scheduler/sendgrid_stub.py --port-file F``), the
same code either way. It

* checks ``POST /v3/mail/send`` strictly against the v3 shape (bearer key, ``from``,
  1–1,000 personalizations each with one ``to``, each address once per request, string
  ``custom_args`` and ``substitutions`` within their size limits, ``content`` text/plain
  first, a subject for every personalization) and answers a malformed request 400 with
  SendGrid's error body (``{"errors": [{"field", "message"}]}``);
* answers from a fault script (``POST /_stub/script``: a list of
  ``{"status": 429|500|400|…, "headers": {…}, "errors": […], "delay": s, "drop": true}``,
  each used once, then 202s) or a standing fault (``POST /_stub/mode``);
* records every accepted personalization with its text as delivered (substitutions applied),
  in memory and, with ``--record FILE``, appended to a JSON-lines file that survives a
  restart, so tests count duplicates;
* answers ``GET /v3/messages?query=unique_args['notice_id']="…" OR …`` (the Email Activity
  API's shape) with the accepted messages carrying those notice ids: how reconciliation asks.

Control and inspection: ``GET /_stub/accepted``, ``GET /_stub/stats``, ``POST /_stub/reset``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY = "SG.stub-key"
_NOTICE_QUERY = re.compile(r"unique_args\['notice_id'\]=\"([^\"]+)\"")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class StubState:
    def __init__(self, key: str, record: Path | None) -> None:
        self.key = key
        self.record = record
        self.lock = threading.Lock()
        self.accepted: list[dict[str, Any]] = []
        self.script: list[dict[str, Any]] = []
        self.mode: dict[str, Any] | None = None
        self.requests = 0
        self.by_status: dict[str, int] = {}
        self.seq = 0
        if record is not None and record.exists():
            for line in record.read_text().splitlines():
                if line.strip():
                    try:
                        self.accepted.append(json.loads(line))
                    except ValueError:  # a line cut short by a kill of the stub
                        continue
            self.seq = len({a["x_message_id"] for a in self.accepted})

    def next_fault(self) -> dict[str, Any] | None:
        with self.lock:
            if self.script:
                return self.script.pop(0)
            return self.mode

    def count(self, status: int) -> None:
        with self.lock:
            self.by_status[str(status)] = self.by_status.get(str(status), 0) + 1

    def accept(self, items: list[dict[str, Any]]) -> str:
        with self.lock:
            self.seq += 1
            mid = f"stub{self.seq:06d}{int(time.time() * 1000) % 10**6:06d}"
            lines = []
            for item in items:
                rec = {**item, "x_message_id": mid, "accepted_at": time.time()}
                self.accepted.append(rec)
                lines.append(json.dumps(rec) + "\n")
            if self.record is not None:
                with self.record.open("a") as fh:
                    fh.write("".join(lines))
                    fh.flush()
            return mid


def validate(body: Any) -> list[dict[str, str]]:
    """The v3 mail/send checks the stub enforces; each problem as SendGrid words it."""
    errs: list[dict[str, str]] = []

    def err(field: str, message: str) -> None:
        errs.append({"field": field, "message": message, "help": None})  # type: ignore[dict-item]

    if not isinstance(body, dict):
        return [{"field": "", "message": "Bad Request: the body must be a JSON object"}]
    allowed = {"from", "personalizations", "content", "subject", "reply_to", "custom_args",
               "headers", "categories", "template_id", "send_at", "mail_settings",
               "tracking_settings", "asm", "ip_pool_name", "batch_id", "attachments"}  # fmt: skip
    for k in body:
        if k not in allowed:
            err(k, f"{k} is not a field of the v3 mail/send request")
    sender = body.get("from")
    if not isinstance(sender, dict) or not _EMAIL.match(str(sender.get("email", ""))):
        err("from.email", "The from object must be provided for every email send.")
    ps = body.get("personalizations")
    if not isinstance(ps, list) or not ps:
        err("personalizations", "You must have at least one personalization.")
        return errs
    if len(ps) > 1000:
        err(
            "personalizations",
            "The personalization block is limited to 1000 personalizations per API request.",
        )
    seen: set[str] = set()
    top_subject = body.get("subject")
    for i, p in enumerate(ps):
        f = f"personalizations.{i}"
        if not isinstance(p, dict):
            err(f, "each personalization must be an object")
            continue
        extra = set(p) - {"to", "cc", "bcc", "subject", "headers", "substitutions",
                          "custom_args", "send_at", "dynamic_template_data", "from"}  # fmt: skip
        for k in sorted(extra):
            err(f"{f}.{k}", f"{k} is not a field of a personalization")
        to = p.get("to")
        if not isinstance(to, list) or not to:
            err(f"{f}.to", "The to parameter is required for all personalization objects.")
            continue
        for j, t in enumerate(to):
            email = str(t.get("email", "")) if isinstance(t, dict) else ""
            if not _EMAIL.match(email):
                err(f"{f}.to.{j}.email", "Does not contain a valid address.")
            if email.lower() in seen:
                err(
                    f"{f}.to.{j}.email",
                    "Each unique email address in the personalizations array should only "
                    "be included once.",
                )
            seen.add(email.lower())
        subject = p.get("subject", top_subject)
        if not isinstance(subject, str) or not subject.strip():
            err(f"{f}.subject", "The subject is required; give it here or at the top level.")
        for name in ("custom_args", "substitutions"):
            value = p.get(name)
            if value is None:
                continue
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                err(f"{f}.{name}", f"{name} values must be strings.")
                continue
            size = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
            if size > 10_000:
                err(f"{f}.{name}", f"The {name} of one personalization exceed 10,000 bytes.")
    if len(seen) > 1000:
        err("personalizations", "There is a limit of 1000 total recipients per request.")
    content = body.get("content")
    if not isinstance(content, list) or not content:
        err("content", "Unless a valid template_id is provided, the content parameter is required.")
    else:
        types = [c.get("type") if isinstance(c, dict) else None for c in content]
        if types[0] != "text/plain":
            err("content.0.type", "The text/plain content type must be first.")
        for k, c in enumerate(content):
            if not isinstance(c, dict) or not isinstance(c.get("value"), str) or not c["value"]:
                err(f"content.{k}.value", "The content value must be a non-empty string.")
    return errs


def rendered(body: dict[str, Any]) -> list[dict[str, Any]]:
    parts = {c["type"]: c["value"] for c in body["content"]}
    out = []
    for p in body["personalizations"]:
        subs = p.get("substitutions") or {}

        def fill(text: str | None, subs: dict[str, str] = subs) -> str | None:
            if text is None:
                return None
            for tag, value in subs.items():
                text = text.replace(tag, value)
            return text

        out.append(
            {
                "notice_id": (p.get("custom_args") or {}).get("notice_id"),
                "to": p["to"][0]["email"],
                "subject": fill(p.get("subject", body.get("subject"))),
                "text": fill(parts.get("text/plain")),
                "html": fill(parts.get("text/html")),
            }
        )
    return out


def _errors(message: str) -> dict[str, Any]:
    return {"errors": [{"field": None, "message": message}]}


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        if data:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        st = self.server.state
        url = urlsplit(self.path)
        if url.path == "/_stub/accepted":
            with st.lock:
                return self._reply(200, list(st.accepted))
        if url.path == "/_stub/stats":
            with st.lock:
                ids = [a["notice_id"] for a in st.accepted]
                return self._reply(
                    200,
                    {
                        "requests": st.requests,
                        "accepted": len(ids),
                        "distinct": len(set(ids)),
                        "by_status": dict(st.by_status),
                    },
                )
        if url.path == "/v3/messages":
            if self.headers.get("Authorization") != f"Bearer {st.key}":
                return self._reply(401, _errors("authorization required"))
            query = parse_qs(url.query).get("query", [""])[0]
            wanted = set(_NOTICE_QUERY.findall(query))
            with st.lock:
                hits = [a for a in st.accepted if a["notice_id"] in wanted]
            messages = [
                {
                    "msg_id": f"{a['x_message_id']}.filter0001",
                    "to_email": a["to"],
                    "subject": a["subject"],
                    "status": "processed",
                    "unique_args": {"notice_id": a["notice_id"]},
                }
                for a in hits
            ]
            return self._reply(200, {"messages": messages})
        self._reply(404, {"errors": [{"message": f"no such path {url.path}"}]})

    def do_POST(self) -> None:
        st = self.server.state
        path = urlsplit(self.path).path
        raw = self._body()
        if path == "/_stub/script":
            with st.lock:
                st.script = list(json.loads(raw))
            return self._reply(200, {"script": len(st.script)})
        if path == "/_stub/mode":
            with st.lock:
                st.mode = json.loads(raw) or None
            return self._reply(200, {"mode": st.mode})
        if path == "/_stub/reset":
            with st.lock:
                st.accepted.clear()
                st.script.clear()
                st.mode = None
                st.requests = 0
                st.by_status.clear()
            return self._reply(200, {})
        if path != "/v3/mail/send":
            return self._reply(404, {"errors": [{"message": f"no such path {path}"}]})
        with st.lock:
            st.requests += 1
        if self.headers.get("Authorization") != f"Bearer {st.key}":
            st.count(401)
            return self._reply(
                401, _errors("The provided authorization grant is invalid, expired, or revoked")
            )
        fault = st.next_fault()
        if fault and fault.get("delay"):
            time.sleep(float(fault["delay"]))
        if fault and fault.get("status", 202) != 202:
            status = int(fault["status"])
            st.count(status)
            errors = fault.get("errors") or [{"field": None, "message": f"scripted {status}"}]
            return self._reply(status, {"errors": errors}, fault.get("headers"))
        try:
            body = json.loads(raw)
        except ValueError:
            st.count(400)
            return self._reply(400, _errors("Bad Request: the body is not JSON"))
        problems = validate(body)
        if problems:
            st.count(400)
            return self._reply(400, {"errors": problems})
        mid = st.accept(rendered(body))
        st.count(202)
        if fault and fault.get("drop"):
            # accepted, but the answer never reaches the client: an unknown outcome
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._reply(202, None, {"X-Message-Id": mid})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, state: StubState) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a dropped connection (the "drop" fault, a client's timeout) is not news


class SendGridStub:
    """The stub in a daemon thread of this process (a test fixture)."""

    def __init__(self, *, key: str = KEY, port: int = 0, record: Path | None = None) -> None:
        self.state = StubState(key, record)
        self.server = _Server(port, self.state)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> SendGridStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def script(self, *faults: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.script = list(faults)

    def mode(self, fault: dict[str, Any] | None) -> None:
        with self.state.lock:
            self.state.mode = fault

    @property
    def accepted(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.accepted)

    @property
    def requests(self) -> int:
        return self.state.requests


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--key", default=KEY)
    ap.add_argument("--record", type=Path)
    ap.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    ap.add_argument("--mode", help="a standing fault as JSON, e.g. '{\"status\": 503}'")
    args = ap.parse_args(argv)
    state = StubState(args.key, args.record)
    if args.mode:
        state.mode = json.loads(args.mode)
    server = _Server(args.port, state)
    if args.port_file:
        tmp = args.port_file.with_suffix(".tmp")
        tmp.write_text(str(server.server_address[1]))
        tmp.replace(args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
