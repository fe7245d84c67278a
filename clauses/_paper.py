"""Paper sizes for the signed document, and which one an agreement defaults to.

An agreement is printed and signed where its law is: US Letter in the United States and the few
countries that share it, ISO A4 everywhere else. The answers may choose (``agreement.paper``);
without a choice the governing law decides, and a law we cannot place gets Letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Paper(StrEnum):
    LETTER = "letter"
    A4 = "a4"


@dataclass(frozen=True)
class PageSize:
    """Width and height in twentieths of a point (the unit of ``w:pgSz``)."""

    width: int
    height: int


#: ISO 216 A4 is 210 x 297 mm; US Letter is 8.5 x 11 in (215.9 x 279.4 mm)
PAGE_SIZES: dict[Paper, PageSize] = {
    Paper.A4: PageSize(width=11906, height=16838),
    Paper.LETTER: PageSize(width=12240, height=15840),
}
#: every margin of the house template, in twips (25 mm)
MARGIN = 1417

_US_STATES = (
    "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia "
    "Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts "
    "Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon "
    "Pennsylvania Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming"
).split() + [
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "West Virginia",
    "District of Columbia",
    "Puerto Rico",
]
#: jurisdictions whose paper is Letter
_LETTER = [
    *_US_STATES,
    "United States",
    "U.S.",
    "USA",
    "Canada",
    "Ontario",
    "Quebec",
    "British Columbia",
    "Mexico",
    "Philippines",
    "Chile",
    "Colombia",
    "Venezuela",
    "Guatemala",
    "Costa Rica",
    "Panama",
    "Dominican Republic",
    "El Salvador",
    "Nicaragua",
]
_LETTER_RX = re.compile(r"\b(" + "|".join(re.escape(n) for n in _LETTER) + r")\b")
# "Georgia" is also a country (A4); the US state is the more likely governing law here.


def default_paper(governing_law: str) -> Paper:
    """Letter where the governing law is a Letter jurisdiction or cannot be placed; else A4.

    Any law that names a place outside the Letter jurisdictions (the Netherlands, England and
    Wales, the Kingdom of Lesotho, Bangladesh …) is A4, which is the rest of the world's paper.
    """
    if _LETTER_RX.search(governing_law):
        return Paper.LETTER
    if re.search(r"[A-Z][a-z]", governing_law):  # names some place: not a Letter one
        return Paper.A4
    return Paper.LETTER
