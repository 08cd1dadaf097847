"""documents.handouts: handout files, their errors (file, line, key), builds to tex, md, pdf."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import require_tool, tex_missing_reason

import derive.documents.pdf
from derive.api import prove
from derive.calculus.proof import Derivation
from derive.documents.document import DEFINITIONS
from derive.documents.handouts import build as ho
from derive.documents.handouts import outputs
from derive.documents.handouts.locate import Locator
from derive.documents.printer import latex, unicode
from derive.errors import BuildError, HandoutError

# A one-item handout that derives in milliseconds: the build tests use it where the content
# does not matter.
SMALL = """\
title = "Small"

[[section]]
title = "Forms"

[[section.item]]
identity = "linear_form"
"""


# The build stamp covers derive's own code. Other work on the code between two builds of one test
# is a real change; a frozen digest keeps such tests about the handout alone.
frozen_digest = functools.cache(outputs._tree_digest)


def write(tmp_path: Path, text: str, name: str = "course.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> ho.HandoutFileError:
    """Load and derive ``path``; return the error it must raise."""
    with pytest.raises(ho.HandoutFileError) as caught:
        ho.derive_handout(ho.load_handout(path), prove=prove)
    return caught.value


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --- errors name the file, the line and the key -----------------------------------------------

ITEM = '[[section]]\ntitle = "S"\n\n[[section.item]]\n'

BAD_FILES = [
    # (id, file text, line, key, part of the message)
    ("toml-syntax", 'title = "T"\nlayout = mixed\n', 2, "layout", "invalid TOML"),
    ("toml-unterminated", 'title = "T"\n\n' + ITEM + 'expr = "x\' x\n', 7, "expr",
     "invalid TOML"),
    ("toml-duplicate-key", ITEM + 'expr = "x\' x"\nexpr = "x"\n', 6, "expr", "invalid TOML"),
    ("unknown-top-key", 'titel = "T"\n' + ITEM + 'identity = "trace"\n', 1, "titel",
     "did you mean 'title'"),
    ("unknown-item-key", ITEM + 'identity = "trace"\ncolour = "red"\n', 6,
     "section[1].item[1].colour", "unknown key 'colour'"),
    ("unknown-section-key", '[[section]]\ntitle = "S"\nintroduction = "x"\n', 3,
     "section[1].introduction", "did you mean 'intro'"),
    ("wrong-type", ITEM + 'expr = "x\' x"\nwrt = "x"\nhessian = "yes"\n', 7,
     "section[1].item[1].hessian", "must be true or false, not a string"),
    ("wrong-type-top", 'solutions = 1\n' + ITEM + 'identity = "trace"\n', 1, "solutions",
     'must be true, false or "results", not 1'),
    ("unknown-layout", 'layout = "sideways"\n' + ITEM + 'identity = "trace"\n', 1, "layout",
     "one of mixed, numerator, denominator"),
    ("bad-name", 'name = "my course"\n' + ITEM + 'identity = "trace"\n', 1, "name",
     "letters, digits"),
    ("no-sections", 'title = "T"\n', 1, "section", "at least one [[section]]"),
    ("section-without-title", '[[section]]\nintro = "x"\n', 1, "section[1]", "needs a title"),
    ("unknown-identity", ITEM + 'identity = "quadratic_from"\n', 5,
     "section[1].item[1].identity", "did you mean quadratic_form"),
    ("bad-expression", ITEM + 'expr = "x\' A x)"\nwrt = "x"\n', 5, "section[1].item[1].expr",
     "found ')'"),
    ("unsupported", ITEM + 'expr = "vec(x)"\nwrt = "x"\n', 5, "section[1].item[1].expr",
     "not supported"),
    ("shape-error", ITEM + 'expr = "y\' A x"\nwrt = "x"\ndeclare = ["A: m x n", "y: n"]\n', 5,
     "section[1].item[1].expr", "cannot multiply y' (1 x n) by A (m x n)"),
    ("bad-wrt", ITEM + 'expr = "x\' x"\nwrt = "x y"\n', 6, "section[1].item[1].wrt",
     "single symbol"),
    ("missing-wrt", ITEM + 'expr = "x\' x"\n', 5, "section[1].item[1].expr", "needs 'wrt'"),
    ("bad-declaration", ITEM + 'expr = "x\' x"\nwrt = "x"\ndeclare = ["x: m x x x"]\n', 7,
     "section[1].item[1].declare", "cannot read the shape"),
    ("bad-symbol", '[symbols]\nA = "m x n"\nB = "m x x x"\n\n' + ITEM + 'identity = "trace"\n',
     3, "symbols.B", "cannot read the shape"),
    ("two-kinds", ITEM + 'identity = "trace"\nexpr = "x\' x"\n', 4, "section[1].item[1]",
     "exactly one of"),
    ("no-kind", ITEM + 'title = "Nothing"\n', 4, "section[1].item[1]", "exactly one of"),
    ("key-of-other-kind", ITEM + 'identity = "trace"\nhessian = true\n', 6,
     "section[1].item[1].hessian", "cannot be used with 'identity'"),
    ("unknown-definition", ITEM + 'definition = "laplacian"\n', 5,
     "section[1].item[1].definition", "one of layouts, jacobian"),
    (
        "after-multiline-string",
        '[[section]]\ntitle = "S"\nintro = """\nexpr = "not a key"\n[[section.item]]\n"""\n\n'
        '[[section.item]]\nidentity = "trace"\n\n[[section.item]]\nexpr = "x\' A x)"\nwrt = "x"\n',
        12, "section[1].item[2].expr", "found ')'",
    ),
    (
        "second-section",
        ITEM + 'identity = "trace"\n\n[[section]]\ntitle = "T"\n\n[[section.item]]\n'
        'identity = "trace"\n\n[[section.item]]\nidentity = "nope_nope"\n',
        14, "section[2].item[2].identity", "unknown identity",
    ),
    (
        "after-multiline-array",
        ITEM + 'expr = "x\' x"\nwrt = "x"\ndeclare = [\n  "x: n",\n  "A: n x n",\n]\n\n'
        '[[section.item]]\nexpr = "x\' A x)"\nwrt = "x"\n',
        13, "section[1].item[2].expr", "found ')'",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "line", "key", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_handout_error_names_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, message: str
) -> None:
    path = write(tmp_path, text)
    error = problems_of(path)
    assert isinstance(error, HandoutError)
    assert (error.file, error.line, error.key) == (str(path), line, key)
    assert str(error).startswith(f"{path}:{line}: {key}: ")
    assert message in str(error)


def test_handout_reports_every_failing_item_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ITEM + 'identity = "nope"\n\n[[section.item]]\nidentity = "trace"\n\n'
        '[[section.item]]\nexpr = "x\' A x)"\nwrt = "x"\n',
    )
    error = problems_of(path)
    assert [(p.line, p.key) for p in error.problems] == [
        (5, "section[1].item[1].identity"),
        (11, "section[1].item[3].expr"),
    ]
    assert str(error).startswith(f"2 problems in {path}; nothing was built:")


def test_handout_engine_crash_names_the_item(tmp_path: Path) -> None:
    def crash(*args: object, **kwargs: object) -> Derivation:
        raise ZeroDivisionError("boom")

    path = write(tmp_path, ITEM + 'expr = "x\' x"\nwrt = "x"\n')
    with pytest.raises(ho.HandoutFileError) as caught:
        ho.derive_handout(ho.load_handout(path), prove=crash)
    error = caught.value
    assert (error.line, error.key) == (5, "section[1].item[1].expr")
    assert "internal error in derive (ZeroDivisionError: boom)" in str(error)


def test_handout_unreadable_file_is_a_handout_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00title")
    with pytest.raises(ho.HandoutFileError, match="cannot read the file"):
        ho.load_handout(path)


def test_handout_failed_item_builds_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL + '\n[[section.item]]\nexpr = "x\' A x)"\nwrt = "x"\n')
    with pytest.raises(ho.HandoutFileError):
        ho.build_handout(path, ("tex", "md"), tmp_path / "out", prove=prove)
    assert files_in(tmp_path / "out") == {}


# --- reading ------------------------------------------------------------------------------------


def test_handout_reads_every_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'name = "week-3"\ntitle = "Week 3"\nauthor = "A. Lecturer"\ncourse = "Calculus"\n'
        'date = "Spring"\nlayout = "numerator"\nsolutions = false\nverify = false\n'
        'answer_key = true\ndeclare = "A: m x n"\n\n[symbols]\nx = "n, depends on z"\n\n'
        '[[section]]\ntitle = "S"\nintro = "Intro."\n\n[[section.item]]\nexpr = "A x"\n'
        'wrt = "z"\ntitle = "Chain"\nnote = "Note."\nsource = "note 000"\n\n'
        '[[section.item]]\ndefinition = "hessian"\n',
    )
    spec = ho.load_handout(path)
    assert (spec.name, spec.title, spec.author, spec.course, spec.date) == (
        "week-3", "Week 3", "A. Lecturer", "Calculus", "Spring",
    )  # fmt: skip
    assert (spec.layout, spec.solutions, spec.verify, spec.answer_key) == (
        "numerator", False, False, True,
    )  # fmt: skip
    assert spec.declare == ("A: m x n", "x: n, depends on z")
    handout = ho.derive_handout(spec, prove=prove)
    chain, hessian = handout.sections[0].items
    assert (chain.title, chain.note, chain.source) == ("Chain", "Note.", "note 000")
    assert chain.derivation is not None and chain.derivation.layout == "numerator"
    assert chain.derivation.verification is None  # verify = false
    assert unicode(chain.derivation.result.rhs, list(chain.derivation.symbols)) == "A (∂x/∂z)"
    assert (hessian.definition, hessian.title) == ("hessian", "The Hessian")
    assert handout.solutions is False and handout.layout == "numerator"


def test_handout_defaults_come_from_the_file_and_catalog(tmp_path: Path) -> None:
    spec = ho.load_handout(write(tmp_path, SMALL, "my notes.toml"))
    assert (spec.name, spec.layout, spec.solutions, spec.verify) == (
        "my-notes",
        "mixed",
        True,
        True,
    )
    item = ho.derive_handout(spec, prove=prove).sections[0].items[0]
    assert (item.title, item.source) == (
        "Gradient of a linear form",
        "note 002; Matrix Cookbook (69)",
    )
    assert item.derivation is not None and item.derivation.proven


def test_handout_declarations_apply_to_expressions_not_to_catalog_identities(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        '[symbols]\nA = "m x n"\n\n' + ITEM + 'identity = "quadratic_form"\n\n'
        '[[section.item]]\nexpr = "y\' A x"\nwrt = "x"\n',
    )
    handout = ho.derive_handout(ho.load_handout(path), prove=prove)
    catalog_item, expr_item = handout.sections[0].items
    assert catalog_item.derivation is not None and expr_item.derivation is not None
    assert str(catalog_item.derivation.symbols["A"].shape) == "n x n"
    assert str(expr_item.derivation.symbols["A"].shape) == "m x n"


def test_default_handout_covers_both_notes_in_order() -> None:
    spec = ho.load_handout(None)
    assert spec.file == "default.toml (built-in)"
    assert spec.layout == "mixed"
    titles = [section.title for section in spec.sections]
    expected = [
        "Notation and layouts", "The Jacobian, the gradient and the Hessian",
        "Linear maps and the chain rule", "Bilinear and quadratic forms",
        "Product rules through dependencies", "Least squares",
        "Derivatives by a matrix and the trace",
    ]  # fmt: skip
    assert titles[: len(expected)] == expected
    from derive.catalog import identities as catalog
    # A Hessian item proves and shows the gradient of the same function on the way.
    def problem(identity: catalog.CatalogEntry) -> tuple[str, str, tuple[str, ...]]:
        return identity.expr, identity.wrt, identity.declare

    used = [catalog.get(i.identity) for s in spec.sections for i in s.items if i.identity]
    shown = {problem(i) for i in used} | {(*problem(i), i.hessian) for i in used}
    # an expression item (least squares through w = y - A x) shows the same identity
    exprs = [(i.expr.replace("' (", "'("), i.wrt, i.declare, i.hessian)
             for s in spec.sections for i in s.items if i.expr]  # fmt: skip
    shown |= {e[:3] for e in exprs} | set(exprs)
    # note 002's x^2 + y^2, written with two scalars as the note has it (not as x' x)
    labels = {i.label for s in spec.sections for i in s.items if i.expr}
    for identity in catalog.all_identities():
        if "note 0" in identity.source:
            key = (*problem(identity), True) if identity.hessian else problem(identity)
            assert key in shown or identity.name in labels, identity.name
    definitions = {item.definition for s in spec.sections for item in s.items}
    assert set(DEFINITIONS) <= definitions


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        ('a = 1\n[b]\nc = 2\n"d e" = 3\n', ("b", "d e"), 4),
        ("[[x]]\n[[x]]\n[x.y]\nz = 1\n", ("x", 1, "y", "z"), 4),
        ('p.q = 1\n[r]\ns = [\n  "[t]",\n]\nu = 1\n', ("r", "u"), 6),
        ("[[x]]\n[[x.y]]\n[[x]]\n[[x.y]]\n[[x.y]]\nk = 1\n", ("x", 1, "y", 1, "k"), 6),
        ("a = 1\n", ("missing", "key"), 1),
        ('s = """\nk = 1\n"""\nk = 2\n', ("k",), 4),
        # brackets in a comment open no array: k is still found on its own line
        ("a = [1]  # see [2\nk = 1\n", ("k",), 2),
        ('a = [  # ] closes nothing\n  1,\n]\nk = 1\n', ("k",), 4),
        ('a = "#["\nk = 1\n', ("k",), 2),
    ],
    ids=["quoted-key", "array-of-tables", "array-value", "nested-arrays", "fallback", "string",
         "comment-opens", "comment-closes", "hash-in-string"],
)
def test_locator_finds_the_line_of_a_key(text: str, path: tuple[str | int, ...], line: int) -> None:
    assert Locator(text).line(path) == line


# --- builds without TeX ---------------------------------------------------------------------


def test_build_writes_tex_and_md_atomically(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    written = ho.build_handout(path, ("tex", "md"), tmp_path / "out", prove=prove)
    folder = tmp_path / "out" / "course"
    assert written == [folder / "course.tex", folder / "course.md"]
    assert "\\section{Forms}" in (folder / "course.tex").read_text(encoding="utf-8")
    assert sorted(files_in(folder)) == [".derive-stamp.json", "course.md", "course.tex"]


def test_build_unwritable_output_is_a_build_error(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "course").write_text("a file where the folder belongs", encoding="utf-8")
    with pytest.raises(BuildError, match="cannot write the outputs in"):
        ho.build_handout(write(tmp_path, SMALL), ("md",), tmp_path / "out", prove=prove)


@pytest.mark.parametrize(
    "formats", [(), ("pdf", "docx"), ("docx",)], ids=["empty", "one-unknown", "unknown"]
)
def test_build_rejects_unknown_formats(tmp_path: Path, formats: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="formats must be some of pdf, tex, md"):
        ho.build_handout(write(tmp_path, SMALL), formats, tmp_path / "out", prove=prove)


def test_build_without_latexmk_fails_before_deriving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(derive.documents.pdf, "latexmk_available", lambda: False)
    monkeypatch.setattr(ho, "derive_handout", _must_not_run("derive_handout"))
    with pytest.raises(BuildError, match="apt-get install latexmk"):
        ho.build_handout(write(tmp_path, SMALL), ("pdf",), tmp_path / "out", prove=prove)
    assert files_in(tmp_path / "out") == {}


def test_build_exercise_sheet_with_answer_key(tmp_path: Path) -> None:
    path = write(tmp_path, "solutions = false\nanswer_key = true\n" + SMALL, "sheet.toml")
    written = ho.build_handout(path, ("md",), tmp_path / "out", prove=prove)
    folder = tmp_path / "out" / "sheet"
    assert written == [folder / "sheet.md", folder / "sheet-solutions.md"]
    sheet = (folder / "sheet.md").read_text(encoding="utf-8")
    solutions = (folder / "sheet-solutions.md").read_text(encoding="utf-8")
    assert "Exercise 1" in sheet and "Exercise 1" in solutions
    assert "boxed" not in sheet and "boxed" in solutions
    assert "Small (solutions)" in solutions
    assert "sum out" in solutions and "sum out" not in sheet


def test_build_answer_key_option_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "solutions = false\n" + SMALL, "sheet.toml")
    assert len(ho.build_handout(path, ("md",), tmp_path / "a", prove=prove)) == 1
    written = ho.build_handout(path, ("md",), tmp_path / "b", answer_key=True, prove=prove)
    assert [p.name for p in written] == ["sheet.md", "sheet-solutions.md"]


def _must_not_run(name: str) -> Callable[..., object]:
    def fail(*args: object, **kwargs: object) -> object:
        raise AssertionError(f"{name} must not run")

    return fail


def _interrupt(*args: object, **kwargs: object) -> Path:
    raise KeyboardInterrupt


def test_build_interrupted_leaves_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derive.documents.pdf, "latexmk_available", lambda: True)
    monkeypatch.setattr(derive.documents.pdf, "compile_pdf", _interrupt)
    path = write(tmp_path, SMALL)
    with pytest.raises(KeyboardInterrupt):
        ho.build_handout(path, ("pdf", "tex", "md"), tmp_path / "out", prove=prove)
    assert files_in(tmp_path / "out") == {}
    assert not (tmp_path / "out" / "course").exists()


def test_build_interrupted_keeps_the_previous_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, SMALL)
    ho.build_handout(path, ("tex", "md"), tmp_path / "out", prove=prove)
    before = files_in(tmp_path / "out")
    path.write_text(SMALL.replace('"Forms"', '"Changed"'), encoding="utf-8")
    monkeypatch.setattr(derive.documents.pdf, "latexmk_available", lambda: True)
    monkeypatch.setattr(derive.documents.pdf, "compile_pdf", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        ho.build_handout(path, ("pdf", "tex", "md"), tmp_path / "out", prove=prove)
    assert files_in(tmp_path / "out") == before


def test_build_noop_rebuild_derives_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs, "_tree_digest", frozen_digest)
    path = write(tmp_path, SMALL)
    first = ho.build_handout(path, ("tex", "md"), tmp_path / "out", prove=prove)
    before = files_in(tmp_path / "out")
    monkeypatch.setattr(ho, "derive_handout", _must_not_run("derive_handout"))
    seen: list[str] = []
    second = ho.build_handout(path, ("tex", "md"), tmp_path / "out", prove=prove,
                              progress=lambda stage, *_: seen.append(stage))  # fmt: skip
    assert second == first
    assert seen == ["unchanged"]
    assert files_in(tmp_path / "out") == before


def test_build_stamp_covers_derive_its_default_handout_and_its_built_in_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import derive.check.cache
    from derive.documents.render import find_templates

    spec = ho.load_handout(write(tmp_path, SMALL))
    key = outputs._input_key(spec, ("tex",), None)
    assert outputs._package_dir() == Path(derive.__file__).resolve().parent
    assert "handouts/default.toml" in {
        p.relative_to(outputs._package_dir()).as_posix() for p in outputs._files(
            outputs._package_dir())}  # fmt: skip
    real = outputs._templates_digest
    with monkeypatch.context() as patch:  # a built-in template edited
        patch.setattr(outputs, "_templates_digest",
                      lambda d: "edited" if d == find_templates() else real(d))
        assert outputs._input_key(spec, ("tex",), None) != key
    with monkeypatch.context() as patch:  # any module of derive edited (the engine's too)
        patch.setattr(derive.check.cache, "code_digest", lambda: "edited")
        assert outputs._input_key(spec, ("tex",), None) != key
    assert outputs._input_key(spec, ("tex",), None) == key


@pytest.mark.parametrize(
    "change",
    [
        lambda folder: (folder / "course.md").write_text("edited", encoding="utf-8"),
        lambda folder: (folder / "course.tex").unlink(),
        lambda folder: (folder / ".derive-stamp.json").write_text("{", encoding="utf-8"),
    ],
    ids=["output-edited", "output-deleted", "stamp-broken"],
)
def test_build_rebuilds_when_an_output_changed(
    tmp_path: Path, change: Callable[[Path], object]
) -> None:
    path = write(tmp_path, SMALL)
    ho.build_handout(path, ("tex", "md"), tmp_path / "out", prove=prove)
    before = files_in(tmp_path / "out")
    change(tmp_path / "out" / "course")
    ho.build_handout(path, ("tex", "md"), tmp_path / "out", prove=prove)
    assert files_in(tmp_path / "out") == before


# --- builds with TeX: the default handout, built once ------------------------------------------


@pytest.fixture(scope="session")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default handout built to pdf, tex and md once per session: its output folder."""
    require_tool(tex_missing_reason())
    out = tmp_path_factory.mktemp("default-build")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outputs, "_tree_digest", frozen_digest)
        ho.build_handout(None, ("pdf", "tex", "md"), out, prove=prove)
    return out / "default"


