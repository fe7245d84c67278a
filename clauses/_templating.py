"""Clause templates: one sandboxed Jinja2 environment, the drafting filters, and paragraphs.

Clause text is written by people who are not developers, so templates run in Jinja's sandbox
(no reaching into Python internals) with ``StrictUndefined`` (a missing amount is an error,
never a blank in a signed contract). Every failure becomes a :class:`TemplateError` naming the
clause and, where Jinja knows it, the template line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import StrictUndefined, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from ._cache import code_store
from ._codes import COUNTRY_NAMES
from ._exceptions import TemplateError
from ._variables import _Bad, fmt_decimal, to_decimal
from ._vocabulary import TEMPLATE_GLOBALS

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def number_words(n: int) -> str | None:
    """A whole number in words, British style (``180`` → ``one hundred and eighty``).

    Contract prose writes every count the same way, "words (figures)", whatever its size, so
    this covers everything below a trillion; None outside that range (or for a negative).
    """
    if n < 0 or n >= 10**12:
        return None
    if n < 100:
        return _under_hundred(n)
    parts: list[str] = []
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            count, n = divmod(n, size)
            parts.append(f"{_under_thousand(count)} {name}")
    if n:
        rest = _under_thousand(n)
        parts.append(f"and {rest}" if n < 100 else rest)
    return " ".join(parts)


def _under_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def _under_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _under_hundred(rest)
    head = f"{_ONES[hundreds]} hundred"
    return f"{head} and {_under_hundred(rest)}" if rest else head


def _defined(value: Any) -> None:
    """A filter given an undefined name must fail as undefined, not as a wrong type."""
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises UndefinedError naming the variable


def _num(value: Any) -> Decimal:
    _defined(value)
    try:
        return to_decimal(value)
    except _Bad as bad:
        raise ValueError(bad.message) from None


def _grouped(d: Decimal, places: int | None) -> str:
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{d:,.{places}f}"
    else:
        text = fmt_decimal(d)
        neg = text.startswith("-")
        whole, _, frac = text.lstrip("-").partition(".")
        text = ("-" if neg else "") + f"{int(whole):,}" + (f".{frac}" if frac else "")
    return text


@jinja2.pass_context
def money_filter(ctx: jinja2.runtime.Context, value: Any, currency: str | None = None) -> str:
    """``2500`` → ``USD 2,500.00`` in the agreement's currency.

    Always at least two decimals; more only when the amount has them (a premium of
    ``0.015`` per pound prints as ``USD 0.015``, never rounded to a different promise).
    """
    cur = currency
    if cur is None:
        agreement = ctx.get("agreement")
        cur = getattr(agreement, "currency", None) if agreement is not None else None
    d = _num(value)
    # Two decimals, but never round away a sub-cent rate such as a premium of 0.015 per pound.
    exponent = d.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    amount = _grouped(d, places)
    return f"{cur} {amount}" if cur else amount


def number_filter(value: Any) -> str:
    """``12500.50`` → ``12,500.5``: thousands separators, no trailing zeros."""
    return _grouped(_num(value), None)


def pct_filter(value: Any) -> str:
    """``97`` → ``97%``, ``2.50`` → ``2.5%``."""
    return f"{fmt_decimal(_num(value))}%"


def longdate_filter(value: Any) -> str:
    """``2026-01-05`` → ``5 January 2026``."""
    _defined(value)
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if not isinstance(value, date):
        raise ValueError(f"longdate needs a date, got {type(value).__name__}")
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _whole(value: Any, what: str) -> int:
    d = _num(value)
    if d != d.to_integral_value():
        raise ValueError(f"{what} needs a whole number, got {fmt_decimal(d)}")
    return int(d)


def _in_words(n: int) -> str:
    words = number_words(n)
    return f"{words} ({n:,})" if words is not None else f"{n:,}"


def count_filter(value: Any, noun: str, plural: str | None = None) -> str:
    """``5 | count('supplier')`` → ``five (5) suppliers``; ``1`` → ``one (1) supplier``.

    The one way a count is written in contract text: the number in words, the figures in
    brackets, and the noun agreeing with the number (``plural`` for irregular nouns).
    """
    n = _whole(value, f"count({noun!r})")
    many = plural if plural is not None else f"{noun}s"
    return f"{_in_words(n)} {noun if n == 1 else many}"


def days_filter(value: Any) -> str:
    """``7`` → ``seven (7) days``; ``1`` → ``one (1) day``."""
    return count_filter(value, "day")


def months_filter(value: Any) -> str:
    """``6`` → ``six (6) months``."""
    return count_filter(value, "month")


def hours_filter(value: Any) -> str:
    """``1`` → ``one (1) hour``; ``48`` → ``forty-eight (48) hours``."""
    return count_filter(value, "hour")


def years_filter(value: Any) -> str:
    """``3`` → ``three (3) years``."""
    return count_filter(value, "year")


def words_filter(value: Any) -> str:
    """``3`` → ``three (3)``: a bare number in words and figures."""
    return _in_words(_whole(value, "words"))


#: IANA zones as a contract names them; any other zone reads "local time in <city> (<zone>)"
ZONE_NAMES: dict[str, str] = {
    "America/New_York": "Eastern Time",
    "America/Detroit": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Phoenix": "Mountain Standard Time",
    "America/Los_Angeles": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii-Aleutian Standard Time",
    "America/Toronto": "Eastern Time",
    "America/Vancouver": "Pacific Time",
    "America/Mexico_City": "Central Mexico Time",
    "Europe/London": "United Kingdom time",
    "Europe/Amsterdam": "Central European Time",
    "Europe/Berlin": "Central European Time",
    "Europe/Paris": "Central European Time",
    "Europe/Brussels": "Central European Time",
    "Europe/Madrid": "Central European Time",
    "Europe/Rome": "Central European Time",
    "Europe/Stockholm": "Central European Time",
    "Europe/Zurich": "Central European Time",
    "Europe/Istanbul": "Turkey Time",
    "Asia/Dhaka": "Bangladesh Standard Time",
    "Asia/Karachi": "Pakistan Standard Time",
    "Asia/Kolkata": "India Standard Time",
    "Asia/Colombo": "Sri Lanka Standard Time",
    "Asia/Ho_Chi_Minh": "Indochina Time",
    "Asia/Phnom_Penh": "Indochina Time",
    "Asia/Jakarta": "Western Indonesia Time",
    "Asia/Shanghai": "China Standard Time",
    "Africa/Maseru": "South Africa Standard Time",
    "Africa/Johannesburg": "South Africa Standard Time",
    "Africa/Addis_Ababa": "East Africa Time",
    "Africa/Nairobi": "East Africa Time",
    "UTC": "Coordinated Universal Time",
    "Etc/UTC": "Coordinated Universal Time",
}


def zone_filter(value: Any) -> str:
    """``America/New_York`` → ``Eastern Time (America/New_York)``: the zone as counsel writes
    it, with the IANA name kept in brackets because that is what fixes the rule unambiguously
    (daylight saving included)."""
    _defined(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"zone needs an IANA time zone name, got {value!r}")
    name = ZONE_NAMES.get(value)
    if name is None:
        city = value.rsplit("/", 1)[-1].replace("_", " ")
        name = f"local time in {city}"
    return f"{name} ({value})"


def country_filter(value: Any) -> str:
    """``BD`` → ``Bangladesh``: an ISO 3166 alpha-2 code as the country's name."""
    _defined(value)
    try:
        return COUNTRY_NAMES[str(value)]
    except KeyError:
        raise ValueError(f"unknown ISO 3166 alpha-2 country code {value!r}") from None


