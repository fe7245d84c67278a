"""Loading the clause library: one YAML file per clause, validated against ``_schema``.

Loading only proves each file is well-formed; the cross-checks a schema cannot express
(undeclared template variables, unknown spec ids, defaults below their floor …) live in
``_check.py`` so that ``wsr library --check`` can report all of them at once.

The YAML loader here is shared with the answers reader: it never runs tags (it is a
``SafeLoader``) and it keeps every float as a :class:`~decimal.Decimal` built from the source
text, so ``0.1`` in a file is exactly ``Decimal("0.1")`` and never passes through binary floats.
It parses with libyaml (PyYAML's ``CSafeLoader``) where PyYAML was built with it: the pure-Python
parser took about 0.3 s of every draft. Only the parser and scanner are C; the constructors and
the resolvers below are the same Python objects either way, so both give the same values
(``tests/clauses/test_library.py`` compares them on every shipped file).

In a contract a key given twice is an error, not "the last one wins": both loaders here (YAML and
:func:`load_json_text`) refuse a duplicated key, naming its line. Numbers are read as YAML 1.2
reads them: plain digits only, so ``1:30`` (a YAML 1.1 base-60 number, 90) and ``0x1F`` (31) stay
text, which the bounded number reader then refuses with a message, never silently converted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ._canonical import canonical_json
from ._exceptions import InputError, LibraryError, NotFound, Problem
from ._frozen import error_message
from ._inputfile import InputKind, read_input_text
from ._schema import ClauseDef

if TYPE_CHECKING:
    from pydantic import ValidationError

#: the library shipped with the package
DEFAULT_LIBRARY = Path(__file__).resolve().parent / "library"


#: the C parser when PyYAML has libyaml, else the pure-Python one (same constructors/resolvers)
SafeBase: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


def decimal_loader(base: type[Any]) -> type[Any]:
    """A safe loader class on ``base`` whose floats are Decimals made from their source text."""
    loader: type[Any] = type("DecimalSafeLoader", (base,), {})
    loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
    loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    # YAML 1.2 booleans only: in YAML 1.1 `on`, `off`, `yes`, `no` are booleans, which would turn
    # the trigger key `on:` into True and a supplier in Norway (`country: NO`) into False.
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    # YAML 1.2 integers only: YAML 1.1 also reads 0x1F (31), 0o17, 017 (15), 1_000 and the
    # base-60 1:30 (90) as integers, none of which a person writing a term means.
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:int"]
        for first, resolvers in loader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
    )
    loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
    loader.add_constructor("tag:yaml.org,2002:map", _construct_unique_map)
    return loader


def _construct_int(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    text = str(node.value)
    if not re.fullmatch(r"[-+]?[0-9]+", text):  # an explicit !!int tag on other text
        return text
    if len(text) > 40:  # far past any term; the number reader refuses it by its form
        return text
    return int(text)


class DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping names the same key twice."""


