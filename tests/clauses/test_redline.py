from __future__ import annotations

import functools
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clauses import assemble, load_library, parse_answers
from clauses._agreement import seal
from clauses.render.docx import render_docx
from clauses.render.redline import align_paragraphs, render_redline, tokens, word_diff
from tests.clauses.docx_reading import (
    W,
    accepted_texts,
    document_xml,
    part_xml,
    plain_texts,
    rejected_texts,
)
from tests.clauses.render_fixtures import negotiated_agreement, standard_agreement

WHEN = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)


# -- pure diffing ---------------------------------------------------------------------------


def test_word_diff_replaces_the_changed_word_only():
    assert word_diff("within 31 days after", "within 45 days after") == [
        ("equal", "within "),
        ("delete", "31 "),
        ("insert", "45 "),
        ("equal", "days after"),
    ]


def test_tokens_split_punctuation():
    assert tokens("pays 97%, within 7 days.") == [
        "pays ",
        "97%",
        ", ",
        "within ",
        "7 ",
        "days",
        ".",
    ]


@pytest.mark.parametrize(
    ("text", "atom"),
    [
        ("a fee of USD 37,500.00; and", "USD 37,500.00"),
        ("at most $500,000.", "$500,000"),
        ("Section 3.2 applies", "3.2 "),
        ("a rate of 0.015 per lb", "0.015 "),
        ("from 5 January 2026 on", "5 January 2026 "),
        ("from January 5, 2026 on", "January 5, 2026 "),
        ("on 2026-01-05.", "2026-01-05"),
        ("within one hundred and eighty (180) days", "one hundred and eighty (180) "),
        ("within forty-five (45) days", "forty-five (45) "),
        ("the non-renewal notice", "non-renewal "),
    ],
)
def test_amounts_dates_numbers_and_words_are_one_token_each(text, atom):
    assert atom in tokens(text)
    assert "".join(tokens(text)) == text


def test_a_changed_amount_is_replaced_whole():
    assert word_diff(
        "an annual fee of USD 37,500.00; and", "an annual fee of USD 60,000.00; and"
    ) == [
        ("equal", "an annual fee of "),
        ("delete", "USD 37,500.00"),
        ("insert", "USD 60,000.00"),
        ("equal", "; and"),
    ]


def test_punctuation_between_two_changes_joins_them():
    assert word_diff("within 31 days, by mail", "within 45 business days, by e-mail") == [
        ("equal", "within "),
        ("delete", "31 "),
        ("insert", "45 business "),
        ("equal", "days, by "),
        ("delete", "mail"),
        ("insert", "e-mail"),
    ]
    # "(" and ")" alone between two changed words are not worth a separate unchanged run
    assert word_diff("(a) old (b)", "(c) new (d)") == [
        ("equal", "("),
        ("delete", "a) old (b"),
        ("insert", "c) new (d"),
        ("equal", ")"),
    ]


# Independent of the tokeniser: what counts as one amount, date or digit sequence in a view.
_ATOM_CHECK = re.compile(
    r"(?:[A-Z]{3} ?|\$)\d+(?:,\d{3})*(?:\.\d+)?"
    r"|\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December) \d{4}"
    r"|\d{4}-\d{2}-\d{2}"
    r"|\d+(?:[.,]\d+)*"
)


def split_atoms(pieces, view_ops):
    """Amounts, dates and digit sequences of one view (old or new) that a piece boundary cuts."""
    view, bounds, at = [], [], 0
    for op, text in pieces:
        if op in view_ops:
            view.append(text)
            at += len(text)
            bounds.append(at)
    text = "".join(view)
    cuts = set(bounds[:-1])
    return [
        m.group(0) for m in _ATOM_CHECK.finditer(text) if cuts & set(range(m.start() + 1, m.end()))
    ]


_amounts = st.builds(
    lambda cur, n, cents: f"{cur} {n:,}.{cents:02d}",
    st.sampled_from(["USD", "EUR", "BDT"]),
    st.integers(0, 10**9),
    st.integers(0, 99),
)
_dates = st.dates().map(lambda d: f"{d.day} {d.strftime('%B')} {d.year}") | st.dates().map(
    lambda d: d.isoformat()
)
_figures = st.integers(0, 10**7).map(lambda n: f"{n:,}") | st.decimals(
    0, 1000, places=3, allow_nan=False
).map(str)
_sections = st.lists(st.integers(1, 30), min_size=1, max_size=3).map(
    lambda xs: ".".join(map(str, xs))
)
_fills = st.fixed_dictionaries(
    {"amount": _amounts, "date": _dates, "n": _figures, "sec": _sections, "pct": _figures}
)
_CLAUSE_TEXTS = [
    "The Buyer shall pay {amount} within {n} days after {date}, as Section {sec} provides.",
    "An annual fee of {amount}; and (c) a Declared Volume above {amount}: {pct}% of {n}.",
    "From {date} to {date} the rate is {n} per lb ({pct}%), under Sections {sec} and {sec}.",
    "{amount}{n}{date}",
]


