"""Fuzz the REST API from its own OpenAPI description (schemathesis 4.x against the ASGI app).

Every operation is called with generated input, as an admin (who may call every one) and as
counsel (whose calls are refused or redacted), a bounded number of examples each so the run
stays well under two minutes. The checks: no 5xx (no unhandled error), every status and
content type is one the description documents, and every body matches its documented schema
(the errors' too).

(schemathesis' own pytest integration renames test nodes through a private pytest attribute
that pytest 9 no longer has, so each operation's strategy is run with hypothesis here.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.wsr.console.conftest import NOW, USERS, make_token, settings_for
from wsr.console import create_app

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed(_seed_template, tmp_path_factory):
    folder, _made = _seed_template
    target = tmp_path_factory.mktemp("fuzz")
    for item in folder.iterdir():
        if item.name.startswith("console.db"):
            shutil.copy2(item, target / item.name)
    url = f"sqlite:///{target / 'console.db'}"
    app = create_app(settings_for(url, Path(target)), clock=lambda: NOW)
    tokens = {role: make_token(url, USERS[role].email) for role in ("admin", "counsel")}
    yield app, tokens
    app.state.console.store.engine.dispose()


def operations(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_every_api_operation_is_fuzzed(fuzzed):
    app, _ = fuzzed
    seen = {f"{op.method.upper()} {op.path}" for op in operations(app)}
    assert "POST /api/agreements/{agreement_id}/events" in seen
    assert "GET /api/obligations" in seen
    assert len(seen) >= 10


def fuzz(app, headers, max_examples=MAX_EXAMPLES) -> list[str]:
    """Each operation's failures (the first hypothesis finds), as text."""
    failures: list[str] = []
    for operation in operations(app):

        @given(case=operation.as_strategy())
        @settings(
            max_examples=max_examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    return failures


@pytest.mark.parametrize("role", ["admin", "counsel"])
def test_the_api_survives_its_own_description(fuzzed, role):
    """As admin (every operation may act) and as counsel (refusals and redaction paths)."""
    app, tokens = fuzzed
    failures = fuzz(app, {"Authorization": f"Bearer {tokens[role]}"})
    assert failures == [], "\n\n".join(failures)


def test_the_fuzzing_finds_a_server_error():
    """The harness can fail: an endpoint that breaks on some input is caught."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/api/half")
    def half(n: int) -> int:
        if n % 7 == 3:
            raise RuntimeError("broken")
        return n // 2

    failures = fuzz(app, {}, max_examples=50)
    assert len(failures) == 1 and failures[0].startswith("GET /api/half")
