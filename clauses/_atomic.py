"""Files written whole or not at all: the one output helper every file writer uses.

A command that writes files (``wsr draft``'s set of documents, ``wsr calendar --out``, the
scheduler's certificates and ``.eml`` files) must never leave a mix of old and new files or a
truncated one behind: a half-written agreement is one somebody may sign. So:

- :func:`check_out_path` refuses a target that cannot work before anything is rendered (an
  empty name, a path under a file, a dangling symlink or a loop, a name longer than the system
  allows, a place nobody may write) with ``<option>: <message>``;
- :func:`atomic_outputs` gives a private staging folder *beside* the target (same file system,
  so moves are renames); the caller writes every file there; at the end each is fsynced and moved
  into place, the files it replaces first moved aside. If anything fails midway, the moved files
  are taken back out and the previous ones put back, so the target is exactly as it was;
- :func:`atomic_write` is the same for one file (temporary file, fsync, rename).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ._exceptions import InputError

#: the longest single name most file systems hold (ext4, APFS, NTFS: 255 bytes)
NAME_MAX = 255


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it goes through a symbolic link that points back to itself"
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is longer than the file system allows"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "no permission to write there"
    if exc.errno == errno.ENOTDIR:
        return "part of the path is a file, not a folder"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or type(exc).__name__


def _broken_link(link: Path, option: str) -> None:
    """Raise the InputError for a symbolic link that leads nowhere (or round in a loop)."""
    try:
        os.stat(link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError.single(option, f"cannot use {link}: {_reason(exc)}") from None
    raise InputError.single(option, f"{link} is a symbolic link to something that does not exist")


def check_out_path(given: str | Path, option: str, *, folder: bool) -> Path:
    """``given`` as a Path if a folder (``folder=True``) or file can be written there; else
    InputError at ``option`` saying why. Nothing is created. Give the option's text as typed:
    ``Path("")`` already reads as ``.``, so an empty ``--out`` is only visible as a string."""
    text = str(given)
    if not text or not text.strip():
        raise InputError.single(option, "give a path (an empty one names no place)")
    if "\0" in text:
        raise InputError.single(option, "the path contains a NUL character")
    path = Path(text)
    for part in path.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise InputError.single(
                option, f"a name in the path is longer than {NAME_MAX} bytes; use a shorter one"
            )
    try:
        if path.is_symlink() and not path.exists():
            _broken_link(path, option)
        if path.exists():
            if folder and not path.is_dir():
                raise InputError.single(option, f"{text} exists and is not a folder")
            if not folder and path.is_dir():
                raise InputError.single(option, f"{text} is a folder; name a file")
        existing = path if folder and path.exists() else path.parent
        while not existing.exists():
            if existing.is_symlink():
                _broken_link(existing, option)
            existing = existing.parent
        if not existing.is_dir():
            raise InputError.single(option, f"{existing} is a file, so nothing can go under it")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise InputError.single(option, f"cannot write in {existing}: no permission")
    except OSError as exc:
        raise InputError.single(option, f"cannot use {text}: {_reason(exc)}") from None
    return path


def _fsync(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot fsync a folder; the rename is still atomic
        if not directory:
            raise
    finally:
        os.close(fd)


def _make_parents(parent: Path) -> list[Path]:
    """Create ``parent`` and its missing ancestors; return the ones created, innermost first."""
    created = [p for p in (parent, *parent.parents) if not p.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    return created


def _remove_empty(created: list[Path]) -> None:
    for directory in created:  # innermost first; only the ones we made, only if empty
        try:
            directory.rmdir()
        except OSError:
            break


def _commit(stage: Path, out: Path, option: str) -> None:
    """Move every file of ``stage`` into ``out`` as one set, or restore ``out`` and raise."""
    names = sorted(p.name for p in stage.iterdir() if p.is_file())
    for name in names:
        _fsync(stage / name)
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.wsr-old-", dir=out.parent))
    made_out = not out.exists()
    moved: list[str] = []
    kept: list[str] = []
    try:
        out.mkdir(exist_ok=True)
        for name in names:
            target = out / name
            if target.is_symlink() or target.is_file():
                os.replace(target, aside / name)
                kept.append(name)
            os.replace(stage / name, target)
            moved.append(name)
        _fsync(out, directory=True)
    except OSError as exc:
        for name in moved:
            with contextlib.suppress(OSError):
                os.unlink(out / name)
        for name in kept:
            with contextlib.suppress(OSError):
                os.replace(aside / name, out / name)
        if made_out:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise InputError.single(
            option,
            f"cannot write {out / (names[len(moved)] if len(moved) < len(names) else '')}: "
            f"{_reason(exc)}; nothing was changed",
        ) from None
    finally:
        shutil.rmtree(aside, ignore_errors=True)


@contextlib.contextmanager
def atomic_outputs(out: Path, *, option: str = "--out") -> Iterator[Path]:
    """A staging folder beside the folder ``out``: write every output into it; when the block
    ends without error they all move into ``out`` at once, and on any error ``out`` (and the
    files already in it) are exactly as they were."""
    check_out_path(out, option, folder=True)
    try:
        created = _make_parents(out.parent)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.wsr-new-", dir=out.parent))
    except OSError as exc:
        raise InputError.single(option, f"cannot write in {out.parent}: {_reason(exc)}") from None
    try:
        yield stage
        _commit(stage, out, option)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_empty(created)
        raise
    shutil.rmtree(stage, ignore_errors=True)


def atomic_write(path: Path, data: bytes, *, option: str = "--out") -> Path:
    """Write ``data`` to the file ``path`` whole: a temporary file beside it, fsynced, then
    renamed over it. On any error the previous file (if any) is untouched."""
    check_out_path(path, option, folder=False)
    created: list[Path] = []
    tmp: Path | None = None
    try:
        created = _make_parents(path.parent)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.wsr-", dir=path.parent)
        tmp = Path(name)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync(path.parent, directory=True)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        _remove_empty(created)
        raise InputError.single(option, f"cannot write {path}: {_reason(exc)}") from None
    return path
