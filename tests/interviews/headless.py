"""Run docassemble.wsrengine interviews through docassemble.base's own engine, headless.

docassemble 1.10 reaches what its web app normally supplies (configuration, files, Redis,
URLs) through pluggy hooks (``docassemble/base/hookspecs.py``); :class:`Hooks` answers them
for a test process: files go to a temporary folder, Redis is a dict. These hooks are internal
API, which is why ``docassemble.base`` is pinned in interviews/da-requirements.txt.

:class:`Session` steps one interview session: :meth:`Session.step` assembles the next screen
(as the server would for ``/api/session/question``) and :meth:`Session.set` answers it by
assigning into the interview's namespace, the way a submitted form ends. What this bypasses
is docassemble's form layer (datatype conversion, ``required``, ``validation code``), so
:meth:`Session.submit` runs a screen's validation code itself to see the messages a user
would get.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import itertools
import mimetypes
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pluggy

_WORK = Path(tempfile.mkdtemp(prefix="wsr-da-headless-"))
atexit.register(shutil.rmtree, _WORK, ignore_errors=True)
_CONFIG = _WORK / "config.yml"
if "DA_CONFIG_FILE" not in os.environ:
    _CONFIG.write_text(
        "debug: False\nsecretkey: headless-tests-only\ntimezone: America/New_York\n",
        encoding="utf-8",
    )
    os.environ["DA_CONFIG_FILE"] = str(_CONFIG)

import docassemble.base.config  # noqa: E402  (needs DA_CONFIG_FILE first)

if not docassemble.base.config.loaded:
    docassemble.base.config.load()
daconfig = docassemble.base.config.daconfig

from docassemble.base.plugin_manager import pm  # noqa: E402

hookimpl = pluggy.HookimplMarker("docassemble")
FILES_DIR = _WORK / "files"
FILES_DIR.mkdir()
_numbers = itertools.count(1)
FILES: dict[int, dict[str, Any]] = {}


def _ext_mime(filename: str) -> tuple[str, str | None]:
    mimetype, _ = mimetypes.guess_type(filename)
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return ("jpg" if ext == "jpeg" else ext), mimetype


class _Redis:
    """The few Redis calls docassemble.base makes, in memory."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def set(self, key: str, value: Any, *args: Any, **kwargs: Any) -> None:
        self.data[key] = value

    def incr(self, key: str) -> int:
        self.data[key] = int(self.data.get(key) or 0) + 1
        return int(self.data[key])

    def rpush(self, key: str, *values: Any) -> None:
        self.data.setdefault(key, []).extend(values)

    def delete(self, *keys: str) -> None:
        for key in keys:
            self.data.pop(key, None)

    def expire(self, *args: Any, **kwargs: Any) -> None:
        pass


_REDIS = _Redis()


def _file_record(path: Path, filename: str) -> dict[str, Any]:
    """One stored file as docassemble describes it; ``path`` is where its content is written
    (the server keeps content and name apart; here both are one file)."""
    ext, mime = _ext_mime(filename)
    return {
        "fullpath": str(path),
        "path": str(path),
        "filename": filename,
        "extension": ext,
        "mimetype": mime,
        "persistent": False,
        "private": True,
    }


class _SavedFile:
    """The server's SavedFile, for numbered files that already live in FILES_DIR."""

    def __init__(self, number: int, *args: Any, **kwargs: Any) -> None:
        self.number = int(number)

    def save(self, *args: Any, **kwargs: Any) -> None:
        path = Path(FILES[self.number]["fullpath"])
        if not path.exists():
            path.touch()

    def finalize(self) -> None:
        pass

    def delete(self) -> None:
        FILES.pop(self.number, None)


