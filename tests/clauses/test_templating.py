from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from clauses import TemplateError
from clauses._templating import (
    clause_functions,
    number_words,
    paragraphs,
    render,
    template_calls,
    template_names,
)

AGREEMENT = SimpleNamespace(currency="USD", title="T", effective_date=date(2026, 1, 5))


def r(src: str, **ctx: Any) -> str:
    return render("premium", src, {"agreement": AGREEMENT, **ctx})


@pytest.mark.parametrize(
    ("src", "ctx", "out"),
    [
        ("{{ x | money }}", {"x": Decimal(2500)}, "USD 2,500.00"),
        ("{{ x | money }}", {"x": Decimal("1234567.5")}, "USD 1,234,567.50"),
        ("{{ x | money }}", {"x": Decimal("0.015")}, "USD 0.015"),
        ("{{ x | money }}", {"x": Decimal("0.005")}, "USD 0.005"),
        ("{{ x | money }}", {"x": 0}, "USD 0.00"),
        ("{{ x | money('EUR') }}", {"x": Decimal(3)}, "EUR 3.00"),
        ("{{ x | number }}", {"x": Decimal("12500.500")}, "12,500.5"),
        ("{{ x | number }}", {"x": Decimal("-1000")}, "-1,000"),
        ("{{ x | pct }}", {"x": Decimal(97)}, "97%"),
        ("{{ x | pct }}", {"x": Decimal("2.50")}, "2.5%"),
        ("{{ d | longdate }}", {"d": date(2026, 1, 5)}, "5 January 2026"),
        ("{{ d | longdate }}", {"d": "2026-12-31"}, "31 December 2026"),
        ("{{ n | days }}", {"n": 7}, "seven (7) days"),
        ("{{ n | days }}", {"n": 1}, "one (1) day"),
        ("{{ n | days }}", {"n": 45}, "forty-five (45) days"),
        ("{{ n | days }}", {"n": 100}, "one hundred (100) days"),
        ("{{ n | days }}", {"n": 180}, "one hundred and eighty (180) days"),
        ("{{ n | days }}", {"n": 365}, "three hundred and sixty-five (365) days"),
        ("{{ n | days }}", {"n": 1000}, "one thousand (1,000) days"),
        ("{{ n | days }}", {"n": 2101}, "two thousand one hundred and one (2,101) days"),
        ("{{ n | hours }}", {"n": 1}, "one (1) hour"),
        ("{{ n | hours }}", {"n": 48}, "forty-eight (48) hours"),
        ("{{ n | years }}", {"n": 3}, "three (3) years"),
        ("{{ n | years }}", {"n": 1}, "one (1) year"),
        ("{{ n | count('supplier') }}", {"n": 5}, "five (5) suppliers"),
        ("{{ n | count('supplier') }}", {"n": 1}, "one (1) supplier"),
        ("{{ n | count('party', 'parties') }}", {"n": 4}, "four (4) parties"),
        ("{{ z | zone }}", {"z": "America/New_York"}, "Eastern Time (America/New_York)"),
        ("{{ z | zone }}", {"z": "Asia/Dhaka"}, "Bangladesh Standard Time (Asia/Dhaka)"),
        ("{{ z | zone }}", {"z": "Pacific/Fiji"}, "local time in Fiji (Pacific/Fiji)"),
        (
            "{{ z | zone }}",
            {"z": "America/Argentina/Buenos_Aires"},
            "local time in Buenos Aires (America/Argentina/Buenos_Aires)",
        ),
        ("{{ c | country }}", {"c": "BD"}, "Bangladesh"),
        ("{{ c | country }}", {"c": "US"}, "United States"),
        ("{{ c | country }}", {"c": "CI"}, "Côte d’Ivoire"),
        ("{{ n | months }}", {"n": 6}, "six (6) months"),
        ("{{ n | months }}", {"n": 1}, "one (1) month"),
        ("{{ n | words }}", {"n": 3}, "three (3)"),
    ],
)
def test_filters(src: str, ctx: dict[str, Any], out: str) -> None:
    assert r(src, **ctx) == out


def test_number_words_are_distinct_and_british() -> None:
    words = [number_words(n) for n in range(0, 100_001)]
    assert len(set(words)) == len(words) and None not in words
    assert number_words(21) == "twenty-one"
    assert number_words(90) == "ninety"
    assert number_words(101) == "one hundred and one"
    assert number_words(120) == "one hundred and twenty"
    assert number_words(1005) == "one thousand and five"
    assert number_words(250_000) == "two hundred and fifty thousand"
    assert number_words(1_000_000) == "one million"
    assert number_words(3_000_042) == "three million and forty-two"
    assert number_words(-1) is None and number_words(10**12) is None


