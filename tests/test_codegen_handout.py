"""``code = true`` in a handout: each proof ends with its NumPy code, a listing in LaTeX (and so
the PDF), a fenced ``python`` block in Markdown, a ``<pre>`` in HTML.

The listing shown is executed: its ``f_and_grad`` returns what the full generated module's does
(which ``test_codegen`` checks against central differences).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import derive
from derive.api import prove
from derive.documents.handouts import build as ho
from derive.documents.handouts.render import render_handout

HANDOUT = """\
title = "Code"
code = true

[[section]]
title = "Least squares"

[[section.item]]
expr = "(y - A x)' (y - A x)"
wrt = "x"

[[section.item]]
identity = "log_determinant"

[[section.item]]
expr = "x' A x"
wrt = "x"
code = false

[[section]]
title = "Sums"
code = false

[[section.item]]
expr = "x' x + sum(x)"
wrt = "x"
code = true

[[section.item]]
expr = "tr(A X)"
wrt = "X"
"""


def _handout(tmp_path: Path, text: str = HANDOUT) -> Any:
    path = tmp_path / "code.toml"
    path.write_text(text, encoding="utf-8")
    return ho.derive_handout(ho.load_handout(path), prove=prove)


def _load(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(code, "<listing>", "exec"), namespace)  # noqa: S102 - the code under test
    return namespace


def test_codegen_handout_code_key_is_inherited_and_overridden(tmp_path: Path) -> None:
    items = [item for section in _handout(tmp_path).sections for item in section.items]
    shown = [bool(item.code) for item in items]
    # the handout's true, an identity, an item's false, a section's false and an item's true
    assert shown == [True, True, False, True, False]


@pytest.mark.parametrize(("expr", "wrt", "point"), [
    ("(y - A x)' (y - A x)", "x", ("x", "y", "A")),
    ("x' x + sum(x)", "x", ("x",)),
], ids=["least-squares", "needs-a-size"])  # fmt: skip
def test_codegen_handout_markdown_listing_runs(tmp_path: Path, expr: str, wrt: str,
                                               point: tuple[str, ...]) -> None:
    text = f'title = "T"\ncode = true\n[[section]]\ntitle = "S"\n[[section.item]]\n' \
           f'expr = "{expr}"\nwrt = "{wrt}"\n'  # fmt: skip
    markdown = render_handout(_handout(tmp_path, text), "md")
    blocks = re.findall(r"```python\n(.*?)```", markdown, flags=re.S)
    assert len(blocks) == 1
    listing = _load(blocks[0])["f_and_grad"]
    full = _load(derive.prove(expr, wrt).to_numpy())
    rng = np.random.default_rng(0)
    arguments = full["random_arguments"](rng)
    assert len(arguments) == len(point)
    for got, expected in zip(listing(*arguments), full["f_and_grad"](*arguments), strict=True):
        np.testing.assert_allclose(got, expected)


def test_codegen_handout_latex_and_html_show_the_listing(tmp_path: Path) -> None:
    handout = _handout(tmp_path)
    tex = render_handout(handout, "tex")
    assert "\\usepackage{listings}" in tex
    assert tex.count("\\begin{lstlisting}[style=derivecode]") == 3
    assert "    grad = 2 * (A.T @ (Ax - y))\n" in tex  # verbatim: nothing escaped
    html = render_handout(handout, "html")
    assert html.count('<pre class="code"><code class="language-python">') == 3
    assert "grad = 2 * (A.T @ (Ax - y))" in html


def test_codegen_handout_without_code_loads_no_listings(tmp_path: Path) -> None:
    tex = render_handout(_handout(tmp_path, HANDOUT.replace("code = true", "code = false")),
                         "tex")  # fmt: skip
    assert "lstlisting" not in tex and "listings" not in tex


def test_codegen_handout_exercise_sheet_hides_the_code(tmp_path: Path) -> None:
    sheet = HANDOUT.replace("code = true\n", "code = true\nsolutions = false\n", 1)
    handout = _handout(tmp_path, sheet)
    assert "f_and_grad" not in render_handout(handout, "md")
    assert "lstlisting" not in render_handout(handout, "tex")


@pytest.mark.parametrize(("text", "message"), [
    ('title = "T"\ncode = "yes"\n[[section]]\ntitle = "S"\n[[section.item]]\nidentity = '
     '"linear_form"\n', 'code: must be true or false, not a string'),
    ('title = "T"\n[[section]]\ntitle = "S"\n[[section.item]]\ndefinition = "layouts"\n'
     'code = true\n', "'code' cannot be used with 'definition'"),
], ids=["not-a-flag", "definition"])  # fmt: skip
def test_codegen_handout_code_key_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ho.HandoutFileError, match=re.escape(message)):
        ho.load_handout(path)


def test_codegen_handout_code_for_a_symbolic_result_names_the_key(tmp_path: Path) -> None:
    text = ('title = "T"\n[[section]]\ntitle = "S"\n[[section.item]]\nexpr = "y\' A x"\n'
            'wrt = "z"\ndeclare = ["x: n, depends on z", "y: m, depends on z"]\ncode = true\n')
    with pytest.raises(ho.HandoutFileError) as caught:
        _handout(tmp_path, text)
    assert "code.toml:8: section[1].item[1].code: code = true: cannot write code" in str(
        caught.value)


def test_codegen_handout_pdf_shows_the_listing(tmp_path: Path, requires_tex: None) -> None:
    path = tmp_path / "code.toml"
    path.write_text(HANDOUT, encoding="utf-8")
    ho.build_handout(path, ("pdf",), tmp_path / "out", prove=prove)
    text = subprocess.run(["pdftotext", str(tmp_path / "out/code/code.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    assert "grad = 2 * (A.T @ (Ax - y))" in text
    assert "value = np.linalg.slogdet(X)[1]" in text
    assert text.count("def f_and_grad(") == 3