#: the largest repetition (``'-' * n``) or power a template may compute
MAX_REPEAT = 10_000
MAX_POWER = 100


class ClauseEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, immutable (a template cannot ``suppliers.append(...)`` and change what the
    next clause sees) and with ``*``/``**`` bounded so a template cannot exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and n > MAX_REPEAT:
                    raise SecurityError(f"repeating a sequence {n} times is not allowed")
        if (
            operator == "**"
            and isinstance(right, int | float | Decimal)
            and not -MAX_POWER <= right <= MAX_POWER
        ):
            raise SecurityError(f"a power above {MAX_POWER} is not allowed")
        return super().call_binop(context, operator, left, right)


def _make_env() -> SandboxedEnvironment:
    env = ClauseEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    env.filters.update(
        money=money_filter,
        number=number_filter,
        pct=pct_filter,
        longdate=longdate_filter,
        days=days_filter,
        months=months_filter,
        hours=hours_filter,
        years=years_filter,
        words=words_filter,
        count=count_filter,
        zone=zone_filter,
        country=country_filter,
    )
    return env


#: the one environment every clause template is parsed and rendered with
ENV: SandboxedEnvironment = _make_env()


def parse(source: str) -> nodes.Template:
    """Parse a template (raises jinja2.TemplateSyntaxError)."""
    return ENV.parse(source)


def template_names(source: str) -> set[str]:
    """Names a template reads from its context, minus the globals every clause may use."""
    return set(_template_names(source))


@functools.lru_cache(maxsize=4096)
def _parsed(source: str) -> nodes.Template:
    # Library text is immutable once loaded: each source is parsed once per process, for its
    # names and for its compiled form alike (a draft needs both of every clause it renders).
    return parse(source)


#: compiled clause templates across processes (``_cache``): bound to the loaded library's entry
_STORE = code_store("templates")


@functools.lru_cache(maxsize=4096)
def _template_names(source: str) -> frozenset[str]:
    found = _STORE.get(source)
    if found is not None and isinstance(found[0], frozenset):
        return found[0]
    return frozenset(meta.find_undeclared_variables(_parsed(source))) - TEMPLATE_GLOBALS


