"""Reading a supplier's payroll file (CSV) into typed payroll lines, or every problem at once.

Pure: bytes in, :class:`PayrollFile` out. Each problem is located as ``file:line:column`` (the
column counts fields from 1), so a person can go straight to the cell; nothing is recorded
unless the whole file reads. What the lines mean is checked in :mod:`obligations._payroll`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from clauses import BadNumber, InputError, NumberKind, Problem, read_number
from clauses._dates import day_problem

from ._ledgers import PayrollLine
from ._model import minor_units

#: the payroll file's columns, in the order the documentation gives them (any order is read)
COLUMNS: tuple[str, ...] = (
    "worker_ref",
    "period_start",
    "period_end",
    "pay_date",
    "earnings",
    "premium",
)

#: what each column means (for ``wsr payroll import --help`` and the docs)
COLUMN_HELP: dict[str, str] = {
    "worker_ref": "the supplier's reference for the worker (payroll or badge number), never a name",
    "period_start": "first day of the work the earnings are for (YYYY-MM-DD)",
    "period_end": "last day of that work (YYYY-MM-DD)",
    "pay_date": "the date of the pay statement (YYYY-MM-DD)",
    "earnings": "the worker's earnings for the Premium Period, in the agreement currency",
    "premium": "the Premium line on that pay statement; empty when it has none",
}

#: at most this many problems are reported from one file (the rest would only repeat them)
MAX_PROBLEMS = 50


# -- reading the file ---------------------------------------------------------------------------


@attrs.define(frozen=True, kw_only=True)
class PayrollFile:
    """A payroll file as read: its lines and where each column is (1-based), for messages."""

    source: str
    lines: tuple[PayrollLine, ...]
    columns: Mapping[str, int]

    def where(self, line: PayrollLine, column: str) -> str:
        """``file:line:column`` of one field of a line."""
        return f"{line.source}:{self.columns[column]}"


def _problem(source: str, line: int, column: int, message: str) -> Problem:
    return Problem(f"{source}:{line}:{column}", message)


def _decode(content: bytes, source: str) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        raise InputError(
            [
                _problem(
                    source,
                    1,
                    1,
                    "the file starts with a byte-order mark; save it as UTF-8 without BOM "
                    "(in a spreadsheet: CSV UTF-8 is fine once the BOM is removed, or plain CSV)",
                )
            ]
        )
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = content[: exc.start]
        line = before.count(b"\n") + 1
        column = before[before.rfind(b"\n") + 1 :].count(b",") + 1  # the field, as elsewhere
        raise InputError(
            [_problem(source, line, column, "not UTF-8 text; save the file as UTF-8 CSV")]
        ) from None


def _amount(text: str, *, currency: str, what: str) -> tuple[Decimal | None, str | None]:
    """(value, None) or (None, the problem) for a money field (the bounded number reader)."""
    try:
        value = read_number(text, NumberKind.MONEY, negative=False)
    except BadNumber as bad:
        if bad.message.startswith("must be a number"):
            return None, f"{what} {text!r} is not a decimal number (e.g. 640.00)"
        if bad.message == "must be a finite number":
            return None, f"{what} {text!r} is not a finite number"
        return None, f"{what} {bad.message}"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > minor_units(currency):
        return None, (
            f"{what} {text} has more decimal places than {currency} allows "
            f"({minor_units(currency)})"
        )
    return value, None


def _day(text: str, what: str) -> tuple[date | None, str | None]:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, f"{what} {text!r} is not an ISO date (YYYY-MM-DD)"
    problem = day_problem(day)
    return (None, f"{what} {problem}") if problem is not None else (day, None)


def parse_payroll_csv(content: bytes, *, source: str, currency: str) -> PayrollFile:
    """The payroll lines of a CSV file, or InputError with every problem as ``file:line:col``.

    The file is UTF-8 without a byte-order mark, comma-separated, with a header row naming
    the :data:`COLUMNS` (any order, each once, no others) and one line per worker. Column
    numbers count fields from 1.
    """
    text = _decode(content, source)
    if not text.strip():
        raise InputError(
            [
                _problem(
                    source,
                    1,
                    1,
                    f"the file is empty; the first row names the columns: {','.join(COLUMNS)}",
                )
            ]
        )
    # newline="" lets the reader see line ends itself (str.splitlines would also split on
    # form feeds and other separators a field may contain)
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    try:
        header = [h.strip() for h in next(rows)]
    except csv.Error as exc:
        raise InputError([_problem(source, 1, 1, f"not a CSV header row: {exc}")]) from None
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if sep in header[0]:
                raise InputError(
                    [
                        _problem(
                            source,
                            1,
                            1,
                            f"the columns are separated by {name}; separate them by commas",
                        )
                    ]
                )
    columns: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if name in columns:
            problems.append(_problem(source, 1, i, f"column {name!r} appears twice"))
        elif name not in COLUMNS:
            problems.append(
                _problem(
                    source,
                    1,
                    i,
                    f"unknown column {name!r}; the file carries worker references only, never "
                    f"names (columns: {', '.join(COLUMNS)})",
                )
            )
        else:
            columns[name] = i
    problems.extend(
        _problem(source, 1, len(header) + 1, f"missing column {name!r} ({COLUMN_HELP[name]})")
        for name in COLUMNS
        if name not in columns
    )
    if problems:
        raise InputError(problems)

    lines: list[PayrollLine] = []
    seen: dict[str, int] = {}
    line_no = 1
    try:
        for row in rows:
            line_no = rows.line_num
            if not any(cell.strip() for cell in row):
                continue  # a blank line (often the last) carries nothing
            if len(row) != len(header):
                problems.append(
                    _problem(
                        source,
                        line_no,
                        min(len(row), len(header)) + 1,
                        f"has {len(row)} fields but the header has {len(header)}",
                    )
                )
                continue
            cell = {name: row[i - 1].strip() for name, i in columns.items()}

            def bad(column: str, message: str, line: int = line_no) -> None:
                problems.append(_problem(source, line, columns[column], message))

            ref = cell["worker_ref"]
            if not ref:
                bad("worker_ref", "worker_ref is empty; give the worker's payroll reference")
            elif ref in seen:
                bad(
                    "worker_ref",
                    f"worker {ref} already has a line (line {seen[ref]}); give one line per "
                    "worker with their earnings for the whole Premium Period",
                )
            else:
                seen[ref] = line_no
            values: dict[str, Any] = {}
            for name in ("period_start", "period_end", "pay_date"):
                values[name], why = _day(cell[name], name)
                if why:
                    bad(name, why)
            if values["period_start"] and values["period_end"]:
                if values["period_end"] < values["period_start"]:
                    bad("period_end", "period_end is before period_start")
            if not cell["earnings"]:
                bad("earnings", "earnings is empty; give the worker's earnings (0 if none)")
            else:
                values["earnings"], why = _amount(
                    cell["earnings"], currency=currency, what="earnings"
                )
                if why:
                    bad("earnings", why)
            values["premium"] = None
            if cell["premium"]:
                values["premium"], why = _amount(cell["premium"], currency=currency, what="premium")
                if why:
                    bad("premium", why)
            if len(problems) >= MAX_PROBLEMS:
                break
            if (
                all(
                    values.get(n) is not None
                    for n in ("period_start", "period_end", "pay_date", "earnings")
                )
                and ref
            ):
                lines.append(
                    PayrollLine(
                        worker_ref=ref,
                        period_start=values["period_start"],
                        period_end=values["period_end"],
                        pay_date=values["pay_date"],
                        earnings=values["earnings"],
                        premium=values["premium"],
                        source=f"{source}:{line_no}",
                    )
                )
    except csv.Error as exc:
        problems.append(_problem(source, rows.line_num or line_no, 1, f"not valid CSV: {exc}"))
    if not problems and not lines:
        problems.append(_problem(source, 2, 1, "no payroll lines after the header row"))
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])
    return PayrollFile(source=source, lines=tuple(lines), columns=columns)