def _construct_unique_map(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.MappingNode)
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: the safe constructor reports it
            continue
        if first is not None:
            raise DuplicateKey(
                None,
                None,
                f"the key {key!r} is given twice (lines {first} and "
                f"{key_node.start_mark.line + 1}); keep one",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    data: dict[Any, Any] = {}
    yield data
    data.update(loader.construct_mapping(node))


def _construct_decimal(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)
    text = str(loader.construct_scalar(node)).replace("_", "").strip()
    lowered = text.lower()
    if lowered in (".inf", "+.inf"):
        return Decimal("Infinity")
    if lowered == "-.inf":
        return Decimal("-Infinity")
    if lowered == ".nan":
        return Decimal("NaN")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the YAML resolver only matches numbers
        return Decimal("NaN")


def _construct_timestamp(loader: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
    # An impossible date such as 2026-13-05 matches YAML's timestamp pattern but makes PyYAML
    # raise a bare ValueError. Keep the source text instead, so the answers validator reports it
    # against its field (`agreement.effective_date: ...`) like any other bad value.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        assert isinstance(node, yaml.ScalarNode)
        return str(node.value)


#: what clause files and answers files are read with
DecimalSafeLoader = decimal_loader(SafeBase)
#: the same on the pure-Python parser (kept for the comparison test and for PyYAML without libyaml)
PureDecimalSafeLoader = decimal_loader(yaml.SafeLoader)


def load_yaml_text(text: str, where: str, *, loader: type[Any] | None = None) -> Any:
    """Parse YAML text safely; a syntax error becomes a LibraryError-ready InputError problem."""
    try:
        # a safe loader: no tags run
        return yaml.load(text, Loader=loader or DecimalSafeLoader)
    except yaml.YAMLError as exc:
        raise _YamlSyntax(where, _yaml_message(exc)) from None
    except RecursionError:
        raise _YamlSyntax(where, "nested too deeply to read; flatten the file") from None


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JsonDuplicate(key)
        out[key] = value
    return out


class _JsonDuplicate(ValueError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def load_json_text(text: str, where: str) -> Any:
    """Parse JSON with every number as an exact Decimal (floats) or int, refusing duplicated
    keys and absurd nesting; every failure is a :class:`_YamlSyntax`-style problem at ``where``."""
    try:
        return json.loads(
            text, parse_float=Decimal, parse_int=_json_int, object_pairs_hook=_unique_pairs
        )
    except _JsonDuplicate as dup:
        raise _YamlSyntax(where, f"the key {dup.key!r} is given twice; keep one") from None
    except json.JSONDecodeError as exc:
        raise _YamlSyntax(
            where, f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise _YamlSyntax(where, "nested too deeply to read; flatten the file") from None


def read_document(path: Path, kind: InputKind, *, where: str, json_only: bool = False) -> Any:
    """A named YAML or JSON file (JSON by its ``.json`` suffix, or always with ``json_only``),
    read safely (``_inputfile``) and parsed with no key given twice, then refused if any text
    in it cannot be kept or it nests past the limit: InputError naming each problem."""
    from ._text import walk_texts

    text = read_input_text(path, kind, where=where)
    try:
        if json_only or path.suffix.lower() == ".json":
            data = load_json_text(text, where)
        else:
            data = load_yaml_text(text, where)
    except _YamlSyntax as exc:
        raise InputError([exc.problem]) from None
    problems = [Problem(f"{where}: {at}", why) for at, why in walk_texts(data)]
    if problems:
        raise InputError(problems)
    return data


def _json_int(text: str) -> int | str:
    return int(text) if len(text) <= 40 else text  # longer: refused by the number reader


class _YamlSyntax(Exception):
    def __init__(self, where: str, message: str) -> None:
        self.problem = Problem(where, message)
        super().__init__(str(self.problem))


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    # one line per problem: the reader's errors carry a multi-line position note
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    if mark is not None:
        return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"YAML syntax error: {problem}"


def display_path(path: Path) -> str:
    """How problems name a file: relative to the working directory when it lies beneath it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def loc_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a dotted path with ``[i]`` indexes."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_problems(prefix: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        where = loc_path(tuple(err["loc"]))
        msg = error_message(err).removeprefix("Value error, ")
        path = f"{prefix}: {where}" if where else prefix
        problems.append(Problem(path, msg))
    return problems


@dataclass(frozen=True)
class Library:
    """The loaded clause library: clause definitions in agreement order."""

    clauses: dict[str, ClauseDef]
    files: dict[str, str] = field(default_factory=dict)  # clause id -> display path of its file
    root: Path | None = None
    fingerprint: str = ""

    def get(self, clause_id: str) -> ClauseDef:
        try:
            return self.clauses[clause_id]
        except KeyError:
            raise NotFound(
                "clause",
                clause_id,
                path=f"clauses.{clause_id}",
                hint=f"known: {', '.join(sorted(self.clauses))}",
            ) from None

    def __iter__(self) -> Iterator[ClauseDef]:
        return iter(self.clauses.values())

    def __len__(self) -> int:
        return len(self.clauses)

    def file_of(self, clause_id: str) -> str:
        return self.files.get(clause_id, f"{clause_id}.yaml")


def library_from_defs(
    defs: Mapping[str, ClauseDef], files: Mapping[str, str] | None = None, root: Path | None = None
) -> Library:
    """Build a Library (sorted by order, then id) and its fingerprint from parsed clauses."""
    ordered = dict(sorted(defs.items(), key=lambda kv: (kv[1].order, kv[0])))
    canon = canonical_json({cid: c.model_dump(mode="json") for cid, c in sorted(defs.items())})
    digest = hashlib.sha256(canon.encode("utf-8")).hexdigest()
    return Library(clauses=ordered, files=dict(files or {}), root=root, fingerprint=digest)


def load_library(path: Path | None = None) -> Library:
    """Load every ``*.yaml`` clause file under ``path`` (default: the shipped library).

    Raises :class:`LibraryError` listing every file that fails YAML parsing or the schema.
    Files that load are parsed and validated once per content: the result is kept in the
    compiled cache (``_cache``) under the hash of every file's name and text, which also
    selects the cache entry of the library's compiled templates.
    """
    from ._cache import cached, content_key
    from ._templating import _STORE

    root = Path(path) if path is not None else DEFAULT_LIBRARY
    if not root.is_dir():
        raise LibraryError([Problem(display_path(root), "not a directory of clause files")])
    texts: dict[str, str] = {}
    for file in sorted(root.glob("*.yaml")):
        try:
            texts[file.name] = read_input_text(file, InputKind.CLAUSE, where=display_path(file))
        except InputError:  # not a regular file, too large, not UTF-8: reported below
            return _load_texts(root, None)
    key = content_key("library", [(name, text.encode()) for name, text in texts.items()])
    defs, names, fingerprint = cached("library", key, lambda: _parsed_library(root, texts))
    _STORE.bind(key)
    files = {cid: display_path(root / name) for cid, name in names.items()}
    return Library(clauses=defs, files=files, root=root, fingerprint=fingerprint)


def _parsed_library(
    root: Path, texts: dict[str, str]
) -> tuple[dict[str, ClauseDef], dict[str, str], str]:
    """What the cache keeps of a library: its clauses in order, each one's file name (not its
    display path, which depends on the working directory) and the fingerprint."""
    library = _load_texts(root, texts)
    by_name = {display_path(root / name): name for name in texts}
    names = {cid: by_name[where] for cid, where in library.files.items()}
    return library.clauses, names, library.fingerprint


def _load_texts(root: Path, texts: dict[str, str] | None) -> Library:
    """Parse and validate the clause files (their texts when already read)."""
    problems: list[Problem] = []
    defs: dict[str, ClauseDef] = {}
    files: dict[str, str] = {}
    for file in sorted(root.glob("*.yaml")) if texts is None else [root / n for n in texts]:
        where = display_path(file)
        try:
            text = (
                texts[file.name]
                if texts is not None
                else read_input_text(file, InputKind.CLAUSE, where=where)
            )
            data = load_yaml_text(text, where)
        except _YamlSyntax as exc:
            problems.append(exc.problem)
            continue
        except InputError as exc:  # not a regular file, too large, not UTF-8
            problems.extend(exc.problems)
            continue
        if not isinstance(data, dict):
            problems.append(
                Problem(where, "a clause file must be a mapping (id, version, title, …)")
            )
            continue
        from pydantic import ValidationError  # only a library file is validated (``_frozen``)

        try:
            cdef = ClauseDef.model_validate(data)
        except ValidationError as exc:
            problems.extend(validation_problems(where, exc))
            continue
        if cdef.id in defs:
            problems.append(
                Problem(where, f"id: duplicate clause id {cdef.id!r} (also in {files[cdef.id]})")
            )
            continue
        defs[cdef.id] = cdef
        files[cdef.id] = where
    if problems:
        raise LibraryError(problems)
    if not defs:
        raise LibraryError([Problem(display_path(root), "no clause files (*.yaml) found")])
    return library_from_defs(defs, files, root)
