"""The ``wsr`` command line (Typer). Exit codes: 0 success, 2 bad input, 1 anything else.

Each command lives in its own module and registers itself on :data:`app`; this module owns the
global options and the one place where engine errors become messages and exit codes.

Start-up is part of every command a user runs, so nothing here or at the top of a command module
imports more than typer and the standard library: each command imports what it needs (clauses,
SQLAlchemy, docxtpl, icalendar, rich) inside its function, when it runs. ``wsr --help`` and
``wsr draft --help`` are built from the signatures alone (``tests/wsr/test_cli_imports.py`` checks
which packages they load; ``benchmarks/bench_cli.py`` times them).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from ._argv import GLOBAL_OPTIONS, hoist_global_options  # noqa: F401  (re-exported)
from ._settings import Settings, resolve

if TYPE_CHECKING:
    from clauses import EngineError

app = typer.Typer(
    name="wsr",
    help="Draft enforceable WSR brand agreements and track every obligation they create.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rendering it with rich imports rich (~0.1 s, as much as typer itself) on
    # every `--help`; our help texts use no rich markup.
    rich_markup_mode=None,
)


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: WSR_DATABASE_URL or sqlite:///wsr.db)."),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option("--now", help="Act as if it were this aware ISO date-time (or WSR_NOW)."),
    ] = None,
) -> None:
    ctx.obj = resolve(db, now)
    _invoked[:] = [ctx.invoked_subcommand or ""]


#: the command being run (set by the callback), so errors can be spelled in its options
_invoked: list[str] = []


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def report(exc: EngineError, args: list[str] | None = None) -> int:
    """Print an engine error the way the contract says and return its exit code.

    Input errors name the engine's fields; they are printed with this command's option names.
    """
    from clauses import Conflict, InputError, InvalidTransition, NotFound, TemplateError

    from ._options import printable, spell

    if isinstance(exc, (InputError, NotFound, Conflict, InvalidTransition, TemplateError)):
        problems = exc.problems
        if isinstance(exc, InputError):
            problems = tuple(spell(problems, _invoked[0] if _invoked else None, args or []))
        for p in problems:
            typer.echo(printable(str(p)), err=True)
        return 2
    typer.echo(f"error: {exc}", err=True)
    return 1


def _raised_engine_error(exc: BaseException) -> EngineError | None:
    """``exc`` if it is an engine error, else None, without importing the clauses package.

    An :class:`~clauses.EngineError` can only have been raised once its module was imported, so
    looking the class up in ``sys.modules`` is exact, and a usage error (``wsr no-such-command``)
    does not pay for loading the engine.
    """
    module = sys.modules.get("clauses._exceptions")
    if module is not None and isinstance(exc, module.EngineError):
        return cast("EngineError", exc)
    return None


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from . import (  # noqa: F401
        _cmd_audit,
        _cmd_bundle,
        _cmd_delivery,
        _cmd_demo,
        _cmd_draft,
        _cmd_evidence,
        _cmd_library,
        _cmd_notices,
        _cmd_obligations,
        _cmd_payroll,
        _cmd_powers,
        _cmd_serve,  # web console (issue 12)
        _cmd_users,  # web console (issue 12)
    )


def usage_problem(exc: Exception) -> str:
    """A click usage error as one ``<path>: <message>`` line, like every other refusal.

    Click prints a usage block and ``Error: Invalid value for '--due-within': Input should be a
    valid integer…``; the contract is one located line per problem, in the user's terms.
    """
    param = getattr(exc, "param", None)
    message = str(getattr(exc, "message", "") or exc).strip()
    where = "usage"
    if param is not None:
        opts = getattr(param, "opts", None) or []
        where = opts[0] if opts else str(getattr(param, "human_readable_name", "") or "usage")
    elif isinstance(getattr(exc, "param_hint", None), str):
        where = str(exc.param_hint)  # type: ignore[attr-defined]
    elif getattr(exc, "option_name", None):
        where = str(exc.option_name)  # type: ignore[attr-defined]
    if "valid integer" in message:
        message = "must be a whole number, e.g. 7"
    elif type(exc).__name__ == "MissingParameter":
        message = "required"
    elif type(exc).__name__ == "NoSuchOption":
        message = exc.format_message() if hasattr(exc, "format_message") else message
    command = f"wsr {_invoked[0]} --help" if _invoked and _invoked[0] else "wsr --help"
    return f"{where}: {message.rstrip('.')} (see {command})"


def _command() -> typer.core.TyperGroup:
    """The click command behind :data:`app`, its ``--db``/``--now`` taken as the text given.

    Typer 0.29 coerces every option value that is not already a bool through a pydantic
    ``TypeAdapter``, built the first time the option is processed. A group's options are
    processed before a subcommand's eager ``--help`` — ``--db``/``--now`` and the group's own
    unset ``--help`` (``None``) — so every ``wsr CMD --help`` imported pydantic (~0.1 s, as
    much as typer) for two strings and a flag. Those are text (``Settings.now`` parses
    ``--now`` and names the option when it is wrong) and flags, so here they pass through as
    given. Older typer versions coerce with click and have no such step.
    """
    command = cast("typer.core.TyperGroup", typer.main.get_command(app))
    try:
        from typer._click import Context
        from typer._coercion import PassThroughRuntimeParam
    except ImportError:  # typer < 0.29: click's own string type, no pydantic
        return command

    def plain(param: Any, kind: type) -> None:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and hasattr(param, "_runtime_param"):
            info = descriptor.parameter_info
            param._runtime_param = PassThroughRuntimeParam(parameter_info=info, annotation=kind)

    for param in command.params:
        if param.name in ("db", "now"):
            plain(param, str)
    groups: list[Any] = [command]
    while groups:
        group = groups.pop()
        help_option = group.get_help_option(Context(group))  # made once, then cached on it
        if help_option is not None:
            plain(help_option, bool)
        for sub in getattr(group, "commands", {}).values():
            if hasattr(sub, "commands"):
                groups.append(sub)
            else:  # a command's own unset --help arrives as None, not a bool: coerced too
                own_help = sub.get_help_option(Context(sub))
                if own_help is not None:
                    plain(own_help, bool)
            for param in sub.params:
                if _is_text(param):
                    plain(param, str)
                elif _is_whole(param):
                    param._runtime_param = _whole_number(param.type_descriptor)
                elif _is_plain_path(param):
                    param._runtime_param = _plain_path(param.type_descriptor)
    return command


def _is_whole(param: Any) -> bool:
    """A single ``int`` option (``--due-within``, ``--limit``, ``--workers``): typed digits
    are read here; anything else still goes through typer's own coercion, unchanged."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or not hasattr(param, "_runtime_param"):
        return False
    if descriptor.annotation is not int or descriptor.file_annotation:
        return False
    if getattr(param, "multiple", False) or getattr(param, "nargs", 1) != 1:
        return False
    info = descriptor.parameter_info
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return False
    return param.default is None or type(param.default) is int


