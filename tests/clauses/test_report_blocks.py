from __future__ import annotations

from clauses._report_blocks import Bullets, Heading, Para, Quote, Table, to_markdown


def test_markdown_of_each_block():
    md = to_markdown(
        [
            Heading("Deviations", 1),
            Para("USD 500,000.00 (standard)", lead="Floor overridden:"),
            Quote("First paragraph\nwrapped in YAML.\n\nSecond paragraph."),
            Bullets(("one", "two")),
            Table(("A", "B"), (("x | y", "line\nbreak"),)),
        ]
    )
    assert md == (
        "# Deviations\n\n"
        "**Floor overridden:** USD 500,000.00 (standard)\n\n"
        "> First paragraph wrapped in YAML.\n>\n> Second paragraph.\n\n"
        "- one\n- two\n\n"
        "| A | B |\n|---|---|\n| x \\| y | line break |\n"
    )
