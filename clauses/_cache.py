"""The compiled cache: what every draft recomputes from unchanged files, kept across processes.

A user runs ``wsr draft`` once per process, so the in-process caches (``functools.lru_cache`` on
parsed templates, the house template compiled once) never see a second call. What a draft
recomputes each time from files that did not change is kept here instead:

* the **loaded clause library** (every clause file parsed and validated into ``ClauseDef``s, and
  its fingerprint), keyed by the content of every ``*.yaml`` file in the folder;
* the **compiled clause templates**: for each template source, the names it reads and the code
  Jinja compiled it to, keyed by the source text's hash (so a template is only ever served for
  the exact text it was compiled from);
* the **house DOCX template**: the XML of each part after docxtpl's preprocessing, and the code
  its Jinja environment compiled that XML to, keyed by the hash of the XML.

Every key also carries :func:`engine_key`, a hash of this package's own source files, the
Python version (code objects are marshalled) and the versions of Jinja, pydantic and docxtpl,
so an entry made by another engine is simply never found. Entries live as files under
``WSR_CACHE_DIR`` (default ``~/.cache/wsr-engine/compiled``; ``WSR_CACHE_DIR=off`` disables the
cache). They are written atomically (a private temporary file renamed into place), and one that
cannot be read back — truncated, corrupt, of another format — is ignored and rebuilt. Values are
pickled, so the cache is only used in a folder owned by this user and writable by nobody else.

**When it is written.** An entry only ever holds what its key's files determine: the parsed
library of those exact files, templates compiled from their exact text. So it is written as soon
as it is complete, whatever happens to the draft afterwards — a draft refused for its answers may
leave a library entry (the library itself loaded fine) but never touches the output folder, which
``atomic_outputs`` writes all at once or not at all. Templates compiled during a process are added
to its entry when the process exits (``atexit``); a failure to write is silent (the next draft
compiles again). Nothing is ever read from a cache entry that was not checked against its key.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import pickle
import stat
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any

#: bump when the layout of an entry changes
FORMAT = 1
ENV_VAR = "WSR_CACHE_DIR"
DEFAULT_DIR = Path("~/.cache/wsr-engine/compiled")
_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """The folder entries live in, or None when the cache is off or the folder is not safe.

    Safe means owned by this user and writable by nobody else: entries are pickles, and loading
    one written by someone else would run their code.
    """
    setting = os.environ.get(ENV_VAR, "").strip()
    if setting.lower() == "off":
        return None
    folder = Path(setting).expanduser() if setting else DEFAULT_DIR.expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None
    return folder


@lru_cache(maxsize=1)
def engine_key() -> str:
    """A hash of everything that shapes an entry besides its input files: this package's code,
    the Python version (marshalled code) and the versions of the libraries that compile."""
    import jinja2

    digest = hashlib.sha256(f"wsr-cache {FORMAT}\0{sys.version}\0".encode())
    digest.update(f"jinja2 {jinja2.__version__}\0pydantic {_pydantic_version()}\0".encode())
    for source in sorted(_PACKAGE.rglob("*.py")):
        digest.update(source.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _pydantic_version() -> str:
    """pydantic's version, read from its ``version.py`` without importing it: the library entry
    holds what pydantic validated, but a warm draft never imports pydantic (``_frozen``)."""
    import importlib.util
    import re

    spec = importlib.util.find_spec("pydantic")
    if spec is None or not spec.submodule_search_locations:
        return "absent"
    try:
        text = (Path(spec.submodule_search_locations[0]) / "version.py").read_text("utf-8")
    except OSError:
        return "unreadable"
    found = re.search(r"^VERSION = ['\"]([^'\"]+)['\"]", text, re.M)
    return found.group(1) if found else "unknown"


def content_key(kind: str, parts: list[tuple[str, bytes]]) -> str:
    """The key of an entry of ``kind`` made from named byte strings (file names and contents)."""
    digest = hashlib.sha256(f"{kind}\0{engine_key()}\0".encode())
    for name, data in parts:
        digest.update(f"{len(name)}:{name}{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def _entry_path(folder: Path, kind: str, key: str) -> Path:
    return folder / f"{kind}-{key[:40]}.pickle"


def read_entry(kind: str, key: str) -> dict[str, Any] | None:
    """The entry stored for ``key``, or None (no cache, no entry, or one that cannot be used)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = _entry_path(folder, kind, key).read_bytes()
    except OSError:
        return None
    try:
        entry = pickle.loads(data)
    except Exception:  # truncated, corrupt, or naming classes this engine no longer has
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
        return None
    return entry