def pdf_text(pdf: Path, *options: str) -> str:
    """The PDF's text, with TeX's typographic quotes turned back into ASCII.

    pdflatex typesets the ASCII quote characters ``'`` and `````` as curly quotes; they are the
    same characters of the source, not a change of content.
    """
    text = subprocess.run(
        ["pdftotext", *options, "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
        text=True,
    ).stdout
    return text.replace("\u2019", "'").replace("\u2018", "`")


def squeeze(text: str) -> str:
    """Text without whitespace or parentheses, transposes and minus signs spelled one way.

    pdftotext drops the big ``\\left( \\right)`` delimiters (their font has no text mapping),
    so parentheses are left out on both sides.
    """
    text = text.replace("ᵀ", "⊤").replace("⁻¹", "−1").replace("⁻", "−").replace("-", "−")
    return re.sub(r"[\s()]+", "", text)


def test_default_handout_pdf_shows_every_section_and_result(
    requires_tex: None, default_build: Path
) -> None:
    text = pdf_text(default_build / "default.pdf")
    raw = squeeze(pdf_text(default_build / "default.pdf", "-raw"))
    flat = re.sub(r"\s+", " ", text)
    tex = (default_build / "default.tex").read_text(encoding="utf-8")
    spec = ho.load_handout(None)
    handout = ho.derive_handout(replace(spec, verify=False), prove=prove)  # same results
    checked = 0
    for section in handout.sections:
        assert literal(section.title) in flat
        for item in section.items:
            assert literal(item.title) in flat
            if item.derivation is None:
                continue
            names = list(item.derivation.symbols)
            for result in item.derivation.results:  # a Hessian item shows the gradient too
                assert latex(result.rhs, names) in tex
                shown = unicode(result.rhs, names)
                if "∂" not in shown:  # pdftotext scrambles stacked fractions
                    # a superscript may come out on a line of its own in reading order (where
                    # the box puts it); the content-stream order (-raw) keeps it in place
                    assert squeeze(shown) in squeeze(text) or squeeze(shown) in raw, \
                        (item.title, shown)
                    checked += 1
    assert checked >= 18
    for fragment in ("A + A⊤", "2A", "2A⊤A", "det X X−⊤", "Kronecker", "numerator layout"):
        assert squeeze(fragment) in squeeze(text)


def literal(prose: str) -> str:
    """The prose before its first math: what pdftotext shows of it unchanged."""
    return prose.split("$")[0].strip()


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF."""
    return pdf_text(pdf).split("\f")


def test_default_handout_fits_in_twelve_pages(requires_tex: None, default_build: Path) -> None:
    info = subprocess.run(["pdfinfo", str(default_build / "default.pdf")], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert pages <= 12
    assert re.search(r"^Title:\s+Matrix and Vector Differentiation$", info, re.MULTILINE)


def test_default_handout_keeps_each_proof_on_one_page(
    requires_tex: None, default_build: Path
) -> None:
    pages = pdf_pages(default_build / "default.pdf")
    spec = ho.load_handout(None)
    proofs = 0
    for number, section in enumerate(spec.sections, start=1):
        for position, item in enumerate(section.items, start=1):
            if item.kind == "definition":
                continue
            heading = re.compile(rf"^{number}\.{position}\s", re.MULTILINE)
            [page] = [i for i, text in enumerate(pages) if heading.search(text)]
            after = pages[page][heading.search(pages[page]).end():]  # type: ignore[union-attr]
            assert "Checked exactly" in after, f"{number}.{position} crosses a page break"
            proofs += 1
    assert proofs == 20


def test_default_handout_states_each_sections_layout(default_build: Path) -> None:
    tex = (default_build / "default.tex").read_text(encoding="utf-8")
    spec = ho.load_handout(None)
    numerator = [s.title for s in spec.sections if s.layout == "numerator"]
    assert len(numerator) == 4
    assert tex.count("\\emph{This section uses the numerator layout:}") == len(numerator)
    assert "\\boxed{y^{\\top} A}" in tex  # note 000's row, as the lecture notes have it
    assert "\\boxed{x^{\\top} (A^{\\top} + A)}" in tex


def test_default_handout_writes_out_note_002s_sum_of_squares(default_build: Path) -> None:
    tex = (default_build / "default.tex").read_text(encoding="utf-8")
    assert "\\begin{bmatrix} 2 x \\\\ 2 y \\end{bmatrix}" in tex
    assert "\\begin{bmatrix} 2 & 0 \\\\ 0 & 2 \\end{bmatrix}" in tex


def test_default_handout_takes_note_000s_route_for_least_squares(default_build: Path) -> None:
    tex = (default_build / "default.tex").read_text(encoding="utf-8")
    assert "\\textbf{Through $w = y - A x$.} First $\\alpha = w^{\\top} w$ by $w$" in tex
    assert "\\boxed{-2 (y - A x)^{\\top} A}" in tex


def test_default_handout_proves_two_identities_both_ways(default_build: Path) -> None:
    tex = (default_build / "default.tex").read_text(encoding="utf-8")
    assert tex.count("\\emph{By indices:}") == tex.count("\\emph{By matrix differentials:}") == 2
    assert "\\mathrm{d}\\alpha &= \\mathrm{d}(\\log \\det(X))" in tex


def test_default_handout_md_has_every_section(requires_tex: None, default_build: Path) -> None:
    md = (default_build / "default.md").read_text(encoding="utf-8")
    for section in ho.load_handout(None).sections:
        assert f"## {section.title}" in md or section.title in md


def test_default_handout_md_formulas_render_in_katex(
    requires_tex: None, default_build: Path, katex_errors: Callable[..., list[str]]
) -> None:
    md = (default_build / "default.md").read_text(encoding="utf-8")
    display = re.findall(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", md, flags=re.S)
    rest = re.sub(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", " ", md, flags=re.S)
    inline = re.findall(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", rest)
    assert len(display) > 25 and len(inline) > 20  # compact: a display per part of a proof
    assert katex_errors([(f, True) for f in display] + [(f, False) for f in inline]) == []


def test_build_second_time_does_not_run_latexmk(
    requires_tex: None, default_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(default_build, tmp_path / "default")
    before = files_in(tmp_path)
    monkeypatch.setattr(outputs, "_tree_digest", frozen_digest)
    monkeypatch.setattr(derive.documents.pdf, "compile_pdf", _must_not_run("latexmk"))
    ho.build_handout(None, ("pdf", "tex", "md"), tmp_path, prove=prove)
    assert files_in(tmp_path) == before


def test_build_edit_that_keeps_the_tex_does_not_run_latexmk(
    requires_tex: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, SMALL)
    ho.build_handout(path, ("pdf",), tmp_path / "out", prove=prove)
    pdf = (tmp_path / "out" / "course" / "course.pdf").read_bytes()
    path.write_text("# a comment changes the file, not the document\n" + SMALL, encoding="utf-8")
    monkeypatch.setattr(derive.documents.pdf, "compile_pdf", _must_not_run("latexmk"))
    stages: list[str] = []
    ho.build_handout(path, ("pdf",), tmp_path / "out", prove=prove,
                     progress=lambda s, *_: stages.append(s))
    assert stages == ["derive", "reuse"]
    assert (tmp_path / "out" / "course" / "course.pdf").read_bytes() == pdf


PAYLOADS = [
    r"\input{/etc/passwd}",
    r"\write18{ls}",
    r"\catcode`\^=7",
    "^^5c^^5c",
    "100% & #1 snake_case",
    "unbalanced { brace",
    "closing } brace",
    "~tilde$dollar",
    "Grüße, café, naïve, ±½",
]


def test_build_prose_with_tex_payloads_prints_them_literally(
    requires_tex: None, tmp_path: Path
) -> None:
    def toml_string(text: str) -> str:
        return "'" + text + "'"

    lines = [f"title = {toml_string(PAYLOADS[0])}", f"author = {toml_string(PAYLOADS[1])}",
             f"course = {toml_string(PAYLOADS[2])}", "", "[[section]]",
             f"title = {toml_string(PAYLOADS[3])}", f"intro = {toml_string(PAYLOADS[4])}", "",
             "[[section.item]]", 'identity = "linear_form"',
             f"title = {toml_string(PAYLOADS[5])}", f"note = {toml_string(PAYLOADS[6])}",
             f"source = {toml_string(PAYLOADS[7])}", "", "[[section.item]]",
             'definition = "gradient"', f"note = {toml_string(PAYLOADS[8])}"]  # fmt: skip
    path = write(tmp_path, "\n".join(lines) + "\n", "payload.toml")
    ho.build_handout(path, ("pdf",), tmp_path / "out", prove=prove)
    text = re.sub(r"\s+", " ", pdf_text(tmp_path / "out" / "payload" / "payload.pdf"))
    for payload in PAYLOADS:
        assert payload in text, payload
    assert "root:" not in text