def _whole_number(descriptor: Any) -> Any:
    """Typer 0.29 builds a pydantic ``TypeAdapter`` for each ``int`` option it processes — set
    or not — which imports pydantic (~0.1 s, a sixth of ``wsr obligations --due-within 7
    --json`` on a swept store). A value in canonical digits within the option's ``min``/``max``
    is the number those digits say, whatever the adapter would do, so it is read here; any
    other text (signs, spaces, ``7.0``, out of range, ``clamp``) is handed to typer's own
    coercion, built only then, so every message stays typer's."""
    import re

    from typer._coercion import RuntimeParam, build_runtime_param

    digits = re.compile(r"0|[1-9][0-9]{0,17}")
    info = descriptor.parameter_info
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    exact = not getattr(info, "clamp", False)

    class WholeNumber(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if type(value) is str and digits.fullmatch(value):
                number = int(value)
                if exact and (low is None or number >= low) and (high is None or number <= high):
                    return number
            return build_runtime_param(descriptor).coerce(value, param=param, ctx=ctx)

    return WholeNumber(parameter_info=info, annotation=int)


#: typer's path options at their defaults: a path option with any of these set keeps typer's path
_PATH_DEFAULTS = {
    "exists": False,
    "file_okay": True,
    "dir_okay": True,
    "writable": False,
    "readable": True,
    "resolve_path": False,
    "allow_dash": False,
    "path_type": None,
}


def _is_plain_path(param: Any) -> bool:
    """A single ``Path`` argument or option (``wsr draft ANSWERS``, ``--library``) with none of
    typer's path checks: its value is read here, see :func:`_plain_path`."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or not hasattr(param, "_runtime_param"):
        return False
    from pathlib import Path

    if descriptor.annotation is not Path or descriptor.file_annotation:
        return False
    if getattr(param, "multiple", False) or getattr(param, "nargs", 1) != 1:
        return False
    info = descriptor.parameter_info
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return False
    if any(getattr(info, name, default) != default for name, default in _PATH_DEFAULTS.items()):
        return False
    return param.default is None


def _plain_path(descriptor: Any) -> Any:
    """Typer 0.29 builds a pydantic ``TypeAdapter(Path)`` for each path it processes (~30 ms
    each, two in every ``wsr draft``). For text without a NUL byte that adapter returns
    ``Path(text)`` (``tests/wsr/test_cli_paths.py`` checks it on arbitrary strings), so such text
    is made a ``Path`` here; any other value (a NUL: typer's "embedded null byte" error) is handed
    to typer's own coercion, built only then, so every message stays typer's."""
    from pathlib import Path

    from typer._coercion import RuntimeParam, build_runtime_param

    class PlainPath(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if type(value) is str and "\x00" not in value:  # typer refuses a NUL byte
                return Path(value)
            return build_runtime_param(descriptor).coerce(value, param=param, ctx=ctx)

    return PlainPath(parameter_info=descriptor.parameter_info, annotation=Path)


def _is_text(param: Any) -> bool:
    """A plain ``str`` option or argument: its value arrives from click as the text typed, and
    typer's pydantic ``str`` adapter returns it unchanged, so building one per option (what
    ``wsr draft`` spent on its ``--out``/``--format``/``--name``) is skipped. Options with a
    parser, a click type, a file annotation or a default that is not text keep typer's path."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or descriptor.annotation is not str or descriptor.file_annotation:
        return False
    info = descriptor.parameter_info
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return False
    return param.default is None or isinstance(param.default, str)


def main(argv: list[str] | None = None) -> None:
    _register()
    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    _invoked.clear()
    try:
        # In non-standalone mode click *returns* the code of a `raise typer.Exit(code)`.
        code = _command()(args=args, standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        engine_error = _raised_engine_error(exc)
        if engine_error is not None:
            sys.exit(report(engine_error, args))
        import importlib

        # typer >= 0.24 raises its own vendored click's errors (typer._click), even when the
        # click package is installed too (uvicorn brings it); older typer raises click's
        try:
            click = importlib.import_module("typer._click.exceptions")
        except ImportError:
            click = importlib.import_module("click")

        if isinstance(exc, click.UsageError):
            if type(exc).__name__ == "NoArgsIsHelpError":  # `wsr` alone: the help text
                exc.show()
            else:
                line = usage_problem(exc)  # without importing the engine (`_options` does)
                if not line.isprintable():
                    line = line.encode("unicode_escape").decode("ascii")
                typer.echo(line, err=True)
            sys.exit(2)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
