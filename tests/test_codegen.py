"""Code from a proof (``--format numpy|torch``, ``Derivation.to_numpy()``): the generated module
runs, its derivative agrees with central differences of its own value function, and its value
agrees with the tests' independent evaluator (``oracle``).

Every catalog identity and a fixed sample of 300 random expressions (the generator of
``test_random_expressions``) are generated, executed in a fresh namespace and checked, tensor
results (``einsum``) included. The PyTorch tests run where torch is installed (the ``torch``
extra, which ``.ci/run`` installs) and skip otherwise, except under CI, where they fail.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import require_tool
from engine_support import DECLARE, TREE_SIZE, problems
from hypothesis import HealthCheck, given, seed, settings
from oracle import value_of

import derive
from derive.api import prove_identity
from derive.calculus.proof import Derivation
from derive.catalog import identities as catalog
from derive.cli import main
from derive.documents.printer import ascii_str
from derive.documents.render import render_derivations
from derive.errors import LimitError, UnsupportedError
from derive.ir import expr as ex

TOLERANCE = 1e-6


def _load(code: str) -> dict[str, Any]:
    """Execute a generated module in a fresh namespace (not as ``__main__``)."""
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(code, "<generated>", "exec"), namespace)  # noqa: S102 - the code under test
    return namespace


def _as_matrix(value: Any, shape: ex.Shape) -> np.ndarray:
    """A module's 1-D/0-D array as the oracle's 2-D matrix of ``shape``."""
    array = np.asarray(value, dtype=float)
    return array.reshape(-1, 1) if shape.is_column else array.reshape(1, -1) if (
        shape.is_row or shape.is_scalar) else array


def _relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    assert got.shape == expected.shape, (got.shape, expected.shape)
    return float(np.max(np.abs(got - expected), initial=0.0)
                 / max(1.0, np.max(np.abs(expected), initial=0.0)))  # fmt: skip


def _check_module(derivation: Derivation, seed: int = 0) -> None:
    """Generate, run: the derivatives match central differences, the value matches the oracle."""
    module = _load(derivation.to_numpy())
    rng = np.random.default_rng(seed)
    arguments = module["random_arguments"](rng)
    error = module["check_gradient"](arguments=arguments)
    assert error < TOLERANCE, f"{derivation.source}: gradient check error {error:.1e}"
    names = [s.name for s in _symbols(derivation)]
    shapes = {s.name: s.shape for s in _symbols(derivation)}
    values = {n: _as_matrix(a, shapes[n]) for n, a in zip(names, arguments, strict=True)}
    sizes = module["random_arguments"].__defaults__[0]
    body = derivation.function.body
    expected = value_of(body, values, sizes)
    value = module["f_and_grad"](*arguments)[0]
    assert _relative_error(_as_matrix(value, body.shape), expected) < TOLERANCE


def _symbols(derivation: Derivation) -> list[ex.Symbol]:
    body = derivation.function.body
    return [derivation.wrt] + [s for s in ex.symbols_of(body) if s.name != derivation.wrt.name]


# -- the printer ----------------------------------------------------------------------------

PRINTED = [
    ("(y - A x)' (y - A x)", "x", ("Ax = A @ x", "t1 = y - Ax", "value = t1 @ t1",
                                   "grad = 2 * (A.T @ (Ax - y))")),
    ("x' A x", "x", ("value = x @ A @ x", "grad = (A + A.T) @ x")),
    ("log(det(X))", "X", ("value = np.linalg.slogdet(X)[1]", "grad = np.linalg.inv(X).T")),
    ("tr(A X B)", "X", ("value = np.trace(A @ X @ B)", "grad = A.T @ B.T")),
    ("y' X^{-1} x", "x", ("grad = np.linalg.solve(X.T, y)",)),
    ("a' X b", "X", ("grad = np.outer(a, b)",)),
    ("log(x' x)", "x", ("xx = x @ x", "value = np.log(xx)")),
    ("sum(sigma(A x))", "x", ("t1 = 1 / (1 + np.exp(-(A @ x)))",
                              'grad = A.T @ (t1 * (np.ones(dims["m"]) - t1))')),
    ("logsumexp(x)", "x", ("value = np.logaddexp.reduce(x)",
                           "grad = np.exp(x - np.logaddexp.reduce(x))")),
    ("sum(relu(A x))", "x", ("grad = A.T @ np.heaviside(Ax, 0.5)",)),
    ("sum(log(1 + exp(-y .* (X w))))", "w", ("t1 = y * (X @ w)",  # sigma(-u): no -(-u)
                                              "grad = -X.T @ ((1 / (1 + np.exp(t1))) * y)")),
    ("(y - A x)' (y - A x)", "A", ("grad = 2 * np.outer(Ax - y, x)",)),
    ("softmax(W x)' y", "x", ("Wx = W @ x", "t1 = np.exp(Wx - np.logaddexp.reduce(Wx))")),
    # tensors (a matrix by a matrix): one einsum per term, the proof's index names
    ("A X", "X", ('grad = np.einsum("ik,jl->ijkl", A, np.eye(dims["m"]))',)),
    ("inv(X)", "X", ('grad = -np.einsum("ik,lj->ijkl", np.linalg.inv(X), np.linalg.inv(X))',)),
    ("X A X", "X", ('grad = np.einsum("lp,pj,ik->ijkl", A, X, np.eye(dims["n"]))'
                    ' + np.einsum("pk,ip,jl->ijkl", A, X, np.eye(dims["m"]))',)),
]


@pytest.mark.parametrize(("source", "wrt", "lines"), PRINTED, ids=[p[0] for p in PRINTED])
def test_codegen_prints_numpy(source: str, wrt: str, lines: tuple[str, ...]) -> None:
    code = derive.prove(source, wrt).to_numpy()
    body = [line.strip() for line in code.splitlines()]
    for line in lines:
        assert line in body, f"{line!r} not in\n{code}"


def test_codegen_docstring_states_shapes_layout_and_verification() -> None:
    code = derive.prove("tr(A X B)", "X", layout="numerator").to_numpy()
    assert "def f_and_grad(X, A, B):" in code
    assert "X: shape (n, m) (the variable)" in code
    assert "grad: B A, shape (m, n) (numerator layout)." in code
    assert "from a proof it verified" in code


def test_codegen_hessian_is_returned_and_checked() -> None:
    derivation = derive.prove("x' A x", "x", hessian=True)
    module = _load(derivation.to_numpy())
    x, a = np.arange(3.0), np.arange(9.0).reshape(3, 3)
    value, grad, hessian = module["f_and_grad"](x, a)
    np.testing.assert_allclose(hessian, a + a.T)
    np.testing.assert_allclose(grad, (a + a.T) @ x)
    assert module["check_gradient"]() < TOLERANCE


@pytest.mark.parametrize(("arguments", "message"), [
    ((np.ones(3), np.ones((3, 3))), "A must have shape (m, n) with m = 4"),
    ((np.ones((3, 1)), np.ones(4), np.ones((4, 3))), "x must have shape (n,), not (3, 1)"),
], ids=["mismatch", "column-array"])  # fmt: skip
def test_codegen_checks_shapes_on_entry(arguments: tuple[Any, ...], message: str) -> None:
    module = _load(derive.prove("(y - A x)' (y - A x)", "x").to_numpy())
    if len(arguments) == 2:  # y of length 4 fixes m = 4, then A is 3 x 3
        arguments = (arguments[0], np.ones(4), arguments[1])
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        module["f_and_grad"](*arguments)


def test_codegen_tensor_docstring_names_its_axes() -> None:
    code = derive.prove("X A X", "X").to_numpy()
    assert ("grad: df_ij/dx_kl = sum_p (a_lp x_pj delta_ik + a_pk x_ip delta_jl), shape"
            " (n, m, n, m) (the function's axes, then the variable's).") in code
    assert _load(code)["check_gradient"]() < TOLERANCE


def test_codegen_several_variables_in_one_function() -> None:
    derivations = derive.prove("(y - A x)' (y - A x)", ["x", "A"])
    code = render_derivations(derivations, "numpy")
    assert "def f_and_grad(x, A, y):" in code
    assert "    return value, grad_x, grad_A\n" in code
    module = _load(code)
    arguments = module["random_arguments"](np.random.default_rng(0))
    x, a, y = arguments
    value, grad_x, grad_a = module["f_and_grad"](*arguments)
    np.testing.assert_allclose(grad_x, 2 * a.T @ (a @ x - y))
    np.testing.assert_allclose(grad_a, 2 * np.outer(a @ x - y, x))
    assert module["check_gradient"]() < TOLERANCE


def test_codegen_several_variables_check_each_derivative() -> None:
    derivations = derive.prove("(y - A x)' (y - A x)", ["x", "A"])
    wrong = render_derivations(derivations, "numpy").replace(
        "grad_A = 2 * np.outer(t2, x)", "grad_A = np.outer(t2, x)")
    assert "grad_A = np.outer(t2, x)" in wrong
    assert _load(wrong)["check_gradient"]() > 0.1


def test_codegen_refuses_a_symbolic_jacobian() -> None:
    derivation = derive.prove("y' A x", "z", declare=["x: n, depends on z", "y: m, depends on z"])
    with pytest.raises(UnsupportedError, match="cannot write code"):
        derivation.to_numpy()


# -- the CLI: the module runs as a script ---------------------------------------------------

SCRIPTS = [
    ("(y - A x)' (y - A x)", "x"),
    ("log(det(X))", "X"),
    ("tr(A X B)", "X"),
    ("sum(log(1 + exp(-y .* (X w))))", "w"),  # the logistic loss
]


@pytest.mark.parametrize(("source", "wrt"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_codegen_script_passes_its_gradient_check(tmp_path: Path, source: str, wrt: str) -> None:
    result = CliRunner().invoke(main, ["prove", source, "--wrt", wrt, "--format", "numpy"])
    assert result.exit_code == 0, result.output
    script = tmp_path / "module.py"
    script.write_text(result.output, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("gradient check passed: relative error ")


def test_codegen_script_fails_on_a_wrong_gradient(tmp_path: Path) -> None:
    code = derive.prove("x' A x", "x").to_numpy()
    wrong = code.replace("grad = (A + A.T) @ x", "grad = 2 * A @ x")
    assert wrong != code
    script = tmp_path / "wrong.py"
    script.write_text(wrong, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=60, check=False)  # fmt: skip
    assert run.returncode == 1
    assert "gradient check FAILED" in run.stdout


# -- every catalog identity, 300 random expressions -----------------------------------------

IDENTITIES = catalog.all_identities()


@pytest.mark.parametrize("entry", IDENTITIES, ids=[e.name for e in IDENTITIES])
def test_codegen_catalog_identity_runs_and_checks(entry: catalog.CatalogEntry) -> None:
    derivation = prove_identity(entry)
    if any(info.depends_on for info in derivation.symbols.values()) or entry.structure != "none":
        with pytest.raises(UnsupportedError, match="cannot write code"):
            derivation.to_numpy()
        return
    _check_module(derivation)


RANDOM_EXAMPLES = 300


@pytest.mark.slow
def test_codegen_random_expressions_run_and_check() -> None:
    outcomes: dict[str, int] = {}

    @seed(20261201)
    @settings(max_examples=RANDOM_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])  # fmt: skip
    @given(problems())
    def run(problem: tuple[ex.Expr, str]) -> None:
        tree, wrt = problem
        try:
            derivation = derive.prove(ascii_str(tree), wrt, declare=DECLARE)
        except (UnsupportedError, LimitError):
            outcomes["underivable"] = outcomes.get("underivable", 0) + 1
            return
        _check_module(derivation, seed=1)
        kind = "tensor" if not isinstance(derivation.result.rhs, ex.Expr) else "matrix"
        outcomes[kind] = outcomes.get(kind, 0) + 1

    run()
    print(f"random expressions: {outcomes}")
    # every expression the engine derives is generated, run and checked, tensors (a matrix by a
    # matrix, einsum) included: OUTCOMES in the run of the round-3 note
    assert outcomes.get("matrix", 0) + outcomes.get("tensor", 0) >= RANDOM_EXAMPLES * 0.9, outcomes
    assert outcomes.get("tensor", 0) >= RANDOM_EXAMPLES * 0.1, outcomes
    assert TREE_SIZE == 3  # the module draws n = 3, as the generator's own values do


# -- PyTorch (the optional ``torch`` extra) --------------------------------------------------


TORCH_CASES = [*SCRIPTS, ("x' A x", "x"), ("y' X^{-1} x", "x"), ("log(x' x)", "x"),
               ("softmax(x)' y", "x"), ("sum(x .^ 3)", "x"), ("X A X", "X"), ("inv(X)", "X")]


@pytest.mark.parametrize(("source", "wrt"), TORCH_CASES, ids=[s[0] for s in TORCH_CASES])
def test_codegen_torch_agrees_with_autograd(source: str, wrt: str) -> None:
    # .ci/run installs the torch extra (the CPU wheel): under CI a missing torch fails the test
    require_tool(None if importlib.util.find_spec("torch") else
                 "torch is not installed (the optional extra: pip install -e '.[torch]')")
    module = _load(derive.prove(source, wrt, hessian=wrt == "x" and "y" not in source)
                   .to_torch())  # fmt: skip
    assert module["check_gradient"]() < TOLERANCE


def test_codegen_torch_several_variables_agree_with_autograd() -> None:
    require_tool(None if importlib.util.find_spec("torch") else
                 "torch is not installed (the optional extra: pip install -e '.[torch]')")
    derivations = derive.prove("tr(X A X)", ["X", "A"])
    module = _load(render_derivations(derivations, "torch"))
    assert module["check_gradient"]() < TOLERANCE


@pytest.mark.parametrize(("args", "message"), [
    (["y' A x", "--wrt", "z", "-d", "x: n, depends on z", "-d", "y: m, depends on z"],
     "cannot write code"),
], ids=["symbolic-jacobian"])  # fmt: skip
def test_codegen_cli_refuses_clearly(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["prove", *args, "--format", "numpy"])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_codegen_readme_shows_the_generated_function() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    section = readme[readme.index("## Code: NumPy"):readme.index("## Handouts")]
    shown = section.split("```python\n")[1].split("```")[0]
    code = derive.prove("(y - A x)' (y - A x)", "x").to_numpy()
    function = code[code.index("def f_and_grad"):code.index("    return value, grad\n")]

    def steady(text: str) -> list[str]:  # the verifier's error and sizes may change
        return [line for line in text.splitlines()
                if "relative error" not in line and "at m = " not in line]  # fmt: skip

    assert steady(shown) == steady(function + "    return value, grad\n")
