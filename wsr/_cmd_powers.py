"""``wsr power exercise``: a person exercises a power a confirmed breach made available.

Powers are listed with the obligation they came from (``wsr obligations --json``: ``powers``);
their id is ``<obligation id>/<power id>``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._cmd_obligations import JsonOpt, _opened, _print_one, require_reason
from .cli import app

power_app = typer.Typer(help="Powers a confirmed breach made available.", no_args_is_help=True)
app.add_typer(power_app, name="power")


@power_app.command("exercise")
def power_exercise(
    ctx: typer.Context,
    power_id: Annotated[str, typer.Argument(help="The power's id: <obligation id>/<power id>.")],
    on: Annotated[str, typer.Option("--on", help="The date it is exercised (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
    as_json: JsonOpt = False,
) -> None:
    """Record that the holder exercises a power (suspend, terminate, arbitrate …)."""
    require_reason(reason)
    with _opened(ctx) as (service, now):
        ob = service.exercise_power(power_id, on=on, reason=reason, now=now)
    _print_one(ob, now, as_json)
