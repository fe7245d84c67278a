"""Answer the drafting interview screen by screen from an answers file, as a negotiator would.

:class:`Negotiator` reads what each screen asks (its question id and its fields, as the
server's JSON gives them) and answers from an example answers file, the way a web form would
deliver the values (numbers as floats, dates as date-times, a list as rows of text). Where
the file is silent it keeps the value the screen offers (the library's default).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from headless import Session, question_id

INTERVIEW = "docassemble.wsrengine:data/questions/draft_agreement.yml"
CONTINUE = {
    "intro": "intro_seen",
    "review": "review_seen",
    "download": "downloads_seen",
}
FINAL = {"done", "tracked", "problems"}


def _as_form(datatype: str, value: Any) -> Any:
    """A value the way the web form hands it to the interview."""
    if value is None:
        return None
    if datatype == "integer":
        return int(value)
    if datatype in ("number", "currency"):
        return float(value)
    if datatype in ("yesnoradio", "yesno", "noyes", "yesnowide", "boolean"):
        if isinstance(value, str):
            assert value in ("True", "False"), value
            return value == "True"
        return bool(value)
    return value


class Negotiator:
    def __init__(
        self,
        answers: dict[str, Any],
        *,
        session: Session | None = None,
        track_on: str | None = None,
        keep_defaults: bool = False,
    ) -> None:
        self.answers = answers
        self.s = session or Session(INTERVIEW)
        self.track_on = track_on
        self.keep_defaults = keep_defaults  # take every value the screen offers (prefill)
        self.asked: list[str] = []
        self.screens: list[dict[str, Any]] = []
        self.earlier_text: str | None = None
        self.suppliers_csv: str | None = None  # upload the suppliers as this CSV text

    # -- what the answers say ---------------------------------------------------------------

    def party(self, role: str, index: int) -> dict[str, Any]:
        same = [p for p in self.answers["parties"] if p["role"] == role]
        return same[index]

    def clause(self, cid: str) -> dict[str, Any]:
        return dict((self.answers.get("clauses") or {}).get(cid) or {})

    # -- stepping ----------------------------------------------------------------------------

    def run(self, limit: int = 400) -> Any:
        """Answer screens until a final one; returns its status."""
        for _ in range(limit):
            status = self.s.step()
            qid = question_id(status)
            data = self._expanded(self.s.data(status))
            label = qid
            index = self._index(data)
            if index is not None:
                label = f"{qid}[{index}]"
            self.asked.append(label)
            self.screens.append(data)
            if qid in FINAL:
                return status
            self.answer(qid, status, data)
        raise AssertionError(f"no final screen after {limit} steps: {self.asked[-10:]}")

    def _expanded(self, data: dict[str, Any]) -> dict[str, Any]:
        """Field names of a generic screen with its index filled in (``x[i]`` -> ``x[0]``),
        as the web form posts them."""
        if "i" not in self.s.user_dict:
            return data
        index = repr(self.s.user_dict["i"])
        for f in data.get("fields", []):
            if "variable_name" in f:
                f["variable_name"] = f["variable_name"].replace("[i]", f"[{index}]")
        return data

    @staticmethod
    def _index(data: dict[str, Any]) -> str | None:
        for f in data.get("fields", []):
            m = re.match(r"\w+\['([a-z_]+)'\]", f.get("variable_name", ""))
            if m:
                return m.group(1)
        return None

    def fields(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        return [f for f in data.get("fields", []) if "variable_name" in f]

    def set(self, name: str, value: Any) -> None:
        self.s.set(name, value)

    def set_date(self, name: str, iso: str) -> None:
        self.s.run(f"{name} = as_datetime({str(iso)!r})")

    def fill(self, data: dict[str, Any], value_of: Any) -> None:
        """Every field of the screen: ``value_of(variable name)``, else the screen's default."""
        for f in self.fields(data):
            name = f["variable_name"]
            value = None if self.keep_defaults else value_of(name)
            if value is None:
                value = f.get("default")
            if f.get("datatype") == "date" and value:
                self.set_date(name, str(value)[:10])
                continue
            kind = (
                f.get("inputtype") if f.get("inputtype") in ("yesnoradio",) else f.get("datatype")
            )
            self.set(name, _as_form(kind or "text", value if value is not None else ""))

    def upload(self, name: str, filename: str, text: str) -> None:
        """A file upload, as the server stores one: a DAFileList of one DAFile."""
        self.s.user_dict["__wsr_text"] = text
        self.s.run(
            f"{name} = DAFileList({name!r}, elements=[DAFile({name + '[0]'!r})])\n"
            f"{name}[0].initialize(filename={filename!r})\n"
            f"{name}[0].write(__wsr_text)\n"
            f"{name}[0].commit()\n"
            f"{name}.gathered = True\n"
        )
        del self.s.user_dict["__wsr_text"]

    def answer(self, qid: str, status: Any, data: dict[str, Any]) -> None:
        a = self.answers
        info = a["agreement"]
        if qid in CONTINUE:
            if qid == "download":
                self.set("wants_tracking", self.track_on is not None)
            self.set(CONTINUE[qid], True)
        elif qid == "start from":
            self.set("start_from", "earlier" if self.earlier_text is not None else "new")
        elif qid == "earlier answers":
            self.set("earlier_file", None)
            self.set("earlier_text", self.earlier_text)
            self._check(status)
        elif qid == "programme":
            self.fill(
                data,
                {"agreement_title": info["title"], "agreement_sector": info.get("sector")}.get,
            )
            self._check(status)
        elif qid == "term":
            self.fill(
                data,
                {
                    "effective_date": str(info["effective_date"]),
                    "agreement_timezone": info["timezone"],
                    "agreement_currency": info["currency"],
                    "governing_law": info["governing_law"],
                    "agreement_paper": info.get("paper", ""),
                }.get,
            )
            self._check(status)
        elif qid in ("buyer", "monitor", "worker organization"):
            self.fill(data, self._party_value)
            self._check(status)
        elif qid == "more worker organizations":
            count = sum(1 for p in a["parties"] if p["role"] == "worker_organization")
            self.s.run(f"worker_orgs.there_is_another = {count} > len(worker_orgs.elements)")
        elif qid == "choose clauses":
            chosen = a.get("clauses") or {}
            ticked = {}
            for c in data["fields"][0]["choices"]:
                m = re.match(r"chosen_clauses\['(\w+)'\]$", c["variable_name"])
                assert m, c
                on = bool(c.get("selected")) if self.keep_defaults else m.group(1) in chosen
                ticked[m.group(1)] = on
            self.s.run(f"chosen_clauses = {ticked!r}")
        elif qid == "omission":
            cid = self._index(data)
            assert cid is not None
            omit = (a.get("omit") or {}).get(cid) or {"reason": "", "approved_by": ""}
            self.fill(
                data,
                {
                    f"omission_reason[{cid!r}]": omit["reason"],
                    f"omission_by[{cid!r}]": omit["approved_by"],
                }.get,
            )
        elif qid == "clause alternative":
            cid = self._index(data)
            assert cid is not None
            self.fill(data, lambda name: self.clause(cid).get("alternative", "standard"))
        elif qid == "clause values":
            cid = self._index(data)
            assert cid is not None
            given = self.clause(cid)
            self.fill(data, lambda name: self._clause_value(cid, name, given))
            self._check(status)
            self.set(f"clause_vars_done[{cid!r}]", True)
        elif qid == "floor override":
            cid = self._index(data)
            assert cid is not None
            override = self.clause(cid).get("override") or {}
            self.fill(
                data,
                {
                    f"override_reason[{cid!r}]": override.get("reason"),
                    f"override_by[{cid!r}]": override.get("approved_by"),
                }.get,
            )
        elif qid == "supplier method":
            method = "list" if a.get("suppliers") else "none"
            self.set("supplier_method", "csv" if self.suppliers_csv is not None else method)
        elif qid == "supplier csv":
            self.upload("supplier_csv", "suppliers.csv", self.suppliers_csv or "")
            self._check(status)
        elif qid == "supplier":
            self.fill(data, self._supplier_value)
            self._check(status)
        elif qid == "more suppliers":
            count = len(a.get("suppliers") or [])
            self.s.run(f"suppliers.there_is_another = {count} > len(suppliers.elements)")
        elif qid == "signed on":
            assert self.track_on is not None
            self.set_date("signed_on", self.track_on)
        else:
            raise AssertionError(f"the test does not know how to answer screen {qid!r}")

    def _check(self, status: Any) -> None:
        problem = self.s.validate(status)
        assert problem is None, f"{question_id(status)}: the screen refused {problem}"

    def _party_value(self, name: str) -> Any:
        m = re.match(r"(buyer|monitor|worker_orgs\[(\d+)\])\.(\w+)$", name)
        assert m, name
        role = {"buyer": "buyer", "monitor": "monitor"}.get(m.group(1), "worker_organization")
        return self.party(role, int(m.group(2) or 0)).get(m.group(3), "")

    def _supplier_value(self, name: str) -> Any:
        m = re.match(r"suppliers\[(\d+)\]\.(\w+)$", name)
        assert m, name
        return self.answers["suppliers"][int(m.group(1))][m.group(2)]

    @staticmethod
    def _clause_value(cid: str, name: str, given: dict[str, Any]) -> Any:
        m = re.match(r"clause_values\['\w+'\]\['(\w+)'\]$", name)
        assert m, name
        value = given.get(m.group(1))
        if isinstance(value, list):  # a list variable is typed as rows on its screen
            from docassemble.wsrengine.helpers import library

            from clauses.interview import list_to_rows

            return list_to_rows(library().get(cid).variables[m.group(1)], value)
        return value


def load_answers(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
