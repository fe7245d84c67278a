"""Settings resolved once per command from options and the environment."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_DB = "sqlite:///wsr.db"


@dataclass(frozen=True)
class Settings:
    db_url: str
    now_text: str | None  # as given by --now / WSR_NOW; parsed lazily so bad input names the field
    outbox: Path
    #: the web console's base URL, for the links in notices (WSR_CONSOLE_URL)
    console_url: str = "http://localhost:8000"
    #: the console's cookie-signing secret (WSR_CONSOLE_SECRET); None: a new one per process
    console_secret: str | None = None
    #: SendGrid's event webhook verification key (WSR_SENDGRID_WEBHOOK_KEY), for the console
    webhook_key: str | None = None

    def now(self) -> datetime:
        """The instant commands act at: --now, else WSR_NOW, else the system clock (UTC)."""
        if self.now_text is None:
            return datetime.now(UTC)
        return parse_now(self.now_text)

    def to_json(self) -> str:
        """The settings as one JSON text, for the console's worker processes
        (:func:`wsr.console.app.app_from_environment` reads it back with :meth:`from_json`)."""
        return json.dumps(
            {
                "db_url": self.db_url,
                "now_text": self.now_text,
                "outbox": str(self.outbox),
                "console_url": self.console_url,
                "console_secret": self.console_secret,
                "webhook_key": self.webhook_key,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Settings:
        """What :meth:`to_json` wrote; ValueError naming the key for anything else."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the settings are not a JSON object")
        for key in ("db_url", "outbox", "console_url"):
            if not isinstance(data.get(key), str):
                raise ValueError(f"{key}: a string is required")
        for key in ("now_text", "console_secret", "webhook_key"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ValueError(f"{key}: a string or null is required")
        return cls(
            db_url=data["db_url"],
            now_text=data.get("now_text"),
            outbox=Path(data["outbox"]),
            console_url=data["console_url"],
            console_secret=data.get("console_secret"),
            webhook_key=data.get("webhook_key"),
        )

    def with_secret(self, secret: str) -> Settings:
        return replace(self, console_secret=secret)


def parse_now(text: str) -> datetime:
    from clauses import InputError  # here, not at the top: `wsr --help` never needs clauses

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError.single("--now", f"{text!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError.single(
            "--now", f"{text!r} has no UTC offset; give one, e.g. {text}+00:00 or {text}-05:00"
        )
    from clauses import instant_problem

    if (problem := instant_problem(value)) is not None:
        raise InputError.single("--now", problem)
    return value


def resolve(db: str | None, now: str | None) -> Settings:
    """Options first, then the environment. An empty ``--db ""`` is refused when the database
    is opened (it used to mean the default file, created silently in the working folder); an
    empty ``WSR_DATABASE_URL=`` is the shell's way of unsetting it, so it means the default."""
    url = db if db is not None else (os.environ.get("WSR_DATABASE_URL") or DEFAULT_DB)
    return Settings(
        db_url=url,
        now_text=now or os.environ.get("WSR_NOW") or None,
        outbox=Path(os.environ.get("WSR_OUTBOX", "outbox")),
        console_url=os.environ.get("WSR_CONSOLE_URL") or "http://localhost:8000",
        console_secret=os.environ.get("WSR_CONSOLE_SECRET") or None,
        webhook_key=os.environ.get("WSR_SENDGRID_WEBHOOK_KEY") or None,
    )
