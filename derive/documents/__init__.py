"""Documents: how a derivation reads on the page.

Printers (``printer``: LaTeX, unicode, ASCII), the page model (``page``), the registry of output
formats (``formats``), Jinja rendering (``render``), JSON (``serialize``), PDF through latexmk
(``pdf``, the only subprocess) and handouts (``handouts/``: ``load`` reads TOML, ``build`` builds).

Importing this package registers the views of a derivation (``to_latex``, ``to_markdown``,
``to_text``, ``to_json``, ``to_numpy``, ``to_torch``, ``_repr_latex_``, ``_repr_html_``); the
renderer itself loads on first use. ``codegen`` writes a derivation's value and derivative as
NumPy or PyTorch code (the ``numpy`` and ``torch`` formats).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from derive.calculus.proof import register_view

if TYPE_CHECKING:
    from derive.calculus.proof import Derivation


def _render(derivation: Derivation, fmt: str) -> str:
    from derive.documents.render import render_derivation

    return render_derivation(derivation, fmt)


def _repr_latex(derivation: Derivation) -> Any:
    from derive.documents.render import repr_latex

    return repr_latex(derivation)


def _repr_html(derivation: Derivation) -> Any:
    from derive.documents.render import repr_html

    return repr_html(derivation)


def _printed(node: Any, names: tuple[str, ...]) -> dict[str, str]:
    from derive.documents.printer import ascii_str, latex, unicode

    return {"LaTeX": latex(node, names), "text": unicode(node, names), "ASCII": ascii_str(node)}


register_view("render", _render)
register_view("printed", _printed)
register_view("repr_latex", _repr_latex)
register_view("repr_html", _repr_html)
