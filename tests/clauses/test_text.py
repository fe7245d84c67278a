"""The text checker refuses exactly the characters XML 1.0 cannot hold, plus lone surrogates."""

from __future__ import annotations

import re

from clauses import text_problem
from clauses._text import _ILLEGAL

#: XML 1.0's Char production, as the set allowed (the checker spells the set refused)
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def test_the_refused_set_is_the_complement_of_xml_chars_at_every_code_point() -> None:
    differ = [
        cp
        for cp in range(0x110000)
        if (XML_CHAR.fullmatch(chr(cp)) is None) != (_ILLEGAL.fullmatch(chr(cp)) is not None)
    ]
    assert differ == []


def test_what_is_refused_is_named_with_its_position() -> None:
    assert text_problem("ok\ttab\nline\r") is None
    assert text_problem("\U0001f600 emoji and \ufffd") is None
    problem = text_problem("ab\x01")
    assert problem is not None and "control character U+0001 at position 3" in problem
    problem = text_problem("a\ud800")
    assert (
        problem is not None
        and "lone surrogate (half of a character) U+D800 at position 2" in problem
    )
    problem = text_problem("\uffff")
    assert problem is not None and "non-character U+FFFF at position 1" in problem
