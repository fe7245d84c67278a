"""The drafting side's value types: frozen, keyword-only dataclasses that pydantic checks only
where data comes in from outside.

A user runs ``wsr draft`` once per process, and importing pydantic and building its validators
were about a third of a warm draft (issue 7: ~60 ms of import, ~20 ms of validator builds, out
of ~230 ms). The draft itself never needed them: the answers are checked field by field by
``_answers`` (to report every problem with its path), the library comes out of the compiled
cache already checked, and the record is made from values the engine built itself. So the clause
schema, the answers and the record are plain dataclasses, and pydantic validates the very same
classes — a ``TypeAdapter`` over each, ``extra="forbid"`` as before, the constraints in the
string annotations (``Annotated[str, Field(pattern=…)]``) — only on the paths that read outside
data: a library file, a record read back (``Agreement.from_json``), a record file given to a
command. Those import pydantic the first time they validate.

The methods keep the names the engine called on its pydantic models (``model_validate``,
``model_dump``, ``model_copy``, ``model_fields``, ``model_json_schema``) with the same results,
so no caller changed; ``model_dump`` is a small walk of the dataclass fields here (Decimals as
strings, dates ISO, enums as values in JSON mode, as pydantic wrote them), and a field whose
``metadata`` has an ``omit_if`` test is left out when the test holds (pydantic's ``exclude_if``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["OMIT_EMPTY", "OMIT_NONE", "Frozen", "error_message", "omit_if"]

#: dataclass field ``metadata`` keys this module reads
OMIT_IF = "omit_if"


def omit_if(test: Callable[[Any], bool]) -> dict[str, Any]:
    """Field metadata: leave the field out of a dump when ``test(value)`` holds (so a field added
    to the record later is absent from records that do not use it, and their hashes stay)."""
    return {OMIT_IF: test}


OMIT_NONE = omit_if(lambda v: v is None)
OMIT_EMPTY = omit_if(lambda v: not v)


class _Fields:
    """``Model.model_fields``: the dataclass fields by name, read on the class."""

    def __get__(self, obj: object, owner: type) -> dict[str, dataclasses.Field[Any]]:
        return {f.name: f for f in dataclasses.fields(owner)}


class Frozen:
    """Base of the drafting side's dataclasses (decorate each ``@dataclass(frozen=True,
    kw_only=True)``): the validation and dump methods, and pydantic's config for them."""

    __slots__ = ()
    #: read by pydantic when it validates a subclass (extra keys are refused, as before)
    __pydantic_config__: Any = {"extra": "forbid"}
    model_fields = _Fields()

    @classmethod
    def model_validate(cls, data: Any, *, context: Mapping[str, Any] | None = None) -> Self:
        """``data`` (a mapping from a file, or an instance) checked and converted into ``cls``;
        pydantic's ``ValidationError`` (a ``ValueError``) names every problem by its path."""
        result: Self = adapter(cls).validate_python(data, context=context)
        return result

    @classmethod
    def model_validate_json(cls, text: str | bytes) -> Self:
        result: Self = adapter(cls).validate_json(text)
        return result

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        schema: dict[str, Any] = adapter(cls).json_schema()
        return schema

    def model_dump(self, *, mode: str = "python", exclude_none: bool = False) -> dict[str, Any]:
        """The fields as a dict, nested values dumped too; ``mode="json"`` gives only JSON
        types (what the canonical record is hashed over)."""
        out: dict[str, Any] = dump(self, json=mode == "json", exclude_none=exclude_none)
        return out

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A copy with ``update`` applied (the class's own checks run on the result)."""
        return dataclasses.replace(self, **(update or {}))  # type: ignore[type-var]


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def adapter(cls: type) -> TypeAdapter[Any]:
    """The pydantic validator of ``cls``, built once per process on first use.

    ``Field`` is a local here on purpose: pydantic resolves the classes' string annotations
    (``Annotated[str, Field(pattern=IDENT)]``) in their module and then in the namespace of the
    frame that builds the adapter, and the modules do not import pydantic at run time.
    """
    from typing import Annotated

    from pydantic import BeforeValidator, Field, TypeAdapter  # noqa: F401 (Field: see above)

    found = _ADAPTERS.get(cls)
    if found is None:
        # a class's ``_before_validate(data, info)`` runs on the raw data before the fields
        # (a stored record's version check and upgrade, ``Agreement``)
        hook = getattr(cls, "_before_validate", None)
        target: Any = cls if hook is None else Annotated[cls, BeforeValidator(hook)]
        found = _ADAPTERS[cls] = TypeAdapter(target)
    return found


#: pydantic's words for these errors on its models, which the library checker and the record
#: reader printed before the classes were dataclasses (the dataclass wording of each differs)
_MODEL_WORDING = {
    "unexpected_keyword_argument": "Extra inputs are not permitted",
    "dataclass_type": "Input should be a valid dictionary or instance of {class_name}",
}


def error_message(err: Mapping[str, Any]) -> str:
    """The message of one of pydantic's ``ValidationError.errors()``, as its models word it."""
    wording = _MODEL_WORDING.get(err["type"])
    if wording is None:
        return str(err["msg"])
    return wording.format(**(err.get("ctx") or {}))


# -- dumping ---------------------------------------------------------------------------------

_PLANS: dict[type, tuple[tuple[str, Callable[[Any], bool] | None], ...]] = {}
_ATOMS = (str, int, bool, type(None))


def _plan(cls: type) -> tuple[tuple[str, Callable[[Any], bool] | None], ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = tuple(
            (f.name, f.metadata.get(OMIT_IF)) for f in dataclasses.fields(cls)
        )
    return plan


def dump(value: Any, *, json: bool, exclude_none: bool = False) -> Any:
    """``value`` with every dataclass in it turned into a dict (see :meth:`Frozen.model_dump`)."""
    cls = value.__class__
    if cls in _ATOMS:
        return value
    if hasattr(cls, "__dataclass_fields__"):  # dataclasses.is_dataclass, without narrowing
        fields = value.__dict__
        out = {}
        for name, omit in _plan(cls):
            v = fields[name]
            if (omit is not None and omit(v)) or (exclude_none and v is None):
                continue
            out[name] = dump(v, json=json, exclude_none=exclude_none)
        return out
    if cls is list:
        return [dump(v, json=json, exclude_none=exclude_none) for v in value]
    if cls is dict:
        return {
            (_key(k) if json else k): dump(v, json=json, exclude_none=exclude_none)
            for k, v in value.items()
        }
    if cls is tuple:
        items = [dump(v, json=json, exclude_none=exclude_none) for v in value]
        return items if json else tuple(items)
    if not json:
        return value
    if isinstance(value, Enum):
        return value.value
    if cls is Decimal:
        return str(value)
    if cls is datetime:
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if cls is date:
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [dump(v, json=json, exclude_none=exclude_none) for v in value]
    return value


def _key(key: Any) -> Any:
    return key.value if isinstance(key, Enum) else key
