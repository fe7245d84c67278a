"""Fuzz the review API from its OpenAPI description (schemathesis 4.x against the ASGI app):
whatever a program sends to a review operation, the answer is never a server error, and every
refusal is the console's ``{"errors": [...]}``."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.wsr.console.conftest import make_token


def test_no_server_error_on_any_review_call(console_app, seeded, users):
    token = make_token(seeded.db_url, users["negotiator"].email)
    schema = schemathesis.openapi.from_asgi("/openapi.json", console_app).include(tag="review")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8  # every review operation is described (and so fuzzed)
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            where = (case.method, case.formatted_path, response.text[:300])
            assert response.status_code < 500, where
            if response.status_code >= 400:
                errors = response.json().get("errors")
                assert isinstance(errors, list) and errors, where

        call()
