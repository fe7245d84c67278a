from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clauses import InputError
from obligations import convert


def test_exact_factors():
    assert convert(Decimal(1), "lb", "kg") == Decimal("0.45359237")
    assert convert(Decimal(1), "cwt", "lb") == Decimal(100)
    assert convert(Decimal(250000), "lb", "cwt") == Decimal(2500)
    assert convert(Decimal("45.359237"), "kg", "cwt") == Decimal(1)
    assert convert(Decimal(7), "unit", "unit") == Decimal(7)


def test_counts_do_not_mix_with_masses():
    with pytest.raises(InputError, match="unit: cannot convert unit to lb"):
        convert(Decimal(1), "unit", "lb")
    with pytest.raises(InputError, match="unknown unit 'ton'"):
        convert(Decimal(1), "ton", "lb")


@given(
    st.decimals(min_value=0, max_value=10**9, places=3),
    st.sampled_from(["lb", "kg", "cwt"]),
    st.sampled_from(["lb", "kg", "cwt"]),
)
def test_round_trip(q, a, b):
    back = convert(convert(q, a, b), b, a)
    assert abs(back - q) <= Decimal("1e-15") * max(q, Decimal(1))
