"""Signing and posting webhook calls as SendGrid does, against the app served by uvicorn."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from scheduler._webhook_verify import SIGNATURE_HEADER, TIMESTAMP_HEADER


class Signer:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_b64 = base64.b64encode(der).decode()

    def headers(self, body: str, ts: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if ts is None else ts)
        sig = self.key.sign((stamp + body).encode(), ec.ECDSA(hashes.SHA256()))
        return {SIGNATURE_HEADER: base64.b64encode(sig).decode(), TIMESTAMP_HEADER: stamp}


def event(notice_id: str, kind: str, ts: int, mid: str = "msg1", **extra: Any) -> dict[str, Any]:
    return {
        "email": "person@example.org",
        "timestamp": ts,
        "event": kind,
        "sg_event_id": f"ev-{kind}-{ts}-{time.monotonic_ns()}",
        "sg_message_id": f"{mid}.filterdrecv-1-2-3",
        "notice_id": notice_id,
        **extra,
    }


def body_of(events: list[dict[str, Any]]) -> str:
    return json.dumps(events, separators=(",", ":")) + "\r\n"


class Served:
    """An ASGI app served by uvicorn on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def post(self, body: str | bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(
            self.url + "/webhooks/sendgrid",
            data=data,
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
