"""The audit log's secret key: a file outside the database, made on first use, mode 0600.

Where it lives (the first that applies):

* ``WSR_AUDIT_KEY_FILE``, when set: the way to keep the key away from the database (another
  disk, a secrets mount) and to give every writer of a shared PostgreSQL database the same key;
* for a SQLite database file: beside it, ``<database file>.audit-key`` — it travels with the
  database on the same machine but not inside it, so a copy of the database, a dump or a
  database editor does not carry the key; move it elsewhere with ``WSR_AUDIT_KEY_FILE`` for
  protection against someone who can read the folder;
* for any other URL (PostgreSQL, SQLite in memory): ``$XDG_CONFIG_HOME/wsr/audit-keys/<name>.key``
  (``~/.config`` when ``XDG_CONFIG_HOME`` is unset), the name made of the host, port and database.

The file holds 32 random bytes as 64 hex digits. It is never written to the database. It is
created by the first append to an empty log (two processes racing agree on one key: the file is
written whole under a temporary name and linked into place, and the loser reads the winner's) and
removed again if that append's unit of work rolls back;
a log written before keys existed gets one only through ``wsr audit rekey``.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from clauses import InputError

if TYPE_CHECKING:  # SQLAlchemy is imported only when a database URL is actually read
    from sqlalchemy.engine import URL

ENV = "WSR_AUDIT_KEY_FILE"

_KEY_BYTES = 32


class AuditKey:
    """Where the key is, and reading or creating it (the bytes are cached once read)."""

    def __init__(self, path: Path | None, *, material: bytes | None = None) -> None:
        self.path = path
        self._material = material

    @classmethod
    def in_memory(cls) -> AuditKey:
        """A key that exists only in this process (the in-memory store)."""
        return cls(None, material=secrets.token_bytes(_KEY_BYTES))

    @classmethod
    def for_url(cls, url: str | URL) -> AuditKey:
        """The key of the database at ``url``, located as the module docstring says."""
        return cls(default_path(url))

    @property
    def where(self) -> str:
        return "(in memory)" if self.path is None else str(self.path)

    def exists(self) -> bool:
        return self._material is not None or (self.path is not None and self.path.exists())

    def load(self) -> bytes | None:
        """The key, or None when there is none yet; InputError naming the file if unusable."""
        if self._material is not None:
            return self._material
        if self.path is None:
            return None
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._bad(f"cannot read the audit key: {exc.strerror or exc}") from None
        if not stat.S_ISREG(info.st_mode):
            raise self._bad("the audit key must be a regular file")
        if info.st_mode & 0o077:
            raise self._bad(
                f"the audit key is readable by others (mode {stat.S_IMODE(info.st_mode):04o}); "
                f"`chmod 600 {self.path}` and keep it that way"
            )
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise self._bad(f"cannot read the audit key: {exc}") from None
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise self._bad("not an audit key (64 lowercase hex digits, as wsr writes it)")
        self._material = bytes.fromhex(text)
        return self._material

    def load_or_create(self) -> bytes:
        """The key, made now (mode 0600) if there is none."""
        found = self.load()
        if found is not None:
            return found
        assert self.path is not None  # an in-memory key always has material
        material = secrets.token_bytes(_KEY_BYTES)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as f:
                    f.write(material.hex() + "\n")
                    f.flush()
                    os.fsync(f.fileno())
                try:
                    os.link(tmp, self.path)  # fails if another process made it first
                except FileExistsError:
                    pass
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise self._bad(f"cannot create the audit key: {exc.strerror or exc}") from None
        loaded = self.load()
        assert loaded is not None
        return loaded

    def discard(self) -> None:
        """Remove a key that signed nothing (its first append was rolled back)."""
        self._material = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def _bad(self, message: str) -> InputError:
        return InputError.single(self.where, message + f" (set {ENV} to use another file)")


def default_path(url: str | URL) -> Path:
    """Where the key of the database at ``url`` lives (see the module docstring)."""
    given = os.environ.get(ENV)
    if given:
        return Path(given).expanduser()
    from sqlalchemy.engine import make_url

    parsed = make_url(url) if isinstance(url, str) else url
    db = parsed.database or ""
    if (
        parsed.get_backend_name() == "sqlite"
        and db
        and db != ":memory:"
        and not db.startswith("file:")
    ):
        path = Path(db).expanduser().resolve()
        return path.with_name(path.name + ".audit-key")
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    place = f"{parsed.get_backend_name()}-{parsed.host or 'local'}-{parsed.port or ''}-{db}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", place)[:80]
    tag = hashlib.sha256(place.encode("utf-8")).hexdigest()[:8]
    return base / "wsr" / "audit-keys" / f"{name}-{tag}.key"
