"""The one safe way to read a file a person names: regular files only, never unbounded.

Opening a FIFO for reading blocks until something writes to it (forever, in practice), and
``/dev/zero`` or ``/dev/urandom`` never end. So a named file is opened without blocking
(``O_NONBLOCK``), checked to be a regular file on the descriptor it was opened as (no race with
a swapped path), and read in chunks up to a documented limit; one byte more is refused. Evidence
is hashed while it streams, so its SHA-256 is known without a second pass. The limits are in
:data:`LIMITS` and in ``docs/design.md``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ._exceptions import InputError

_CHUNK = 1 << 16


class InputKind(Enum):
    """What a named file is, each with its size limit."""

    ANSWERS = "answers file"
    RECORD = "agreement record"
    EVIDENCE = "evidence file"
    PAYROLL = "payroll file"
    CHECKPOINT = "checkpoint file"
    CLAUSE = "clause file"


#: the documented size limit of each kind of input file, in bytes
LIMITS: dict[InputKind, int] = {
    InputKind.ANSWERS: 1 << 20,  # 1 MiB: the largest example is 6 KiB
    InputKind.RECORD: 16 << 20,  # 16 MiB: a record with 5,000 suppliers is about 2 MiB
    InputKind.EVIDENCE: 25 << 20,  # 25 MiB: a scanned report or a photo set, as e-mail allows
    InputKind.PAYROLL: 64 << 20,  # 64 MiB: about 500,000 payroll lines
    InputKind.CHECKPOINT: 64 << 10,  # 64 KiB: a checkpoint is one line
    InputKind.CLAUSE: 1 << 20,  # 1 MiB per clause file
}


@dataclass(frozen=True)
class ReadFile:
    """A file's bytes and their SHA-256 (computed as they were read)."""

    data: bytes
    sha256: str


def _size(limit: int) -> str:
    if limit >= 1 << 20:
        return f"{limit >> 20} MiB"
    return f"{limit >> 10} KiB"


def read_input(path: Path, kind: InputKind, *, where: str | None = None) -> ReadFile:
    """The bytes of the regular file ``path``, at most ``LIMITS[kind]``; else InputError at
    ``where`` (default: the path as given) saying what to do."""
    shown = where if where is not None else str(path)
    name = kind.value
    if not str(path):
        raise InputError.single(shown, f"no {name} given (an empty path)")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError.single(shown, f"no such {name}") from None
    except IsADirectoryError:
        raise InputError.single(shown, "is a folder, not a file") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError.single(shown, f"cannot open the {name}: {reason}") from None
    except (ValueError, UnicodeError):  # a NUL byte or a lone surrogate: no file has that name
        raise InputError.single(
            shown.encode("unicode_escape").decode("ascii"),
            "is not a usable file name (it holds a NUL byte or an unencodable character)",
        ) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError.single(shown, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputError.single(
                shown,
                f"is not a regular file (a pipe, device or socket); save the {name} as a file "
                "and name that",
            )
        limit = LIMITS[kind]
        if info.st_size > limit:
            raise InputError.single(
                shown, f"is {info.st_size:,} bytes; the {name} may be at most {_size(limit)}"
            )
        os.set_blocking(fd, True)
        digest = hashlib.sha256()
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, _CHUNK)
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise InputError.single(shown, f"cannot read the {name}: {reason}") from None
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise InputError.single(shown, f"the {name} may be at most {_size(limit)}")
            digest.update(chunk)
            chunks.append(chunk)
        return ReadFile(data=b"".join(chunks), sha256=digest.hexdigest())
    finally:
        os.close(fd)


def read_input_text(path: Path, kind: InputKind, *, where: str | None = None) -> str:
    """:func:`read_input` decoded as UTF-8 (a byte-order mark is allowed and dropped)."""
    shown = where if where is not None else str(path)
    data = read_input(path, kind, where=where).data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError.single(
            shown, f"is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8"
        ) from None