class Hooks:
    """What docassemble.webapp would otherwise provide."""

    @hookimpl
    def get_default_language(self) -> str:
        return str(daconfig.get("language", "en"))

    @hookimpl
    def get_default_dialect(self) -> str:
        return str(daconfig.get("dialect", "us"))

    @hookimpl
    def get_default_locale(self) -> str:
        return str(daconfig.get("locale", "en_US.utf8"))

    @hookimpl
    def get_default_voice(self) -> Any:
        return daconfig.get("voice")

    @hookimpl
    def get_default_timezone(self) -> str:
        return str(daconfig.get("timezone", "America/New_York"))

    @hookimpl
    def get_default_country(self) -> str:
        return str(daconfig.get("country", "US"))

    @hookimpl
    def get_configuration(self) -> Any:
        return daconfig

    @hookimpl
    def get_hostname(self) -> str:
        return "localhost"

    @hookimpl
    def get_debug_status(self) -> bool:
        # debug mode adds readability statistics of every screen to its JSON: minutes for
        # an agreement-length review screen
        return False

    @hookimpl
    def get_default_table_class(self) -> str:
        return "table table-striped"

    @hookimpl
    def get_default_thead_class(self) -> str:
        return "table-dark"

    @hookimpl
    def get_button_class_prefix(self) -> str:
        return "btn-"

    @hookimpl
    def get_server_redis(self) -> Any:
        return _REDIS

    @hookimpl
    def get_main_page_parts(self) -> dict[str, Any]:
        return {}

    @hookimpl
    def to_text(self, html_doc: str) -> str:
        return re.sub(r"<[^>]+>", "", html_doc)

    @hookimpl
    def generate_csrf(self, secret_key: Any, token_key: Any) -> str:
        return "nocsrf"

    @hookimpl
    def url_for(self, endpoint: Any, kwargs: Any) -> str:
        return "/" + str(endpoint)

    @hookimpl
    def url_finder(self, file_reference: Any, kwargs: Any) -> str:
        number = getattr(file_reference, "number", None)
        if number is not None:
            return f"/uploadedfile/{number}"
        return "file://" + str(file_reference)

    @hookimpl
    def get_ext_and_mimetype(self, filename: str) -> tuple[str, str | None]:
        return _ext_mime(filename)

    @hookimpl
    def secure_filename_unicode_ok(self, the_filename: str) -> str:
        return re.sub(r"[^\w_\.\- ]", "", the_filename.replace("/", "_")).strip("._ ")

    @hookimpl
    def secure_filename_spaces_ok(self, filename: str) -> str:
        return re.sub(r"[^A-Za-z0-9\_\.\- ]", "", filename.replace("/", "_")).strip("._ ")

    @hookimpl
    def secure_filename(self, filename: str) -> str:
        return re.sub(r"[^A-Za-z0-9\_\.\-]", "_", filename).strip("._ ") or "file"

    @hookimpl
    def absolute_filename(self, the_file: Any) -> None:
        return None

    @hookimpl
    def get_saved_file_class(self) -> Any:
        return _SavedFile

    @hookimpl
    def get_new_file_number(self, user_code: Any, file_name: Any, yaml_file_name: Any) -> int:
        number = next(_numbers)
        name = str(file_name or f"file{number}")
        path = FILES_DIR / f"{number}_{name}"
        FILES[number] = _file_record(path, name)
        return number

    @hookimpl
    def save_numbered_file(
        self, filename: str, orig_path: str, yaml_file_name: Any, uid: Any
    ) -> tuple[int, str, str | None]:
        number = next(_numbers)
        dest = FILES_DIR / f"{number}_{os.path.basename(filename)}"
        shutil.copyfile(orig_path, dest)
        FILES[number] = _file_record(dest, os.path.basename(filename))
        ext, mime = _ext_mime(filename)
        return number, ext, mime

    @hookimpl
    def file_number_finder(
        self, file_number: Any, filename: Any, uids: Any, privileged: Any
    ) -> dict[str, Any]:
        return dict(FILES.get(int(file_number), {}))

    @hookimpl
    def file_finder(
        self,
        file_reference: Any,
        question: Any,
        folder: Any,
        package: Any,
        filename: Any,
        return_nonexistent: Any,
        uids: Any,
    ) -> dict[str, Any]:
        from docassemble.base.functions import get_current_package, static_filename_path

        ref = str(file_reference)
        if re.fullmatch(r"[0-9]+", ref):
            return dict(FILES.get(int(ref), {}))
        if ":" not in ref:
            pkg = (
                question.from_source.package
                if question is not None
                else (package or get_current_package() or "docassemble.base")
            )
            if folder is None:
                m = re.match(r"data/(templates|sources|static)/(.*)", ref)
                if m:
                    folder, ref = m.group(1), m.group(2)
            if folder is not None and "/" not in ref:
                ref = f"data/{folder}/{ref}"
            ref = f"{pkg}:{ref}"
        fullpath = static_filename_path(ref, return_nonexistent=return_nonexistent)
        if fullpath is None:
            return {"fullpath": None}
        return _file_record(Path(fullpath), os.path.basename(fullpath))


