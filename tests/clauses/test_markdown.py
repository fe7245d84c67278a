from __future__ import annotations

from pathlib import Path

import pytest

from clauses import Agreement, assemble, load_library, parse_answers
from clauses.render.markdown import render_markdown

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    lib = load_library(FIX / "mini")
    return assemble(parse_answers(FIX / "answers_mini.yaml", lib), lib)


def test_markdown_says_what_the_record_says(agreement: Agreement) -> None:
    md = render_markdown(agreement)
    assert md.startswith("# Fair Produce Agreement\n")
    assert md.endswith("\n") and not md.endswith("\n\n")
    assert "Effective date: 5 January 2026" in md
    assert f"`{agreement.id}`" in md
    for s in agreement.sections:
        assert f"## {s.number}. {s.title}\n" in md
        for p in s.paragraphs:
            assert f"**{p.number}** {p.text}\n" in md
    assert "- **Acme Foods Inc.** (Buyer)" in md
    assert "- Valley Growers (`GROWER-B`, Mexico)" in md
    assert "- **Premium**: the amount of USD 0.015 per pound paid under this section." in md
    assert "Annex: recorded floor overrides" not in md


def test_sections_come_in_order(agreement: Agreement) -> None:
    md = render_markdown(agreement)
    positions = [md.index(f"## {s.number}. ") for s in agreement.sections]
    assert positions == sorted(positions)


def test_overrides_get_an_annex() -> None:
    lib = load_library(FIX / "mini")
    import yaml

    data = yaml.safe_load((FIX / "answers_mini.yaml").read_text())
    data["clauses"]["premium"] = {
        "worker_share_pct": 85,
        "override": {"reason": "first season", "approved_by": "FWU board"},
    }
    md = render_markdown(assemble(parse_answers(data, lib), lib))
    assert "## Annex: recorded floor overrides" in md
    assert (
        "- Clause `premium`, `worker_share_pct` = 85 (floor: at least 90); reason: first season; "
        "approved by FWU board" in md
    )


def test_markdown_is_deterministic(agreement: Agreement) -> None:
    assert render_markdown(agreement) == render_markdown(Agreement.from_json(agreement.to_json()))