@given(
    st.sampled_from(_CLAUSE_TEXTS),
    st.lists(_fills, min_size=4, max_size=4),
    st.lists(_fills, min_size=4, max_size=4),
)
def test_no_amount_date_or_digit_sequence_is_ever_split(template, old_fills, new_fills):
    def fill(fills):
        out, k = template, 0
        while "{" in out:
            slot = out[out.index("{") + 1 : out.index("}")]
            out = out.replace("{" + slot + "}", fills[k % 4][slot], 1)
            k += 1
        return out

    old, new = fill(old_fills), fill(new_fills)
    pieces = word_diff(old, new)
    assert "".join(t for op, t in pieces if op != "insert") == old  # rejecting all: the standard
    assert "".join(t for op, t in pieces if op != "delete") == new  # accepting all: the agreement
    assert split_atoms(pieces, ("equal", "delete")) == []
    assert split_atoms(pieces, ("equal", "insert")) == []


texts = st.text(alphabet=st.sampled_from(list("ab c.,\u00e9")), max_size=40)


@given(texts, texts)
def test_word_diff_round_trips(old, new):
    pieces = word_diff(old, new)
    assert "".join(t for op, t in pieces if op != "insert") == old
    assert "".join(t for op, t in pieces if op != "delete") == new


def test_align_paragraphs():
    old = ["A one.", "B two.", "C three."]
    new = ["A one.", "B 2.", "New.", "C three."]
    assert align_paragraphs(old, new) == [
        ("equal", "A one.", "A one."),
        ("changed", "B two.", "B 2."),
        ("inserted", "", "New."),
        ("equal", "C three.", "C three."),
    ]
    assert align_paragraphs(["x", "y"], ["x"]) == [("equal", "x", "x"), ("deleted", "y", "")]


# -- the redline document ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair():
    return negotiated_agreement(), standard_agreement()


@pytest.fixture(scope="module")
def redline(pair, tmp_path_factory):
    agreement, standard = pair
    return render_redline(agreement, standard, tmp_path_factory.mktemp("red") / "r.docx", now=WHEN)


def _marks(root, tag):
    return list(root.iter(f"{W}{tag}"))


def test_revision_marks_are_real_word_revisions(redline):
    root = document_xml(redline)
    ins, dele = _marks(root, "ins"), _marks(root, "del")
    assert ins and dele
    ids = [m.get(f"{W}id") for m in ins + dele]
    assert len(ids) == len(set(ids)), "revision ids must be unique"
    for m in ins + dele:
        assert m.get(f"{W}author") == "WSR engine"
        assert m.get(f"{W}date") == "2026-01-02T09:30:00Z"
    # deleted words are in w:delText inside w:del; inserted ones in w:t inside w:ins
    deleted = ["".join(t.text for t in m.iter(f"{W}delText")) for m in dele]
    inserted = ["".join(t.text for t in m.iter(f"{W}t")) for m in ins]
    assert "31 " in deleted and "45 " in inserted
    assert not any(m.iter(f"{W}t") for m in dele if list(m.iter(f"{W}t")))


def test_word_level_change_inside_a_kept_paragraph(redline):
    root = document_xml(redline)
    for p in root.iter(f"{W}p"):
        text = "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}delText"))
        if "weekly period within" in text:
            assert (
                p.find(f"{W}pPr/{W}rPr/{W}ins") is None and p.find(f"{W}pPr/{W}rPr/{W}del") is None
            )
            kids = [c.tag.split("}")[1] for c in p if c.tag != f"{W}pPr"]
            assert kids == ["r", "del", "ins", "r"]
            break
    else:
        pytest.fail("premium payment paragraph not found")


