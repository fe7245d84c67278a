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


def test_html_of_each_block_escapes_and_shifts_headings():
    from clauses._report_blocks import to_html

    out = to_html(
        [
            Heading("Deviations <draft>", 1),
            Heading("Clauses", 2),
            Para("USD 500,000.00 & more", lead="Floor overridden:"),
            Quote("First paragraph\nwrapped in YAML.\n\nSecond paragraph."),
            Bullets(("one", "<two>")),
            Table(("A", "B"), (("x | y", "line\nbreak"),)),
        ],
        top=2,
    )
    assert out == (
        "<h2>Deviations &lt;draft&gt;</h2>\n"
        "<h3>Clauses</h3>\n"
        "<p><strong>Floor overridden:</strong> USD 500,000.00 &amp; more</p>\n"
        "<blockquote><p>First paragraph wrapped in YAML.</p><p>Second paragraph.</p></blockquote>\n"
        "<ul><li>one</li><li>&lt;two&gt;</li></ul>\n"
        "<table><thead><tr><th>A</th><th>B</th></tr></thead>"
        "<tbody><tr><td>x | y</td><td>line\nbreak</td></tr></tbody></table>\n"
    )
    # no Markdown left for a host's Markdown pass to reread
    assert "|---" not in out and "**" not in out