pm.register(Hooks(), name="wsr-headless")

# these read the hooks at import
import docassemble.base.functions  # noqa: E402
import docassemble.base.interview_cache  # noqa: E402
import docassemble.base.parse  # noqa: E402
from docassemble.base.error import DAValidationError  # noqa: E402
from docassemble.base.thread_context import (  # noqa: E402
    empty_globals,
    global_context,
    this_thread,
    user_dict_context,
)


class Session:
    """One session of one interview, stepped screen by screen."""

    def __init__(self, yaml_filename: str) -> None:
        self.yaml_filename = yaml_filename
        self.package = yaml_filename.split(":")[0]
        self.user_dict = docassemble.base.parse.get_initial_dict()
        now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
        self.user_dict["_internal"]["starttime"] = now
        self.user_dict["_internal"]["modtime"] = now
        with self._context():
            self.interview = docassemble.base.interview_cache.get_interview(yaml_filename)

    def _info(self) -> dict[str, Any]:
        return {
            "session": "headless0001",
            "secret": None,
            "yaml_filename": self.yaml_filename,
            "interface": "web",
            "url": "http://localhost/interview",
            "url_root": "http://localhost/",
            "encrypted": False,
            "user": {
                "is_anonymous": True,
                "is_authenticated": False,
                "session_uid": "headless",
                "device_id": "headless",
                "email": None,
                "the_user_id": "t1",
                "theid": 1,
                "roles": [],
                "location": None,
            },
            "headers": {},
            "clientip": None,
            "method": "GET",
        }

    def _context(self) -> Any:
        ctx = global_context(empty_globals())

        class _Both:
            def __enter__(inner) -> None:
                ctx.__enter__()
                this_thread.current_info = self._info()
                this_thread.current_package = self.package

            def __exit__(inner, *exc: Any) -> None:
                ctx.__exit__(*exc)

        return _Both()

    def step(self) -> Any:
        """Assemble the next screen; returns docassemble's InterviewStatus."""
        with self._context():
            status = docassemble.base.parse.InterviewStatus(current_info=self._info())
            with user_dict_context(self.user_dict):
                self.interview.assemble(self.user_dict, status)
            return status

    def run(self, code: str) -> None:
        """Run Python in the interview's namespace (e.g. an assignment a form would make)."""
        with self._context(), user_dict_context(self.user_dict):
            exec(code, self.user_dict)

    def set(self, name: str, value: Any) -> None:
        """Assign ``name`` (a variable name as the screen gives it, e.g. ``x['a'].b``)."""
        self.user_dict["__wsr_value"] = value
        self.run(f"{name} = __wsr_value")
        del self.user_dict["__wsr_value"]

    def data(self, status: Any) -> dict[str, Any]:
        """The screen as JSON, the same structure as the server's /api/session/question."""
        with self._context(), user_dict_context(self.user_dict):
            return dict(status.as_data(self.user_dict))

    def validate(self, status: Any) -> tuple[str, str | None] | None:
        """Run the screen's ``validation code`` as the server does after a submit: the
        message a user would see and the field it is shown on, or None when the values pass."""
        code = getattr(status.question, "validation_code", None)
        if not code:
            return None
        with self._context(), user_dict_context(self.user_dict):
            try:
                exec(code, self.user_dict)
            except DAValidationError as exc:
                return str(exc), exc.field
        return None


def parse_source(content: str, path: str, directory: Path | None = None) -> Any:
    """Parse interview YAML with docassemble's own parser (``Interview``), as the server does
    when it loads a file (``directory`` is where its includes are found); DASourceError
    names the block that is wrong."""
    from docassemble.base.interview_source import InterviewSourceString

    package = path.split(":")[0]
    with global_context(empty_globals()):
        this_thread.current_info = {"yaml_filename": path, "user": {"is_anonymous": True}}
        this_thread.current_package = package
        source = InterviewSourceString(
            content=content,
            path=path,
            package=package,
            directory=str(directory) if directory else None,
            testing=False,
        )
        return docassemble.base.parse.Interview(source=source)


def file_path(da_file: Any) -> Path:
    """Where a file the interview made (a DAFile) was stored."""
    return Path(FILES[int(da_file.number)]["fullpath"])


def question_id(status: Any) -> str:
    return str(status.question.id)
