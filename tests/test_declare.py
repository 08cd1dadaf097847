"""Symbol declarations (PRODUCT.md section 3): the forms that work and the errors for the rest."""

from __future__ import annotations

import pytest

from derive.errors import DeclarationError
from derive.language.declare import Declaration, parse_declaration, parse_declarations
from derive.language.frontend import parse

GOOD = [
    ("A: m x n", Declaration("A", ("m", "n"))),
    ("x: n", Declaration("x", ("n", 1))),
    ("s: scalar", Declaration("s", (1, 1))),
    ("A: 3 x 4", Declaration("A", (3, 4))),
    ("A: 3x4", Declaration("A", (3, 4))),
    ("A: m by n", Declaration("A", ("m", "n"))),
    ("A: m × n", Declaration("A", ("m", "n"))),
    ("A: m*n", Declaration("A", ("m", "n"))),
    ("A:n x n", Declaration("A", ("n", "n"))),
    ("  A :  n  x  n  ", Declaration("A", ("n", "n"))),
    ("x: 1", Declaration("x", (1, 1))),
    ("r: 1 x n", Declaration("r", (1, "n"))),
    ("A: n_1 x n_2", Declaration("A", ("n_1", "n_2"))),
    ("A: n x n, symmetric", Declaration("A", ("n", "n"), symmetric=True)),
    ("A: n x n, Symmetric", Declaration("A", ("n", "n"), symmetric=True)),
    ("X: n x n, invertible", Declaration("X", ("n", "n"), invertible=True)),
    ("X: 2 x 2, invertible, symmetric", Declaration("X", (2, 2), True, True)),
    ("A: symmetric", Declaration("A", None, symmetric=True)),
    ("x: n, constant", Declaration("x", ("n", 1))),
    ("x: n, depends on z", Declaration("x", ("n", 1), depends_on=("z",))),
    ("x: n, depends on y, z", Declaration("x", ("n", 1), depends_on=("y", "z"))),
    ("x: n, depends on y and z", Declaration("x", ("n", 1), depends_on=("y", "z"))),
    ("x: depends on t", Declaration("x", None, depends_on=("t",))),
    ("x1: n", Declaration("x_1", ("n", 1))),
    ("W_{2}: n x n", Declaration("W_2", ("n", "n"))),
    ("x: n, depends on z1", Declaration("x", ("n", 1), depends_on=("z_1",))),
    ("alpha: scalar", Declaration("alpha", (1, 1))),
    ("A: n x n,", Declaration("A", ("n", "n"))),
]


@pytest.mark.parametrize(("text", "expected"), GOOD, ids=[t for t, _ in GOOD])
def test_declare_good_forms(text: str, expected: Declaration) -> None:
    assert parse_declaration(text) == expected


# (text, message fragment, column); the column points at the offending part
BAD = [
    ("A", "a declaration reads 'NAME: SHAPE[, FLAG...]'", 1),
    (": n", "a declaration reads", 1),
    ("A n x n", "a declaration reads", 1),
    ("2A: n", "a declaration reads", 1),
    ("A:", "nothing is declared for A", 2),
    ("A: 0 x 3", "a dimension must be positive", 4),
    ("x: 0", "a dimension must be positive", 4),
    ("A: vector", "give the size of the vector", 4),
    ("A: matrix", "give the size of the matrix", 4),
    ("A: m x n x p", "cannot read the shape 'm x n x p'", 4),
    ("x: -1", "cannot read the shape '-1'", 4),
    ("x: n + 1", "cannot read the shape 'n + 1'", 4),
    ("A: n x n, foo", "unknown declaration part 'foo'", 11),
    ("A: m x n, 3", "unknown declaration part '3'", 11),
    ("A: m x n, symmetric", "A is declared symmetric but is not square (m x n)", 11),
    ("A: 2 x 3, symmetric", "A is declared symmetric but is not square (2 x 3)", 11),
    ("X: m x n, invertible", "X is declared invertible but is not square (m x n)", 11),
    ("x: n, symmetric", "x is declared symmetric but is not square (n x 1)", 7),
    ("x: n, depends on x", "x cannot depend on itself", 7),
    ("x: n, depends on y, x", "x cannot depend on itself", 7),
    ("x: n, depends on", "name what x depends on", 7),
]


@pytest.mark.parametrize(("text", "message", "column"), BAD, ids=[t for t, _, _ in BAD])
def test_declare_bad_forms(text: str, message: str, column: int) -> None:
    with pytest.raises(DeclarationError) as info:
        parse_declaration(text)
    assert message in info.value.message
    assert info.value.column == column
    assert text in str(info.value)  # the excerpt shows the declaration under the caret


def test_declare_several_in_one_string() -> None:
    assert parse_declarations(["A: m x n; x: n, depends on z; s: scalar"]) == {
        "A": Declaration("A", ("m", "n")),
        "x": Declaration("x", ("n", 1), depends_on=("z",)),
        "s": Declaration("s", (1, 1)),
    }


def test_declare_later_declarations_merge() -> None:
    merged = parse_declarations(["A: n x n", "A: symmetric", "A: invertible"])
    assert merged == {"A": Declaration("A", ("n", "n"), symmetric=True, invertible=True)}
    deps = parse_declarations(["x: n, depends on y", "x: depends on z, y"])
    assert deps["x"].depends_on == ("y", "z")


CONTRADICTIONS = [
    (["A: m x n", "A: n x n"], "A is declared twice with different shapes: m x n and n x n"),
    (["A: m x n; A: 3 x 4"], "A is declared twice with different shapes: m x n and 3 x 4"),
    (["A: m x n", "A: symmetric"], "A is declared symmetric but is not square (m x n)"),
    (["A: invertible", "A: 2 x 3"], "A is declared invertible but is not square (2 x 3)"),
    (["x1: n", "x_1: m"], "x_1 is declared twice with different shapes"),
    (["x: n, depends on z", "z: n, depends on x"], "cycle: z -> x -> z"),
    (["x: depends on y", "y: depends on z", "z: depends on x"], "cycle: z -> x -> y -> z"),
]


@pytest.mark.parametrize(
    ("texts", "message"), CONTRADICTIONS, ids=[" | ".join(t) for t, _ in CONTRADICTIONS]
)
def test_declare_contradictions(texts: list[str], message: str) -> None:
    with pytest.raises(DeclarationError) as info:
        parse_declarations(texts)
    assert message in info.value.message
    assert info.value.span is not None


def test_declare_overrides_inference_end_to_end() -> None:
    problem = parse("x' A x", ["A: 3 x 3, symmetric", "x: 3, depends on t"])
    assert str(problem.symbols["A"].shape) == "3 x 3"
    assert problem.symbols["A"].symmetric
    assert problem.symbols["x"].depends_on == ("t",)
    assert str(problem.symbols["t"].shape) == "n x 1"


def test_declare_spellings_of_a_name_are_one_symbol() -> None:
    problem = parse("x1' x_1 + W_{2}", ["x_{1}: 4", "W2: scalar"])
    assert set(problem.symbols) == {"x_1", "W_2"}
    assert str(problem.symbols["x_1"].shape) == "4 x 1"


def test_declare_unused_names_are_harmless() -> None:
    assert set(parse("x' x", ["A: n x n"]).symbols) == {"x"}