def test_whole_paragraphs_and_sections(redline):
    root = document_xml(redline)
    deleted_paras, inserted_paras = [], []
    for p in root.iter(f"{W}p"):
        text = "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}delText"))
        if p.find(f"{W}pPr/{W}rPr/{W}del") is not None:
            deleted_paras.append(text)
            assert not list(p.iter(f"{W}t")), "a deleted paragraph has only delText"
        if p.find(f"{W}pPr/{W}rPr/{W}ins") is not None:
            inserted_paras.append(text)
            runs = list(p.iter(f"{W}r"))
            assert all(r.getparent().tag == f"{W}ins" for r in runs)
    assert deleted_paras == [
        "Complaints",
        "Any worker may complain to the Monitor, in person, by telephone or in writing, without "
        "giving a name.",
        "The Monitor starts an investigation within 14 days after a complaint is filed.",
    ]
    assert inserted_paras == [
        "The Buyer may pay the premium through an agent it names in writing.",
        "Worker Education",
        "The Monitor runs education sessions for workers on company time, paid at their usual "
        "rate.",
    ]


def _body_of(texts):
    # drop the title block (the redline's subtitle names the standard) and the record line
    return texts[2:]


def test_accepting_all_gives_the_agreement_and_rejecting_all_gives_the_standard(
    redline, pair, tmp_path
):
    agreement, standard = pair
    agreement_docx = render_docx(agreement, tmp_path / "a.docx")
    standard_docx = render_docx(standard, tmp_path / "s.docx")
    accepted = _body_of(accepted_texts(redline))
    rejected = _body_of(rejected_texts(redline))
    assert accepted == _body_of(plain_texts(agreement_docx))
    standard_texts = _body_of(plain_texts(standard_docx))
    # everything but the record line (which names the agreement, not the standard) matches
    assert rejected[:-1] == standard_texts[:-1]


def test_same_styles_and_numbering_as_the_agreement(redline):
    styles = part_xml(redline, "word/styles.xml")
    assert 'w:styleId="WSRSectionHeading"' in styles and 'w:styleId="WSRClause"' in styles
    assert "<w:trackRevisions/>" in part_xml(redline, "word/settings.xml")


def test_identical_versions_give_no_revisions(tmp_path):
    std = standard_agreement()
    out = render_redline(std, std, tmp_path / "same.docx", now=WHEN)
    root = document_xml(out)
    assert _marks(root, "ins") == [] and _marks(root, "del") == []


def test_naive_time_is_refused(pair, tmp_path):
    with pytest.raises(ValueError, match="timezone-aware"):
        render_redline(*pair, tmp_path / "x.docx", now=datetime(2026, 1, 2))


def _to_fodt(docx, tmp_path):
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "fodt",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (tmp_path / f"{docx.stem}.fodt").read_text(encoding="utf-8")


def _regions(fodt):
    regions = re.findall(
        r'<text:changed-region xml:id="[^"]*" text:id="([^"]*)">(.*?)</text:changed-region>',
        fodt,
        flags=re.S,
    )
    assert regions
    return regions


def _changes(fodt):
    """LibreOffice's own reading: the text of every insertion and deletion it found."""

    def marked_text(change_id):
        # LibreOffice keeps the changed text in the body between change-start and change-end
        m = re.search(
            rf'<text:change-start text:change-id="{change_id}"/>(.*?)'
            rf'<text:change-end text:change-id="{change_id}"/>',
            fodt,
            flags=re.S,
        )
        assert m, change_id
        return re.sub(r"<[^>]+>", "", m.group(1))

    regions = _regions(fodt)
    return {
        kind: " | ".join(marked_text(cid) for cid, body in regions if f"<text:{kind}>" in body)
        for kind in ("insertion", "deletion")
    }


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_recognises_the_tracked_changes(redline, tmp_path):
    fodt = _to_fodt(redline, tmp_path)
    assert all("<dc:creator>WSR engine</dc:creator>" in body for _, body in _regions(fodt))
    changes = _changes(fodt)
    assert "31" in changes["deletion"] and "Complaints" in changes["deletion"]
    assert "45" in changes["insertion"] and "Worker Education" in changes["insertion"]
    assert "agent it names in writing" in changes["insertion"]


# -- a redline drafted from the shipped library: amounts, fee table, alternatives ------------

ACCORD = Path(__file__).resolve().parents[2] / "examples" / "accord-garment-safety.yaml"


