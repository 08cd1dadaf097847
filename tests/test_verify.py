"""The verifier: it records how a derivation was checked and catches every wrong line.

A wrong answer is built by tampering with a correct derivation (``dataclasses.replace`` of its
result or of one step's line); the verifier must raise ``VerificationError`` naming the step, so
the derivation is never shown as proven.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

import derive
import derive.check.verify
from derive.calculus.proof import Derivation, Result, ResultKind, Step
from derive.check import exact
from derive.check.verify import TOLERANCE, assign_sizes, rational_point, verify
from derive.documents.printer import ascii_str
from derive.errors import DeriveError, VerificationError
from derive.ir import expr as ex
from derive.ir import index as ix
from derive.language.frontend import parse


def _unverified(expr: str, wrt: str, *declare: str, hessian: bool = False) -> Derivation:
    return derive.prove(expr, wrt, declare=declare, hessian=hessian, verify=False)


def _step_number(derivation: Derivation, kind: str) -> int:
    return next(n for n, step in enumerate(derivation.steps) if step.kind == kind)


def _replace_line(derivation: Derivation, kind: str, line: ex.Expr | ix.IndexSum) -> Derivation:
    number = _step_number(derivation, kind)
    step = derivation.steps[number]
    wrong = dataclasses.replace(step, lines=(*step.lines[:-1], line))
    steps = (*derivation.steps[:number], wrong, *derivation.steps[number + 1 :])
    return dataclasses.replace(derivation, steps=steps)


def _symbol(derivation: Derivation, name: str) -> ex.Symbol:
    return derivation.problem.symbol(name)


# -- the record ------------------------------------------------------------------------------


def test_verify_records_how_it_checked() -> None:
    derivation = derive.prove("x' A x", "x", seed=7)
    record = derivation.verification
    assert record is not None and record.passed and derivation.proven
    assert record.exact is True
    assert "exact rational arithmetic" in record.exact_method
    assert record.sizes == {"n": 3}
    assert record.tolerance == TOLERANCE == 1e-6
    assert record.seed == 7
    assert len(record.steps) == len(derivation.steps)
    assert [c.kind for c in record.steps] == [s.kind for s in derivation.steps]
    assert record.numeric_error < 1e-9


def test_verify_off_means_not_proven() -> None:
    derivation = _unverified("x' A x", "x")
    assert derivation.verification is None
    assert not derivation.proven
    assert verify(derivation).proven


def test_verify_numeric_only() -> None:
    derivation = verify(_unverified("log(det(X))", "X"), exact=False)
    assert derivation.verification is not None
    assert derivation.verification.exact is None
    assert derivation.proven


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_verify_passes_for_any_seed(seed: int) -> None:
    assert derive.prove("(y - A x)' (y - A x)", "x", hessian=True, seed=seed).proven


def test_verify_sizes_are_distinct_per_dimension() -> None:
    problem = parse("a' X b", declare=("X: m x n",))
    sizes = assign_sizes(problem)
    assert set(sizes) == {"m", "n"}
    assert len(set(sizes.values())) == 2


def test_verify_sizes_keep_inverted_products_invertible() -> None:
    """det(A X B) with A: p x n, X: n x m, B: m x p is singular unless p <= n and p <= m."""
    problem = parse("det(A X B)", wrt="X")
    a = problem.symbols["A"].shape
    sizes = assign_sizes(problem)
    outer, inner = a.rows, a.cols
    assert isinstance(outer, str) and isinstance(inner, str)
    assert sizes[outer] < sizes[inner]
    assert sizes[outer] < sizes[str(problem.symbols["X"].shape.cols)]
    assert derive.prove("det(A X B)", "X").proven


@pytest.mark.parametrize("method", ["dual", "sympy"])
def test_verify_exact_check_skips_poles(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """alpha^-1 has a pole at alpha = 0: a point there decides nothing, another is drawn.

    Random rationals for a scalar are positive, so the pole is put in by hand: the first point
    drawn has alpha = 0, and the check must go on to two good points and pass.
    """
    drawn: list[Fraction] = []

    def first_a_pole(*args: object) -> exact.ExactPoint:
        point = rational_point(*args)  # type: ignore[arg-type]
        if not drawn:
            point.values["alpha"] = exact.matrix([[Fraction(0)]])
        drawn.append(point.values["alpha"][0, 0])
        return point

    monkeypatch.setattr(derive.check.verify, "rational_point", first_a_pole)
    derivation = derive.prove("alpha^-1", "alpha", verify=False)
    checked = verify(derivation, method=method)
    assert checked.proven
    assert drawn[0] == 0 and len(drawn) == 3  # the pole, then two points that were compared


# -- tampering: wrong answers never pass --------------------------------------------------------


def test_verify_catches_a_wrong_result() -> None:
    derivation = _unverified("x' A x", "x")
    a, x = _symbol(derivation, "A"), _symbol(derivation, "x")
    wrong = dataclasses.replace(derivation.result, rhs=ex.mul(ex.number(2), a, x))
    tampered = dataclasses.replace(derivation, results=(wrong,))
    with pytest.raises(VerificationError) as caught:
        verify(tampered)
    message = str(caught.value)
    assert "the result (step 10, result)" in message
    assert "exact comparison" in message
    assert "finite differences" in message


def test_verify_catches_a_wrong_result_line() -> None:
    """The result step's own line is checked too (against the whole derivative)."""
    derivation = _unverified("x' A x", "x")
    a, x = _symbol(derivation, "A"), _symbol(derivation, "x")
    tampered = _replace_line(derivation, "result", ex.mul(a, x))
    with pytest.raises(VerificationError) as caught:
        verify(tampered)
    assert "step 10 (result)" in str(caught.value)
    assert caught.value.failures[0].startswith("step 10 (result): relative error")


