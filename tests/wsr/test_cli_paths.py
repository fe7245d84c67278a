"""Plain ``Path`` arguments and options are read without typer's pydantic adapter, to the same
value: ``Path(text)`` is what the adapter returns for any text (``wsr.cli._plain_path``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer._coercion import build_runtime_param

from wsr.cli import _command, _is_plain_path, _register


def plain_path_params() -> list[tuple[str, Any]]:
    _register()
    found = []
    groups: list[Any] = [_command()]
    while groups:
        group = groups.pop()
        for name, sub in group.commands.items():
            if hasattr(sub, "commands"):
                groups.append(sub)
                continue
            found += [
                (f"{name} {p.name}", p)
                for p in sub.params
                if type(p._runtime_param).__name__ == "PlainPath"
            ]
    return sorted(found, key=lambda item: item[0])


def test_the_draft_paths_are_read_here():
    names = [name for name, _ in plain_path_params()]
    assert "draft answers" in names and "draft library" in names


@settings(max_examples=500, deadline=None)
@given(
    st.text()
    | st.text(alphabet=st.characters(codec="utf-8"))
    | st.sampled_from(["", ".", "a//b/", "~/x", " ", "-", "\udcff"])
)
def test_text_gives_what_typers_adapter_gives(text):
    for _name, param in plain_path_params():
        assert outcome(param._runtime_param, param, text) == outcome(
            build_runtime_param(param.type_descriptor), param, text
        )


def outcome(runtime: Any, param: Any, value: Any) -> tuple[str, str]:
    """(type, value) of what ``runtime`` gives for ``value``, or of the error it raises."""
    try:
        got = runtime.coerce(value, param=param, ctx=None)
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return type(got).__name__, repr(got)


def test_a_nul_byte_gets_typers_own_error():
    for _name, param in plain_path_params():
        kind, message = outcome(param._runtime_param, param, "a\x00b")
        assert kind == "BadParameter" and "null byte" in message


def test_unset_and_non_text_values_are_typers():
    for _name, param in plain_path_params():
        assert param._runtime_param.coerce(None, param=param, ctx=None) is None
        given_path = Path("x")
        assert param._runtime_param.coerce(given_path, param=param, ctx=None) == given_path


def test_paths_with_typers_checks_keep_typers_path():
    app = typer.Typer()

    @app.command()
    def run(
        checked: Annotated[Path, typer.Argument(exists=True)],
        resolved: Annotated[Path | None, typer.Option(resolve_path=True)] = None,
        plain: Annotated[Path | None, typer.Option()] = None,
        text: Annotated[str | None, typer.Option()] = None,
    ) -> None:  # pragma: no cover - never run
        pass

    params = {p.name: p for p in typer.main.get_command(app).params}
    assert not _is_plain_path(params["checked"])
    assert not _is_plain_path(params["resolved"])
    assert not _is_plain_path(params["text"])
    assert _is_plain_path(params["plain"])