@pytest.fixture(scope="module")
def accord_pair():
    lib = load_library()
    data = yaml.safe_load(ACCORD.read_text(encoding="utf-8"))
    data["clauses"]["monitoring_fees"]["tiers"][3]["fee"] = 60000  # was USD 37,500.00
    data["clauses"]["monitoring_fees"]["tiers"][5]["fee"] = 187500  # was USD 175,000.00
    answers = parse_answers(data, lib)
    return assemble(answers, lib), assemble(answers.as_standard(lib), lib)


@pytest.fixture(scope="module")
def accord_redline(accord_pair, tmp_path_factory):
    agreement, standard = accord_pair
    out = tmp_path_factory.mktemp("accord") / "accord.redline.docx"
    return render_redline(agreement, standard, out, now=WHEN)


def _labelled_views(path):
    """Per paragraph: the accepted and the rejected text, each char labelled with the revision
    (w:ins / w:del id) it sits in, or None outside any revision."""
    views = []
    for p in document_xml(path).iter(f"{W}p"):
        accepted, rejected = [], []
        for el in p.iter(f"{W}t", f"{W}delText"):
            wrapper = el.getparent().getparent()
            kind = wrapper.tag.removeprefix(W) if wrapper.tag in (f"{W}ins", f"{W}del") else None
            label = (kind, wrapper.get(f"{W}id")) if kind else None
            chars = [(ch, label) for ch in el.text or ""]
            if kind != "del":
                accepted += chars
            if kind != "ins":
                rejected += chars
        views += [accepted, rejected]
    return views


def split_by_a_change(path):
    """Every amount, date or digit sequence whose characters lie in more than one run of
    revision (or half in a revision, half outside)."""
    found = []
    for view in _labelled_views(path):
        text = "".join(ch for ch, _ in view)
        for m in _ATOM_CHECK.finditer(text):
            labels = {view[i][1] for i in range(m.start(), m.end())}
            if len(labels) > 1:
                found.append(m.group(0))
    return found


def test_no_digit_sequence_is_split_by_a_tracked_change(accord_redline, redline):
    assert split_by_a_change(accord_redline) == []
    assert split_by_a_change(redline) == []
    root = document_xml(accord_redline)
    deleted = ["".join(t.text for t in m.iter(f"{W}delText")) for m in _marks(root, "del")]
    inserted = ["".join(t.text for t in m.iter(f"{W}t")) for m in _marks(root, "ins")]
    assert "USD 37,500.00" in deleted and "USD 60,000.00" in inserted
    assert "USD 175,000.00" in deleted and "USD 187,500.00" in inserted


def test_the_split_check_catches_a_number_cut_by_a_change(tmp_path):
    std = standard_agreement()
    body = std.model_dump(mode="json")
    body["sections"][1]["paragraphs"][0]["text"] = body["sections"][1]["paragraphs"][0][
        "text"
    ].replace("USD 0.01", "USD 0.05")
    out = render_redline(seal(body), std, tmp_path / "r.docx", now=WHEN)
    assert split_by_a_change(out) == []
    # cut "0.05" in two by hand: the check must see it
    xml = part_xml(out, "word/document.xml").replace(
        ">USD 0.05 </w:t></w:r></w:ins>",
        '>USD 0.0</w:t></w:r></w:ins><w:r><w:t xml:space="preserve">5 </w:t></w:r>',
    )
    assert xml != part_xml(out, "word/document.xml")
    cut = tmp_path / "cut.docx"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(cut, "w") as dst:
        for item in src.infolist():
            data = xml.encode() if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, data)
    assert split_by_a_change(cut) == ["USD 0.05"]


def test_revision_marks_are_well_formed(accord_redline):
    root = document_xml(accord_redline)
    marks = _marks(root, "ins") + _marks(root, "del")
    assert marks
    ids = [m.get(f"{W}id") for m in marks]
    assert len(ids) == len(set(ids))
    for m in marks:
        kind = m.tag.removeprefix(W)
        assert m.get(f"{W}author") and m.get(f"{W}date") == "2026-01-02T09:30:00Z"
        parent = m.getparent().tag
        if parent == f"{W}rPr":  # a paragraph mark: empty, inside w:pPr/w:rPr
            assert m.getparent().getparent().tag == f"{W}pPr" and len(m) == 0
            continue
        assert parent == f"{W}p", "a run revision sits directly in its paragraph"
        assert len(m) > 0 and all(child.tag == f"{W}r" for child in m)
        assert not list(m.iterdescendants(f"{W}ins", f"{W}del")), "revisions never nest"
        texts = [t.tag for r in m for t in r if t.tag in (f"{W}t", f"{W}delText")]
        assert texts and set(texts) == {f"{W}delText" if kind == "del" else f"{W}t"}