@functools.lru_cache(maxsize=4096)
def _compiled(source: str) -> jinja2.Template:
    # Compiled from the parsed tree, not parsed again. Jinja's optimizer may fold constants
    # in that tree while compiling, so its names are read (and cached) first. The code is what
    # ``ENV.from_string`` would build the template from; it is kept in the compiled cache with
    # the names, so the next process neither parses nor compiles this source.
    found = _STORE.get(source)
    code = _STORE.code(found) if found is not None else None
    if code is None:
        names = _template_names(source)
        code = ENV.compile(_parsed(source))
        _STORE.add(source, names, code=code)
    return ENV.template_class.from_code(ENV, code, ENV.make_globals(None), None)


def template_calls(source: str) -> list[tuple[str, str, int]]:
    """Every ``ref('x')`` / ``has('x')`` with a literal argument: (function, clause id, line)."""
    return [
        (call.node.name, arg.value, call.lineno)
        for call in parse(source).find_all(nodes.Call)
        if isinstance(call.node, nodes.Name) and call.node.name in ("ref", "has")
        for arg in call.args
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str)
    ]


def _literal_calls(node: nodes.Node, name: str) -> set[str]:
    calls = [node] if isinstance(node, nodes.Call) else []
    calls += node.find_all(nodes.Call)
    return {
        arg.value
        for call in calls
        if isinstance(call.node, nodes.Name) and call.node.name == name
        for arg in call.args
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str)
    }


def unguarded_refs(source: str) -> list[tuple[str, int]]:
    """``ref('x')`` calls not inside ``{% if has('x') %}`` (or a ``has('x') and …`` test).

    Such a reference breaks drafting whenever clause ``x`` is left out of an agreement.
    """
    found: list[tuple[str, int]] = []

    def walk(node: nodes.Node, guarded: frozenset[str]) -> None:
        if isinstance(node, nodes.If | nodes.CondExpr):
            tested = _literal_calls(node.test, "has")
            walk(node.test, guarded)
            for child in node.body if isinstance(node, nodes.If) else [node.expr1]:
                walk(child, guarded | tested)
            others = (
                [*node.elif_, *node.else_]
                if isinstance(node, nodes.If)
                else ([node.expr2] if node.expr2 is not None else [])
            )
            for child in others:
                walk(child, guarded)
            return
        if (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name == "ref"
        ):
            for arg in node.args:
                if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                    if arg.value not in guarded:
                        found.append((arg.value, node.lineno))
        for child in node.iter_child_nodes():
            walk(child, guarded)

    walk(parse(source), frozenset())
    return found


def _template_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(clause_id: str, source: str, context: Mapping[str, Any]) -> str:
    """Render one clause template; every failure becomes a TemplateError for ``clause_id``."""
    try:
        template = _compiled(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            clause_id, f"template syntax error: {exc.message}", line=exc.lineno
        ) from None
    try:
        return template.render(dict(context))
    except TemplateError:
        raise
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(
            clause_id,
            f"refused unsafe template access: {exc}",
            line=_template_line(exc.__traceback__),
        ) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(clause_id, str(exc), line=_template_line(exc.__traceback__)) from None
    except (
        TypeError,
        ValueError,
        ArithmeticError,
        LookupError,
        AttributeError,
        RecursionError,
    ) as exc:
        raise TemplateError(
            clause_id, f"{type(exc).__name__}: {exc}", line=_template_line(exc.__traceback__)
        ) from None


_BLANK = re.compile(r"\n[ \t]*\n")
_SPACE = re.compile(r"\s+")


def paragraphs(text: str) -> list[str]:
    """Rendered text → paragraphs: split on blank lines, whitespace collapsed, empties dropped.

    Lines that start with ``|`` are a Markdown table that ends the paragraph: they are kept,
    one per line, after the paragraph's prose (``"… the following table:\n| a | b |\n…"``),
    so the record holds the table as rows and the renderers draw a real table.
    """
    out = []
    for chunk in _BLANK.split(text):
        prose: list[str] = []
        rows: list[str] = []
        for line in chunk.split("\n"):
            (rows if line.lstrip().startswith("|") else prose).append(line)
        para = _SPACE.sub(" ", " ".join(prose)).strip()
        table = [_SPACE.sub(" ", row).strip() for row in rows]
        if table:
            para = "\n".join([para, *table]) if para else "\n".join(table)
        if para:
            out.append(para)
    return out


def clause_functions(clause_id: str, numbers: Mapping[str, str]) -> dict[str, Callable[[str], Any]]:
    """``ref``/``has``/``term`` bound to the sections of one agreement, for one clause."""

    def ref(other: str) -> str:
        try:
            return numbers[other]
        except KeyError:
            raise TemplateError(
                clause_id,
                f"ref({other!r}): clause {other!r} is not in this agreement, so clause "
                f"{clause_id!r} cannot refer to it; include {other!r} or wrap the reference "
                f"in {{% if has({other!r}) %}}",
            ) from None

    def has(other: str) -> bool:
        return other in numbers

    def term(name: str) -> str:
        return name

    return {"ref": ref, "has": has, "term": term}
