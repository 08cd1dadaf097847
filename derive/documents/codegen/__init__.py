"""Code from a proof: the value and the derivative of a derivation as a NumPy or PyTorch module.

A printer of its own (``printer``) turns the result's matrix expression into array code, one
entry per node type (the same dispatch as the other printers, :mod:`derive.ir.dispatch`):
``A.T @ x``,
``np.trace``, ``np.linalg.slogdet`` for ``log det``, ``np.linalg.solve`` where an inverse
multiplies a vector or matrix (``np.linalg.inv`` only otherwise), and every subexpression that
occurs more than once (in the value or the derivatives) computed once into a local variable.

The convention of the generated code: a vector, row or column, is a 1-D array ``(n,)``; a matrix
is 2-D; a scalar is a Python float (or 0-D array). A derivative has the shape of the proven
result in the layout asked for, with vectors 1-D: the gradient of a scalar by an ``n`` vector is
``(n,)`` in every layout, by an ``m x n`` matrix it is ``(m, n)`` (``(n, m)`` in numerator
layout); a Jacobian is ``(m, n)`` (``(n, m)`` in denominator layout).

:func:`code_module` (``module``) builds the data the module template (``templates/code/``)
is written from.
"""

from __future__ import annotations

from derive.documents.codegen.module import Argument, Module, Output, code_module
from derive.documents.codegen.printer import LIBRARIES, Library, print_code

__all__ = ["LIBRARIES", "Argument", "Library", "Module", "Output", "code_module", "print_code"]
