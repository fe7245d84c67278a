"""`wsr demo`, end to end: every example drafted, one agreement tracked through a season."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from icalendar import Calendar

from obligations._db import open_store
from wsr._draft import title_slug
from wsr.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_demo_drafts_the_examples_and_replays_the_season(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = run(["demo", "--no-serve", "--out", str(out_dir)], capsys)
    assert code == 0, err
    records = [p for p in sorted(out_dir.glob("agr-*.json")) if ".deviations" not in p.name]
    assert len(records) == 5  # one per example answers file
    titles = {json.loads(p.read_text())["title"] for p in records}
    assert "Example Fresh Markets Fair Food Agreement" in titles
    for rec in records:
        aid = rec.name.removesuffix(".json")
        stem = f"{title_slug(json.loads(rec.read_text())['title'])}-{aid}"
        assert (out_dir / f"{aid}.deviations.json").is_file()
        for suffix in (".docx", ".md", ".redline.docx", ".deviations.md"):
            assert (out_dir / f"{stem}{suffix}").is_file()
        if shutil.which("soffice"):
            assert (out_dir / f"{stem}.pdf").stat().st_size > 10_000

    # the season's consequences, as the engine reports them
    assert "2500.00 USD, due 2026-02-11" in out
    assert "created premium.pass_through for GROWER-A of 2425.00 USD, due 2026-01-30" in out
    assert "525.00 USD short" in out
    assert "breach suspected: sourcing_cutoff.cease_purchases for GROWER-A" in out
    assert "audit log:" in out and "chain OK" in out

    # issue 10: the sweeps send notices into the outbox, and the first reminders are shown
    assert f"sent into {out_dir / 'outbox'}/" in out
    shown = [line.split()[0] for line in out.splitlines() if ".eml  to " in line]
    assert shown and all(Path(p).is_file() for p in shown)
    assert all("Subject: Reminder:" in Path(p).read_text() for p in shown)

    # the database it leaves behind holds the same facts
    store = open_store(f"sqlite:///{out_dir / 'demo.db'}")
    try:
        [agreement] = store.list_agreements()
        cutoff = store.find_obligations(
            agreement_id=agreement.id, spec_id="sourcing_cutoff.cease_purchases"
        )
        assert [o.subject for o in cutoff] == ["GROWER-A"]
        assert "breach_suspected" in cutoff[0].flags
    finally:
        store.engine.dispose()

    feed = Calendar.from_ical((out_dir / "deadlines.ics").read_bytes())
    assert len(feed.walk("VEVENT")) > 5 and feed.walk("VTODO") == []


def test_demo_is_reproducible_at_its_fixed_instant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = tmp_path / "examples"
    examples.mkdir()
    src = Path(__file__).resolve().parents[2] / "examples" / "fair-food-produce.yaml"
    (examples / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    outs = []
    for n in (1, 2):
        code, out, err = run(
            ["demo", "--no-serve", "--out", str(tmp_path / f"o{n}"), "--examples", str(examples)],
            capsys,
        )
        assert code == 0, err
        outs.append(out.replace(str(tmp_path / f"o{n}"), "OUT"))
    assert outs[0] == outs[1]


def test_demo_without_examples_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["demo", "--no-serve", "--out", str(tmp_path / "o"), "--examples", str(tmp_path)], capsys
    )
    assert code == 2
    assert "--examples" in err and "no answers files" in err
