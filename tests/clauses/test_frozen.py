"""The drafting side's dataclasses (``clauses/_frozen.py``): pydantic validates them at the
edges, and what the engine builds and dumps itself is what pydantic would have made of it."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from clauses import Agreement, OmissionRec, PartyRec, assemble, load_library, parse_answers, seal
from clauses._frozen import adapter, error_message
from clauses._schema import ClauseDef, Floor, VariableDef

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def lib():
    return load_library()


def test_every_shipped_clause_dumps_as_pydantic_dumps_it(lib):
    """The library's fingerprint and ``wsr library --json`` are taken over this dump."""
    for cid, cdef in lib.clauses.items():
        for mode in ("json", "python"):
            ours = cdef.model_dump(mode=mode)
            theirs = adapter(ClauseDef).dump_python(cdef, mode=mode)
            assert ours == theirs, (cid, mode)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_a_typed_draft_seals_as_its_record_read_through_pydantic(example, lib):
    """``assemble`` builds the record from typed values and seals it without validating; the
    same record given to ``seal`` as JSON data (validated and normalised by pydantic) is the
    very same value, with the same id and content hash."""
    typed = assemble(parse_answers(example, lib), lib)
    through_pydantic = seal(typed.model_dump(mode="json"))
    assert through_pydantic == typed
    assert (through_pydantic.id, through_pydantic.content_hash) == (typed.id, typed.content_hash)
    assert Agreement.from_json(typed.to_json()) == typed


def test_values_dump_to_json_types_as_pydantic_wrote_them():
    floor = Floor(at_least=Decimal("0.010"))
    assert floor.model_dump(mode="json") == {
        "at_least": "0.010",
        "at_most": None,
        "allowed": None,
        "equals": None,
    }
    assert floor.model_dump()["at_least"] == Decimal("0.010")  # python mode keeps the type
    var = VariableDef.model_validate(
        {"type": "date", "label": "Start", "default": date(2026, 5, 1)}
    )
    dumped = var.model_dump(mode="json")
    assert dumped["type"] == "date" and dumped["default"] == "2026-05-01"
    assert var.model_dump()["type"] is var.type  # the enum member, as pydantic's python mode


def test_a_field_with_omit_if_is_left_out_of_the_dump_when_its_test_holds():
    """Fields added to the record later are absent from records that do not use them, so
    those records keep their bytes and their content hash."""
    base = {"role": "buyer", "name": "B", "address": "1 Road", "email": "b@example.org"}
    base["signatory"] = "S"
    plain = PartyRec(**base)
    assert set(plain.model_dump()) == {"role", "name", "address", "email", "signatory",
                                       "signatory_title"}  # fmt: skip
    told = PartyRec(**base, notice_emails=["n@example.org"], language="es")
    assert told.model_dump()["notice_emails"] == ["n@example.org"]
    assert told.model_dump(mode="json")["language"] == "es"
    assert PartyRec.model_validate(told.model_dump()) == told


def test_exclude_none_leaves_out_the_fields_that_are_none():
    left_out = OmissionRec(clause_id="premium", title="Premium", required=True)
    assert left_out.model_dump(exclude_none=True) == {
        "clause_id": "premium", "title": "Premium", "required": True, "lacks": ""
    }  # fmt: skip
    assert left_out.model_dump()["reason"] is None


def test_validation_names_each_problem_by_its_path_in_the_models_wording():
    with pytest.raises(ValidationError) as caught:
        VariableDef.model_validate(
            {"type": "decimal", "label": "Rate", "colour": "red", "floor": "0.01"}
        )
    found = {tuple(e["loc"]): error_message(e) for e in caught.value.errors()}
    assert found == {
        ("colour",): "Extra inputs are not permitted",
        ("floor",): "Input should be a valid dictionary or instance of Floor",
    }


def test_the_constraints_in_the_annotations_are_enforced():
    """``Annotated[str, Field(pattern=…)]`` is resolved when pydantic builds the validator,
    though the modules never import pydantic at run time."""
    with pytest.raises(ValidationError) as caught:
        ClauseDef.model_validate({"id": "Not-An-Id", "version": "1.0"})
    locs = {tuple(e["loc"]): e["type"] for e in caught.value.errors()}
    assert locs[("id",)] == "string_pattern_mismatch"
    assert locs[("version",)] == "string_pattern_mismatch"


def test_the_checks_of_a_class_run_when_it_is_built_copied_or_validated():
    with pytest.raises(ValueError, match="exactly one of at_least"):
        Floor(at_least=Decimal(1), at_most=Decimal(2))
    with pytest.raises(ValueError, match="exactly one of at_least"):
        Floor(at_least=Decimal(1)).model_copy(update={"at_most": Decimal(2)})
    with pytest.raises(ValidationError, match="Value error, a floor gives exactly one"):
        Floor.model_validate({})


def test_values_are_frozen():
    floor = Floor(equals=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        floor.equals = False  # type: ignore[misc]
    assert Floor.model_fields.keys() == {"at_least", "at_most", "allowed", "equals"}