def test_verify_catches_a_transposition_slip() -> None:
    """A' x for A x in the recognise step: right shape, wrong value."""
    derivation = _unverified("x' A x", "x")
    a, x = _symbol(derivation, "A"), _symbol(derivation, "x")
    k = ix.Index("k", "n")
    wrong = ix.IndexSum(
        (ix.Term(Fraction(1), (), (ix.Entry(ex.mul(ex.transpose(a), x), (k,)),)),
         ix.Term(Fraction(1), (), (ix.Entry(ex.mul(ex.transpose(a), x), (k,)),))), (k,)
    )  # fmt: skip
    tampered = _replace_line(derivation, "recognise", wrong)
    with pytest.raises(VerificationError) as caught:
        verify(tampered)
    number = _step_number(derivation, "recognise") + 1
    assert f"step {number} (recognise)" in str(caught.value)


def test_verify_catches_a_wrong_index_step_numerically() -> None:
    """Contracting delta_jk wrongly (a_kj x_j where a_jk x_j belongs) is caught by einsum."""
    derivation = _unverified("x' A x", "x")
    number = _step_number(derivation, "contract")
    step = derivation.steps[number]
    line = step.lines[-1]
    assert isinstance(line, ix.IndexSum)
    first, *rest = line.terms
    swapped = ix.Term(first.coeff, first.sums, tuple(
        ix.Entry(f.base, f.indices[::-1]) if isinstance(f, ix.Entry) and len(f.indices) == 2
        else f for f in first.factors
    ))  # fmt: skip
    tampered = _replace_line(derivation, "contract", ix.IndexSum((swapped, *rest), line.free))
    with pytest.raises(VerificationError) as caught:
        verify(tampered)
    assert caught.value.failures[0] == (
        f"step {number + 1} (contract): relative error {caught.value.failures[0].split()[-1]}"
    )


def test_verify_catches_a_wrong_coefficient_in_a_sum() -> None:
    derivation = _unverified("(y - A x)' (y - A x)", "x")
    number = _step_number(derivation, "collect")
    line = derivation.steps[number].lines[-1]
    assert isinstance(line, ix.IndexSum)
    first, *rest = line.terms
    wrong = ix.IndexSum((dataclasses.replace(first, coeff=first.coeff * 3), *rest), line.free)
    with pytest.raises(VerificationError, match=rf"step {number + 1} \(collect\)"):
        verify(_replace_line(derivation, "collect", wrong))


def test_verify_catches_a_wrong_hessian() -> None:
    derivation = _unverified("x' A x", "x", "A: n x n, symmetric", hessian=True)
    a = _symbol(derivation, "A")
    wrong = dataclasses.replace(derivation.result, rhs=a)
    tampered = dataclasses.replace(derivation, results=(derivation.results[0], wrong))
    with pytest.raises(VerificationError, match=r"the Hessian \(step \d+, result\)"):
        verify(tampered)


def test_verify_catches_a_wrong_chain_rule() -> None:
    """Swapping the Jacobians of x and y in d(y' x)/dz."""
    derivation = _unverified("y' x", "z", "x: n, depends on z", "y: n, depends on z")
    x, y, z = (_symbol(derivation, name) for name in "xyz")
    swapped = ex.add(ex.mul(ex.transpose(x), ex.Jacobian(x, z)),
                     ex.mul(ex.transpose(y), ex.Jacobian(y, z)))  # fmt: skip
    tampered = dataclasses.replace(
        derivation, results=(dataclasses.replace(derivation.result, rhs=swapped),)
    )
    with pytest.raises(VerificationError):
        verify(tampered)