def test_accepting_gives_the_agreement_and_rejecting_gives_the_standard_from_the_library(
    accord_redline, accord_pair, tmp_path
):
    agreement, standard = accord_pair
    accepted = _body_of(accepted_texts(accord_redline))
    rejected = _body_of(rejected_texts(accord_redline))
    assert accepted == _body_of(plain_texts(render_docx(agreement, tmp_path / "a.docx")))
    standard_texts = _body_of(plain_texts(render_docx(standard, tmp_path / "s.docx")))
    assert rejected[:-1] == standard_texts[:-1]  # the record line names the agreement


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_shows_whole_amounts_as_changes(accord_redline, tmp_path):
    fodt = _to_fodt(accord_redline, tmp_path)
    changes = _changes(fodt)
    assert "USD 37,500.00" in changes["deletion"] and "USD 60,000.00" in changes["insertion"]
    assert not any(re.fullmatch(r"[\d,.]+", piece) for piece in changes["deletion"].split(" | ")), (
        "no change is a bare fragment of a number"
    )


def _system_python_has_uno():
    if shutil.which("soffice") is None or not Path("/usr/bin/python3").exists():
        return False
    probe = subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


def _numbered_lines(pdf):
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@pytest.mark.libreoffice
@pytest.mark.skipif(
    not _system_python_has_uno(), reason="LibreOffice with its UNO bridge (python3-uno) needed"
)
def test_in_libreoffice_accept_all_gives_the_agreement_and_reject_all_the_standard(
    accord_redline, accord_pair, tmp_path
):
    """LibreOffice itself accepts / rejects every change, saves, reopens: every paragraph is
    there with its own number (the bracketed "[7.1]" it shows beside a paragraph holding a
    deletion, while changes are shown, is its display only)."""
    helper = Path(__file__).with_name("lo_accept_reject.py")
    subprocess.run(
        ["/usr/bin/python3", str(helper), str(accord_redline), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    agreement, standard = accord_pair
    for view, record in (("accepted", agreement), ("rejected", standard)):
        lines = _numbered_lines(tmp_path / f"{view}.pdf")
        assert not [line for line in lines if re.match(r"\[?\d+(\.\d+)*\]", line)], view
        for section in record.sections:
            for p in section.paragraphs:
                start = f"{p.number} {' '.join(p.text.split()[:6])}"
                assert any(line.startswith(start) for line in lines), (view, start)
    shown = _numbered_lines(tmp_path / "shown.pdf")
    # struck, then inserted, side by side
    assert re.search(r"USD 37,500.00 ?USD 60,000.00", " ".join(shown))


@functools.cache
def _library_paragraphs():
    """Every paragraph of the example agreements that holds an amount, a date or a number."""
    lib = load_library()
    out = []
    for example in sorted(ACCORD.parent.glob("*.yaml")):
        agreement = assemble(parse_answers(example, lib), lib)
        out += [
            p.text for s in agreement.sections for p in s.paragraphs if re.search(r"\d", p.text)
        ]
    return tuple(out)


_SUBSTITUTES = {
    "amount": _amounts,
    "date": _dates,
    "figure": _figures | _sections,
}


def _kind(atom):
    if re.match(r"[A-Z]{3} ?\d|\$", atom):
        return "amount"
    if re.search(r"[A-Za-z]", atom) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", atom):
        return "date"
    return "figure"


@settings(deadline=None)  # the first example drafts the example agreements
@given(st.data())
def test_no_number_is_split_in_real_clause_texts_with_random_substitutions(data):
    old = data.draw(st.sampled_from(_library_paragraphs()))
    pieces, at = [], 0
    for m in _ATOM_CHECK.finditer(old):
        pieces.append(old[at : m.start()])
        keep = data.draw(st.booleans())
        pieces.append(m.group(0) if keep else data.draw(_SUBSTITUTES[_kind(m.group(0))]))
        at = m.end()
    new = "".join(pieces) + old[at:]
    diff = word_diff(old, new)
    assert "".join(t for op, t in diff if op != "insert") == old
    assert "".join(t for op, t in diff if op != "delete") == new
    assert split_atoms(diff, ("equal", "delete")) == []
    assert split_atoms(diff, ("equal", "insert")) == []
