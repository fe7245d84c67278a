"""Notice templates: English and Spanish files in the package, rendered in the clause sandbox
with StrictUndefined; the stored SHA-256 is of exactly the rendered message."""

from __future__ import annotations

from datetime import date

import pytest

from clauses import EngineError
from scheduler import Decision, Recipient, Role, Step, message_sha256, render
from scheduler._render import LANGUAGES, TEMPLATES

CONTEXT = {
    "agreement": {"id": "agr-000000000001", "title": "Example Agreement"},
    "ob": {
        "id": "ob-1",
        "title": "Pay the premium",
        "section": "5",
        "clause_title": "Premium",
        "due": date(2026, 2, 11),
        "subject": "GROWER-G",
        "amount": "USD 2500.00",
    },
    "what": "Pay the premium (GROWER-G)",
    "obligor": "Buyer Co",
    "beneficiary": "Workers' Alliance",
    "timezone": "America/New_York",
    "decided_on": date(2026, 2, 4),
    "days_left": 7,
    "days_late": -7,
    "link": "https://console.example/obligations/ob-1",
    "confirmed_on": None,
    "cure_days": None,
    "powers": [],
    "bounced": None,
    "next_address": None,
}


def decision(step: Step = Step.REMINDER, language: str = "en", offset: int | None = 7):
    return Decision(
        agreement_id="agr-000000000001",
        obligation_id="ob-1",
        step=step,
        offset_days=offset,
        recipient=Recipient("legal@buyer.example", "Buyer Co", Role.OBLIGOR, language),
        due_on=date(2026, 2, 11),
    )


def test_every_step_has_a_template_in_every_language():
    for language in LANGUAGES:
        for step in Step:
            assert (TEMPLATES / language / f"{step.value}.j2").is_file(), (language, step)
            got = render(decision(step, language), CONTEXT)
            assert got.subject and "\n" not in got.subject
            assert "Section 5" in got.body_text or "sección 5" in got.body_text


def test_a_notice_says_what_from_whom_by_when_under_which_clause_with_a_link():
    en = render(decision(), CONTEXT)
    assert en.subject == "Reminder: Pay the premium (GROWER-G) is due on 11 February 2026"
    for fact in ("Owed by: Buyer Co", "Owed to: Workers' Alliance", "11 February 2026",
                 'Section 5 (Premium) of "Example Agreement"', "https://console.example",
                 "in 7 days", "USD 2500.00"):  # fmt: skip
        assert fact in en.body_text
    es = render(decision(language="es"), CONTEXT)
    assert es.language == "es"
    assert es.subject == "Recordatorio: Pay the premium (GROWER-G) vence el 11 de febrero de 2026"
    assert "dentro de 7 días" in es.body_text and "sección 5 (Premium)" in es.body_text


def test_an_unknown_language_gets_english_and_the_hash_is_of_the_rendered_message():
    got = render(decision(language="fr"), CONTEXT)
    assert got.language == "en"
    assert got.sha256 == message_sha256("legal@buyer.example", got.subject, got.body_text, None)
    other = render(decision(), {**CONTEXT, "obligor": "Buyer Co."})
    assert other.sha256 != render(decision(), CONTEXT).sha256  # one character changes it


def test_a_missing_fact_is_an_error_never_a_blank():
    broken = {k: v for k, v in CONTEXT.items() if k != "obligor"}
    with pytest.raises(EngineError, match="scheduler/templates/en/reminder.j2.*obligor"):
        render(decision(), broken)


def test_templates_run_in_the_sandbox():
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from scheduler._render import environment

    assert isinstance(environment(), ImmutableSandboxedEnvironment)
    evil = environment().from_string("{{ ob.__class__.__mro__ }}")
    with pytest.raises(Exception, match="unsafe|not safely|access"):
        evil.render(ob=object())
