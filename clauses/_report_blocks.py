"""A report as a few kinds of block (heading, paragraph, quote, bullets, table), once.

The deviation report is read as Markdown, DOCX and PDF; building its content once as blocks and
writing each format from them keeps the three saying the same thing. Pure: blocks in, text out;
the DOCX writer is in ``clauses.render.deviations``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 = the report title


@dataclass(frozen=True)
class Para:
    text: str
    lead: str = ""  # a bold lead-in ("Floor overridden:")


@dataclass(frozen=True)
class Quote:
    """Quoted text (the clause commentary); blank lines separate its paragraphs."""

    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Para | Quote | Bullets | Table


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    """GitHub-flavoured Markdown: one blank line between blocks, a trailing newline."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {b.text}")
        elif isinstance(b, Para):
            out.append(f"**{b.lead}** {b.text}" if b.lead else b.text)
        elif isinstance(b, Quote):
            paras = [p.strip().replace("\n", " ") for p in b.text.strip().split("\n\n")]
            out.append("\n>\n".join(f"> {p}" for p in paras if p))
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {item}" for item in b.items))
        else:
            lines = [
                "| " + " | ".join(_cell(h) for h in b.header) + " |",
                "|" + "---|" * len(b.header),
            ]
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _h(text: str) -> str:
    return html.escape(text, quote=False)


def table_html(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    """One table, with a header row; every cell escaped."""
    head = "".join(f"<th>{_h(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(blocks: list[Block], *, top: int = 1) -> str:
    """An HTML fragment, every text escaped, for a page that shows the report inside its own
    layout (the interview's review screen): the report's title becomes ``<h{top}>`` so it sits
    under the page's own heading rather than beside it. One line per block and no Markdown
    left in it, so a host that runs Markdown over the page passes it through untouched."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            level = min(b.level + top - 1, 6)
            out.append(f"<h{level}>{_h(b.text)}</h{level}>")
        elif isinstance(b, Para):
            lead = f"<strong>{_h(b.lead)}</strong> " if b.lead else ""
            out.append(f"<p>{lead}{_h(b.text)}</p>")
        elif isinstance(b, Quote):
            paras = [p.strip().replace("\n", " ") for p in b.text.strip().split("\n\n")]
            out.append(
                "<blockquote>" + "".join(f"<p>{_h(p)}</p>" for p in paras if p) + "</blockquote>"
            )
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{_h(i)}</li>" for i in b.items) + "</ul>")
        else:
            out.append(table_html(b.header, b.rows))
    return "\n".join(out) + "\n"