def test_verify_catches_a_wrong_tensor() -> None:
    derivation = _unverified("inv(X)", "X")
    rhs = derivation.result.rhs
    assert isinstance(rhs, ix.IndexSum)
    positive = ix.IndexSum(tuple(dataclasses.replace(t, coeff=-t.coeff) for t in rhs.terms),
                           rhs.free)  # fmt: skip
    tampered = dataclasses.replace(
        derivation, results=(Result(derivation.result.lhs, positive, ResultKind.TENSOR),)
    )
    with pytest.raises(VerificationError, match="the result"):
        verify(tampered)


def test_verify_error_is_a_derive_error_with_exit_code_1() -> None:
    derivation = _unverified("a' x", "x")
    tampered = dataclasses.replace(
        derivation, results=(dataclasses.replace(derivation.result, rhs=_symbol(derivation, "x")),)
    )
    with pytest.raises(DeriveError) as caught:
        verify(tampered)
    assert isinstance(caught.value, VerificationError)
    assert caught.value.exit_code == 1


def test_verify_a_line_of_the_wrong_shape_is_an_error() -> None:
    """A line of the wrong shape cannot be compared: that is a failure, never a pass."""
    derivation = _unverified("x' A x", "x")
    a = _symbol(derivation, "A")
    number = _step_number(derivation, "simplify")
    step: Step = derivation.steps[number]
    wrong = dataclasses.replace(step, lines=(step.lines[0], a))
    steps = (*derivation.steps[:number], wrong, *derivation.steps[number + 1 :])
    with pytest.raises(VerificationError) as caught:
        verify(dataclasses.replace(derivation, steps=steps))
    assert caught.value.failures[0] == f"step {number + 1} (simplify): relative error inf"


def test_verify_a_step_that_cannot_be_evaluated_is_an_error() -> None:
    """A line naming a symbol the problem does not have has no value at the test point."""
    derivation = _unverified("x' A x", "x")
    ghost = ex.Symbol("ghost", _symbol(derivation, "x").shape)
    number = _step_number(derivation, "simplify")
    with pytest.raises(VerificationError) as caught:
        verify(_replace_line(derivation, "simplify", ghost))
    assert str(caught.value) == f"step {number + 1} (simplify) could not be evaluated: 'ghost'"


def _nan_vector(derivation: Derivation) -> ex.Expr:
    """(1/s - 1/s) x with s = x'x - x'x, built raw: inf - inf is NaN in floating point."""
    x = _symbol(derivation, "x")
    gram = ex.MatMul((ex.Transpose(x), x))
    inf = ex.Power(ex.Add((gram, ex.MatMul((ex.Number(Fraction(-1)), gram)))), -1)
    return ex.MatMul((ex.Add((inf, ex.MatMul((ex.Number(Fraction(-1)), inf)))), x))


_NAN_WARNINGS = "ignore::RuntimeWarning"  # divide by zero, then inf - inf


@pytest.mark.filterwarnings(_NAN_WARNINGS)
def test_verify_nan_in_a_step_fails_it() -> None:
    """NaN compares false with everything: it must count as an infinite error, never pass."""
    derivation = _unverified("x' A x", "x")
    number = _step_number(derivation, "simplify")
    with pytest.raises(VerificationError) as caught:
        verify(_replace_line(derivation, "simplify", _nan_vector(derivation)))
    assert caught.value.failures[0] == f"step {number + 1} (simplify): relative error inf"


@pytest.mark.filterwarnings(_NAN_WARNINGS)
def test_verify_nan_in_the_result_fails_the_numeric_check() -> None:
    derivation = _unverified("x' A x", "x")
    wrong = dataclasses.replace(derivation.result, rhs=_nan_vector(derivation))
    with pytest.raises(VerificationError) as caught:
        verify(dataclasses.replace(derivation, results=(wrong,)), exact=False)
    assert caught.value.failures == (
        "the result (step 10, result): differs from finite differences of the original by inf",
    )


def test_verify_every_step_of_a_long_proof_is_checked() -> None:
    derivation = derive.prove("norm(A x - b)^4", "x")
    assert derivation.verification is not None
    errors = [c.max_error for c in derivation.verification.steps]
    assert len(errors) == len(derivation.steps)
    assert max(errors) < 1e-8
    assert np.isfinite(errors).all()


def test_verify_catches_a_transposed_result() -> None:
    """A row where the mixed layout wants a column has the right entries, the wrong shape."""
    derivation = _unverified("a' x", "x", "a: n", "x: n")
    row = ex.transpose(_symbol(derivation, "a"))  # the mixed layout's gradient is a column
    tampered = dataclasses.replace(
        derivation, results=(dataclasses.replace(derivation.result, rhs=row),)
    )
    with pytest.raises(VerificationError, match="finite differences"):
        verify(tampered)


