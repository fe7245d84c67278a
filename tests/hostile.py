"""Hypothesis strategies for hostile input, shared by the bad-input suites (issue 9).

Each strategy draws values of the kinds the issue found: numbers with huge exponents or digit
counts, separators and YAML 1.1 forms; text with characters XML cannot hold, lone surrogates and
over-long identifiers; dates at and past the representable ends; zones that are not places;
JSON with duplicated keys or deep nesting. Ordinary values are mixed in so that some cases are
accepted and the suites check both outcomes.
"""

from __future__ import annotations

from hypothesis import strategies as st

BAD_CHARS = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\ufffe", "\uffff", "\ud800", "\udfff"]

numbers = st.one_of(
    st.sampled_from(
        [
            "1e999999",
            "1e99999",
            "9" * 400,
            "9" * 30,
            "1,0,0",
            "2,500.00",
            "1_000",
            "0x1F",
            "0o17",
            "1:30",
            "-5",
            "NaN",
            "-Infinity",
            "1e-30",
            "0.000000001",
            "1.005",
            "12",
            "250000",
            "0.5",
            "USD 10",
            "10 EUR",
            " ",
            "",
        ]
    ),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
)

bad_text = st.builds(
    lambda a, ch, b: a + ch + b,
    st.text(max_size=5),
    st.sampled_from(BAD_CHARS),
    st.text(max_size=5),
)

texts = st.one_of(
    bad_text,
    st.sampled_from(["", "  ", "GROWER-G", "GROWER-H", "C-1", "wages", "x" * 65, "y" * 10_001]),
    st.text(max_size=20),
)

dates = st.one_of(
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "2200-01-01",
            "2026-02-30",
            "2026-13-01",
            "2025-12-31",
            "2026-01-07",
            "2026-03-02",
            "2026-03-12",
            "2026-05-01",
            "2026-01-07T10:00",
            "2026-01-07T10:00+99:00",
            "9999-12-31T23:59:59+00:00",
            "0001-01-01T00:00:00+14:00",
            "yesterday",
        ]
    ),
    st.dates().map(lambda d: d.isoformat()),
)

json_junk = st.sampled_from(
    [
        '[{"text": "a", "text": "b"}]',
        "[" * 5000 + "]" * 5000,
        '[{"text": "\\ud800"}]',
        '[{"text": "ok", "due": "9999-12-31"}]',
        "[1, 2",
        "[]",
    ]
)

values = st.one_of(numbers, texts, dates, json_junk)