def test_a_count_outside_words_range_still_reads_in_figures() -> None:
    assert r("{{ n | days }}", n=10**12) == "1,000,000,000,000 days"


def test_unknown_country_code_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="unknown ISO 3166"):
        r("{{ c | country }}", c="XX")


def test_undefined_variable_is_an_error_with_the_line() -> None:
    with pytest.raises(TemplateError) as err:
        r("Line one.\n\nPay {{ amount | money }}.")
    assert err.value.clause_id == "premium"
    assert err.value.line == 3
    assert "'amount' is undefined" in str(err.value)
    assert str(err.value).startswith("clauses.premium (template line 3): ")


def test_syntax_error_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="template syntax error") as err:
        r("one\n{% if x %}never closed")
    assert err.value.line == 2


def test_filter_on_the_wrong_type_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="must be a number"):
        r("{{ x | money }}", x="lots")
    with pytest.raises(TemplateError, match="whole number"):
        r("{{ x | days }}", x=Decimal("1.5"))


@pytest.mark.parametrize(
    "src",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.mro() }}",
        "{{ f.__globals__ }}",
        "{{ agreement.__class__.__init__.__globals__ }}",
        "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    ],
)
def test_sandbox_refuses_python_internals(src: str) -> None:
    with pytest.raises(TemplateError) as err:
        r(src, f=test_filters)
    assert err.value.clause_id == "premium"


def test_ref_has_term() -> None:
    fns = clause_functions("premium", {"parties_and_definitions": "1", "premium": "2"})
    out = render(
        "premium",
        "See section {{ ref('parties_and_definitions') }}. {% if has('dispute_resolution') %}x"
        "{% else %}No disputes clause.{% endif %} The {{ term('Premium') }}.",
        {"agreement": AGREEMENT, **fns},
    )
    assert out == "See section 1. No disputes clause. The Premium."


def test_ref_to_a_clause_not_in_the_agreement_names_both_clauses() -> None:
    fns = clause_functions("premium", {"premium": "1"})
    with pytest.raises(TemplateError) as err:
        render("premium", "See {{ ref('dispute_resolution') }}.", {"agreement": AGREEMENT, **fns})
    assert err.value.clause_id == "premium"
    assert "'dispute_resolution' is not in this agreement" in str(err.value)
    assert "clause 'premium' cannot refer to it" in str(err.value)


def test_paragraphs_split_on_blank_lines_and_collapse_whitespace() -> None:
    text = "First   line\n  continues here.\n\n   \n\nSecond\tpara.\n \nThird.\n"
    assert paragraphs(text) == ["First line continues here.", "Second para.", "Third."]
    assert paragraphs("  \n\n ") == []


def test_names_and_calls_for_the_checker() -> None:
    src = (
        "{{ rate | money }} {{ agreement.title }} {{ party('buyer').name }} "
        "{% for t in tiers %}{{ t.fee }}{% endfor %} {{ ref('premium') }}\n"
        "{% if has('dispute_resolution') %}{{ ref(other) }}{% endif %}"
    )
    assert template_names(src) == {"rate", "tiers", "other"}
    assert template_calls(src) == [("ref", "premium", 1), ("has", "dispute_resolution", 2)]


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("{{ suppliers.append('X') }}", "unsafe"),
        ("{% set _ = parties.pop() %}", "unsafe"),
        ("{{ '-' * 100000000 }}", "repeating a sequence"),
        ("{{ 10 ** 100000 }}", "a power above 100"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "RecursionError"),
    ],
)
def test_templates_cannot_mutate_context_or_exhaust_resources(src: str, message: str) -> None:
    suppliers = ["A"]
    parties = ["P"]
    with pytest.raises(TemplateError, match=message):
        r(src, suppliers=suppliers, parties=parties)
    assert suppliers == ["A"] and parties == ["P"]


def test_modest_repetition_still_works() -> None:
    assert r("{{ '-' * 3 }}{{ 2 ** 3 }}") == "---8"


def test_unguarded_refs() -> None:
    from clauses._templating import unguarded_refs

    src = (
        "A {{ ref('a') }}\n"
        "{% if has('b') %}{{ ref('b') }}{% else %}{{ ref('c') }}{% endif %}\n"
        "{% if has('d') and x %}{% for i in y %}{{ ref('d') }}{% endfor %}{% endif %}\n"
        "{{ ref('e') if has('e') else 'none' }} {{ ref('f') if has('e') }}"
    )
    assert unguarded_refs(src) == [("a", 1), ("c", 2), ("f", 4)]