@pytest.mark.parametrize("method", ["auto", "sympy"])
def test_verify_irrational_values_are_compared_exactly(method: str) -> None:
    """norm(x) and log(x' x) have irrational values at rational points: SymPy numbers keep
    them exact; a right result passes and a result off by a factor fails."""
    for expr in ("norm(x)", "log(x' x)"):
        derivation = _unverified(expr, "x")
        checked = verify(derivation, method=method)
        assert checked.verification is not None and checked.verification.exact is True
        if method == "sympy" or expr == "norm(x)":  # d log(x' x) = 2 x / x' x is rational
            assert "SymPy" in checked.verification.exact_method
        doubled = ex.mul(ex.number(2), derivation.result.rhs)
        tampered = dataclasses.replace(
            derivation, results=(dataclasses.replace(derivation.result, rhs=doubled),)
        )
        with pytest.raises(VerificationError, match="exact comparison"):
            verify(tampered, method=method)


def test_verify_fallback_directions_are_random_whole_numbers() -> None:
    # the exact fallback compares differentials along a random direction: one fixed direction
    # (all entries 4, say) would pass an error orthogonal to it
    from derive.check.fallback import _rational_direction

    rng = np.random.default_rng([0, 1])
    entries = [e for _ in range(4) for e in _rational_direction(np.zeros((3, 1)), rng).flat]
    assert all(isinstance(e, Fraction) and e.denominator == 1 and -4 <= e <= 4 for e in entries)
    assert min(entries) < 0 < max(entries)


@pytest.mark.parametrize(("x", "y"), [("oo", "oo"), ("zoo", "1"), ("nan", "1")])
def test_verify_fallback_infinities_are_never_negligibly_apart(x: str, y: str) -> None:
    import sympy

    from derive.check.fallback import negligible

    assert negligible(sympy.sympify(x), sympy.sympify(y)) is False


def test_verify_says_when_sympy_values_were_compared_to_60_digits() -> None:
    # σ's values are not decided equal by SymPy: the check line must say they were compared
    # numerically to 60 digits, not claim an exact comparison
    text = " ".join(derive.prove("a' sigma(W x)", "x").to_text().split())
    assert "compared to 60 digits with mpmath" in text
    assert "compared to 60 digits" not in " ".join(derive.prove("x' A x", "x").to_text().split())


def test_verify_float_points_have_well_conditioned_square_matrices() -> None:
    """The float check's square matrices are 2 I plus a perturbation of spectral norm about 1
    at any size (entries scaled by 1/sqrt(n)): inverses and determinants stay well away from
    a singular matrix, so finite differences measure the derivative and not rounding."""
    problem = parse("tr(inv(X) A)", (), wrt="X")
    sizes = {d: 8 for d in assign_sizes(problem)}
    for seed in range(5):
        point = derive.check.verify._numeric_point(problem, sizes, np.random.default_rng(seed))
        for name in ("X", "A"):
            value = point.values[name]
            assert value.shape == (8, 8)
            assert np.linalg.norm(value - 2 * np.eye(8), 2) < 1.5
            assert np.linalg.cond(value) < 5


def test_verify_exact_check_takes_the_log_of_a_symbolic_value() -> None:
    """log(a' x) exp(b' x): the exact check evaluates log at SymPy values (exp makes them
    irrational). By hand: the gradient is exp(b' x) (a / (a' x) + log(a' x) b)."""
    derivation = derive.prove("log(a' x) exp(b' x)", "x")
    assert derivation.proven
    assert ascii_str(derivation.result.rhs) == "exp(b' x) ((a' x)^-1 a + log(a' x) b)"


def test_verify_gives_a_size_to_a_dimension_no_symbol_has() -> None:
    # x 1': the ones row is 1 x m and no symbol is m wide; the check used to fail with
    # "step 1 (define) could not be evaluated: 'm'" (a size, not the problem)
    from derive.check.verify import assign_sizes
    from derive.language.frontend import parse

    sizes = assign_sizes(parse("x 1'", (), wrt="x"))
    assert set(sizes) == {"n", "m"} and sizes["n"] != sizes["m"]
    verification = derive.prove("x 1'", "x").verification
    assert verification.passed and verification.exact
    assert verification.sizes == sizes


def test_verify_a_value_only_known_as_irrational_is_no_traceback() -> None:
    # sigma(0 x): the exact evaluator meets sigma at a Fraction 0 and can only say "irrational",
    # which SymPy cannot compare; derive refuses the proof (a known false refusal) with a
    # DeriveError naming the failed checks, and never raises SymPy's SympifyError
    with pytest.raises(DeriveError, match="failed its checks"):
        derive.prove("sum(sigma(0 x) .* x)", "x")
