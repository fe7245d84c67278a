"""The one text checker: what a person may put in any text the engine keeps or prints.

Text ends up in a DOCX (XML 1.0), a PDF, a JSON record, a database column and an e-mail. XML
cannot hold C0 control characters (other than tab, line feed and carriage return), U+FFFE or
U+FFFF, and no UTF-8 file or database can hold a lone surrogate (JSON's ``"\\ud800"`` makes
one). Each is refused where it arrives, with its position, instead of failing later inside a
renderer or a driver. Identifiers that become database keys have a documented length
(:data:`MAX_IDENTIFIER`), the same on SQLite and PostgreSQL, so both engines accept or refuse the
same input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: what no document can hold: C0 controls but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF.
#: Spelled as the (small) set refused rather than the complement of the set allowed: the same
#: characters (``tests/clauses/test_text.py`` checks every code point), but compiling the
#: negated class over all of Unicode cost ~30 ms of every command's start-up.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: the longest supplier id, complaint reference or other identifier that becomes part of an
#: obligation's subject or key (the store's columns hold 128; a key joins two of them)
MAX_IDENTIFIER = 64
#: the longest free text kept on the record (a reason, a note, an event field)
MAX_RECORD_TEXT = 10_000
#: how deep an answers file or event payload may nest (mapping in list in mapping …)
MAX_DEPTH = 32


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be kept as text, or None when it can."""
    bad = _ILLEGAL.search(value)
    if bad is None:
        return None
    ch = bad.group()
    code = ord(ch)
    what = (
        "a lone surrogate (half of a character)"
        if 0xD800 <= code <= 0xDFFF
        else "a control character"
        if code < 0x20 or code == 0x7F
        else "a non-character"
    )
    return (
        f"contains {what} U+{code:04X} at position {bad.start() + 1}, which no document can "
        "hold; remove it or retype the text"
    )


def identifier_problem(value: str, *, limit: int = MAX_IDENTIFIER) -> str | None:
    """Why ``value`` cannot serve as an identifier (too long, illegal characters), or None."""
    found = text_problem(value)
    if found is not None:
        return found
    if len(value) > limit:
        return f"at most {limit} characters (this one has {len(value)}); use a shorter id"
    return None


def walk_texts(value: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(path, problem) for every string (keys too) in a parsed document that cannot be kept,
    and for nesting deeper than :data:`MAX_DEPTH`. Iterative in spirit: stops at the limit."""
    if depth > MAX_DEPTH:
        yield path or "(top)", f"nested more than {MAX_DEPTH} levels deep; flatten it"
        return
    if isinstance(value, str):
        found = text_problem(value)
        if found is not None:
            yield path or "(top)", found
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                found = text_problem(key)
                if found is not None:
                    yield (path or "(top)"), f"a key {found}"
                    continue
            yield from walk_texts(item, where, depth + 1)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from walk_texts(item, f"{path}[{i}]", depth + 1)