def write_entry(kind: str, key: str, entry: dict[str, Any]) -> bool:
    """Store ``entry`` under ``key`` atomically; False (and nothing left behind) if it cannot."""
    folder = cache_dir()
    if folder is None:
        return False
    import tempfile  # only a draft that fills the cache pays for importing it

    data = pickle.dumps({**entry, "format": FORMAT, "key": key}, protocol=pickle.HIGHEST_PROTOCOL)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, _entry_path(folder, kind, key))
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return False
    return True


def source_key(source: str) -> str:
    """How a compiled template is found: the hash of its exact source text."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


class CodeStore:
    """Compiled Jinja code by source hash for one environment, loaded from and saved to one
    entry. ``get`` never fails (a code object that cannot be unmarshalled is a miss)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.key: str | None = None
        self._stored: dict[str, Any] = {}
        self._added: dict[str, Any] = {}

    def bind(self, key: str) -> None:
        """Use the entry under ``key`` (read now; what is added is written at exit)."""
        if key == self.key:
            return
        self.save()
        self.key, self._added = key, {}
        entry = read_entry(self.kind, key)
        items = entry.get("items") if entry is not None else None
        self._stored = items if isinstance(items, dict) else {}

    def get(self, source: str) -> tuple[Any, ...] | None:
        """What was stored for ``source`` (code still marshalled: see :meth:`code`), or None."""
        if self.key is None:
            return None
        key = source_key(source)
        found = self._stored.get(key) or self._added.get(key)  # added: compiled this process
        return found if isinstance(found, tuple) and len(found) >= 1 else None

    @staticmethod
    def code(found: tuple[Any, ...]) -> CodeType | None:
        """The code object stored last in ``found``; None if there is none or it is unreadable."""
        data = found[-1]
        if not isinstance(data, bytes):
            return None
        try:
            code = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    def add(self, source: str, *values: Any, code: CodeType | None = None) -> None:
        """Remember ``values`` (and ``code``, marshalled) for ``source``; stored at exit."""
        if self.key is not None:
            extra = (marshal.dumps(code),) if code is not None else ()
            self._added[source_key(source)] = (*values, *extra)

    def save(self) -> None:
        if self.key is None or not self._added:
            return
        items = {**self._stored, **self._added}
        if write_entry(self.kind, self.key, {"items": items}):
            self._stored, self._added = items, {}


_STORES: list[CodeStore] = []


def code_store(kind: str) -> CodeStore:
    """The process's :class:`CodeStore` for ``kind``, saved when the process exits."""
    for store in _STORES:
        if store.kind == kind:
            return store
    store = CodeStore(kind)
    _STORES.append(store)
    return store


def save_all() -> None:
    """Write every store's additions (run at exit; also callable, e.g. by tests)."""
    for store in _STORES:
        try:
            store.save()
        except Exception:  # pragma: no cover - a cache never makes a command fail
            pass


atexit.register(save_all)


def cached(kind: str, key: str, build: Callable[[], Any]) -> Any:
    """``build()``'s value, from the entry under ``key`` when there is one, else built and stored.

    ``build`` raising stores nothing.
    """
    entry = read_entry(kind, key)
    if entry is not None and "value" in entry:
        return entry["value"]
    value = build()
    write_entry(kind, key, {"value": value})
    return value
