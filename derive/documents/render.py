"""Derivations and handouts -> LaTeX, Markdown, text and JSON, through Jinja templates.

Python builds the data a page shows (:mod:`documents.page`: the proof's rows, reasons, shapes and
checks); the templates in ``templates/`` only lay it out. Two kinds of environment:

* LaTeX (``*.tex.j2``): nbconvert's delimiters ``((* *))``, ``((( )))``, ``((= =))``, and a
  ``finalize`` that escapes every value for LaTeX (pylatexenc's encoder) unless it is
  :class:`TeX`, the marker of trusted LaTeX. Only math from :mod:`documents.printer` (the ``|tex``
  filter) and the output of the templates' own macros (``|trusted``) carry the marker, so
  user prose such as ``\\input{/etc/passwd}`` always comes out literally.
* Markdown and text (Jinja's default delimiters): Markdown escapes prose for CommonMark; text
  only drops control characters.

Which environment, width and template a format uses comes from :mod:`documents.formats`.
``templates/common/`` holds templates shared by several formats (``reasons.j2``, the sentence
before each step): Jinja's own delimiters, the escaping of the format that renders them, and the
format's math delimiters passed in.

Templates are found in a user folder first (``--templates DIR``, laid out like ``templates/``)
and then in the packaged copy: ``derive/templates`` inside a wheel, or the repository's
``templates/`` beside the package in a source checkout or editable install.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from derive.documents.document import explicit_view
from derive.documents.formats import (
    FORMATS,
    SYNTAXES,
    TeX,
    escape_html,
    escape_latex,
    escape_markdown,
    get,
)
from derive.documents.page import Math, Sci, build_proof
from derive.documents.web.flavors import DEFAULT_FLAVOR, plain_heading, web_markdown
from derive.errors import BuildError, DeriveError
from derive.ir import expr as ex
from derive.ir import index as ix

if TYPE_CHECKING:
    import jinja2

    from derive.calculus.proof import Derivation
    from derive.documents.page import StepView

__all__ = [
    "DERIVATION_FORMATS",
    "HANDOUT_FORMATS",
    "TeX",
    "escape_latex",
    "escape_markdown",
    "find_templates",
    "render_derivation",
    "render_derivations",
    "line_width",
    "render_template",
    "render_verdict",
    "repr_latex",
]

DERIVATION_FORMATS = tuple(
    f.name for f in FORMATS.values() if f.derivation_template or f.name == "json"
)
"""The formats :func:`render_derivation` writes."""
HANDOUT_FORMATS = tuple(f.name for f in FORMATS.values() if f.handout_template)
"""The formats :func:`render_handout` writes (the PDF is compiled from one of them)."""
_SHARED = "common"
"""The folder of templates shared by several formats, in Jinja's own syntax."""


def _is_math(value: object) -> bool:
    return isinstance(value, Math | ex.Expr | ix.IndexSum | ix.Term | ix.Entry | ix.Delta
                      | ix.Partial | ix.Count)


def _template_error(message: str) -> Exception:
    from jinja2 import TemplateRuntimeError

    return TemplateRuntimeError(message)


def _refuse_math(escape: Callable[[object], str]) -> Callable[[object], str]:
    """A ``finalize`` that escapes with ``escape`` and rejects math that skipped its filter."""

    def finalize(value: object) -> str:
        if _is_math(value):
            raise _template_error("math in a template must go through |tex or |uni")
        return escape(value)

    return finalize


# -- filters ------------------------------------------------------------------------------------


def _math(value: object) -> Math:
    if isinstance(value, Math):
        return value
    if _is_math(value):
        return Math(value)
    raise _template_error(f"|tex and |uni print math, not {type(value).__name__}")


def tex_filter(value: object) -> TeX:
    """``|tex``: an IR node (or :class:`~derive.documents.page.Math`) as trusted LaTeX math."""
    return TeX(_math(value).latex())


def uni_filter(value: object) -> str:
    """``|uni``: an IR node (or :class:`~derive.documents.page.Math`) as unicode text."""
    return _math(value).unicode()


def trusted_filter(value: object) -> TeX:
    """``|trusted``: mark the output of a template macro as already laid out.

    A macro's output is a plain string whose values were already escaped when the macro
    rendered them; this keeps ``finalize`` from escaping it a second time.
    """
    return TeX(str(value))


_SUPERSCRIPT = str.maketrans(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW×",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂˣ",
)


def superscript_filter(value: object) -> str:
    """``|sup``: text as unicode superscripts (``n×n`` -> ``ⁿˣⁿ``), else ``^(...)``."""
    text = str(value)
    raised = text.translate(_SUPERSCRIPT)
    if any(a == b for a, b in zip(text, raised, strict=True)):
        return f"^({text})" if len(text) > 1 else f"^{text}"
    return raised


def sci_filter(value: float) -> Sci:
    """``|sci``: a float split into mantissa and exponent for ``4.1 \\times 10^{-14}``."""
    return Sci.of(value)


_FILTERS: dict[str, Callable[..., object]] = {
    "tex": tex_filter,
    "uni": uni_filter,
    "trusted": trusted_filter,
    "escape_latex": escape_latex,
    "escape_markdown": escape_markdown,
    "sci": sci_filter,
    "sup": superscript_filter,
}


# -- template loading ---------------------------------------------------------------------------


def find_templates(package_dir: Path | None = None) -> Path:
    """Return the folder of the packaged templates.

    A wheel ships them inside the package as ``derive/templates`` (hatch ``force-include``);
    a source checkout or editable install has them at the repository root, beside the package.

    Args:
        package_dir: The ``derive`` package folder; this module's folder by default.

    Returns:
        The folder holding ``tex/``, ``md/`` and ``text/``.

    Raises:
        FileNotFoundError: Neither place holds the templates (a broken installation).
    """
    package = package_dir if package_dir is not None else Path(__file__).resolve().parents[1]
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "tex").is_dir():
            return candidate
    raise FileNotFoundError(f"derive's templates are missing: neither {package / 'templates'}"
                            f" nor {package.parent / 'templates'} exists")


@functools.lru_cache(maxsize=16)
def environment(
    kind: str, templates_dir: str | None = None, *, shared: bool = False
) -> jinja2.Environment:
    """The Jinja environment of the templates in folder ``kind`` (``tex``, ``md``, ``text``).

    Args:
        kind: A template folder of :data:`~derive.documents.formats.FORMATS`: its format's
            escaping, delimiters and math delimiters.
        templates_dir: A user folder laid out like ``templates/`` whose files override the
            packaged templates of the same name, or None.
        shared: The environment for the templates in ``templates/common/``, which several
            formats share: Jinja's own delimiters, but the escaping of ``kind``.

    Returns:
        The environment, with the filters ``tex``, ``uni``, ``trusted``, ``escape_latex``,
        ``escape_markdown``, ``sci`` and ``sup``, and the function ``reason(step, why)`` (the
        sentence that leads into a step, from ``common/reasons.j2``).
    """
    import jinja2

    fmt = next(f for f in FORMATS.values() if f.templates == kind)
    syntax = SYNTAXES["jinja" if shared else fmt.syntax]
    search = [templates_dir] if templates_dir is not None else []
    loader = jinja2.ChoiceLoader([_utf8_loader(p) for p in [*search, str(find_templates())]])
    env = jinja2.Environment(
        block_start_string=syntax.block_start,
        block_end_string=syntax.block_end,
        variable_start_string=syntax.variable_start,
        variable_end_string=syntax.variable_end,
        comment_start_string=syntax.comment_start,
        comment_end_string=syntax.comment_end,
        loader=loader,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=fmt.autoescape,
        finalize=_refuse_math(fmt.escape),
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(_FILTERS)
    env.filters["prose"] = functools.partial(_prose, fmt.escape, fmt.math or ("", ""), fmt.cite)
    if fmt.autoescape:  # HTML: a macro's output is already Markup; keep it so
        from markupsafe import Markup

        env.filters["trusted"] = Markup
    if fmt.math is not None:
        env.globals["reason"] = functools.partial(_reason, kind, templates_dir)
        env.globals["short_reason"] = functools.partial(_short_reason, kind, templates_dir)
    return env


def preload_templates(kind: str, templates_dir: str | Path | None = None) -> None:
    """Load the templates of folder ``kind`` ahead of a render, which then only renders (a build
    does it while other processes derive the items); a broken one is left for the render."""
    folder = None if templates_dir is None else str(templates_folder(templates_dir).resolve())
    env = environment(kind, folder)
    names = env.list_templates(filter_func=lambda name: name.startswith(f"{kind}/"))
    for load in [*(functools.partial(env.get_template, n) for n in names),
                 functools.partial(_reasons, kind, folder)]:  # fmt: skip
        with contextlib.suppress(Exception):  # the render reports it, with its line
            load()


def reload_templates() -> None:
    """Read the templates afresh on the next render (``derive build --watch``, after a user's
    template changed: Jinja reloads a changed template, but the macros of ``reasons.j2`` are
    kept here once loaded)."""
    environment.cache_clear()
    _reasons.cache_clear()


@functools.lru_cache(maxsize=16)
def _reasons(kind: str, templates_dir: str | None, math: tuple[str, str] | None = None) -> Any:
    """``common/reasons.j2`` for the format of ``kind``: its macros, one per step kind.

    ``math`` replaces the format's inline-math delimiters (inside ``\\text{...}``, Markdown
    closes the text and reopens it: ``}`` and ``\\text{``, so no ``$`` is nested in math).
    """
    fmt = next(f for f in FORMATS.values() if f.templates == kind)
    assert fmt.math is not None
    template = environment(kind, templates_dir, shared=True).get_template(
        f"{_SHARED}/reasons.j2"
    )
    opening, closing = math or fmt.math
    if fmt.autoescape:
        from markupsafe import Markup

        return template.make_module({"open": Markup(opening), "close": Markup(closing),
                                     "wrap": Markup("")})  # fmt: skip
    return template.make_module({"open": TeX(opening), "close": TeX(closing),
                                 "wrap": TeX("\n" if kind == "tex" else "")})  # fmt: skip


def _reason(kind: str, templates_dir: str | None, step: StepView, why: str) -> str:
    """The sentence that leads into ``step``; ``why`` is its rules, already laid out."""
    macro = getattr(_reasons(kind, templates_dir), step.kind)
    text = macro(step, why)
    html = next(f for f in FORMATS.values() if f.templates == kind).autoescape
    return text if html else TeX(str(text))


def _prose(escape: Callable[[object], str], math: tuple[str, str], cite: str, value: object,
           refs: Mapping[str, str] | None = None) -> str:
    """``|prose`` (``|prose(h.refs)`` in a handout): prose with ``$...$`` math, escaped for the
    format (the math checked); ``refs`` maps each item's label to its number, for ``\\eqref``."""
    from derive.documents.prose import ProseError, render_prose

    def cited(name: str) -> str:
        label = "eq:" + name.replace("_", "-")
        if refs is None or label not in refs:
            known = ", ".join(sorted(r.removeprefix("eq:") for r in refs or ()))
            raise ProseError(f"\\eqref{{{name}}}: no item has the label {name!r}"
                             + (f" (labels: {known})" if known else ""))
        return cite.format(label=label, number=refs[label], anchor=label.replace(":", "-"))

    try:
        if escape is escape_html:  # HTML: the math's TeX is text too, escaped like the rest
            from derive.documents.web.html import html_prose
            return html_prose(value, math, cited)
        return TeX(render_prose(value, escape, math, cited))
    except ProseError as error:
        raise _template_error(str(error)) from None


def _short_reason(kind: str, templates_dir: str | None, step: StepView,
                  math: tuple[str, str] | None = None) -> str:
    """The few words beside a line of a compact proof (``by $x_k$; product rule``); HTML
    keeps the Markup its escaping environment made (escaping it again would show ``&#39;``)."""
    tag = _reasons(kind, templates_dir, math).tag(step)
    return tag if hasattr(tag, "__html__") else TeX(str(tag))


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept on disk, so a process does not compile them again.

    Compiling the templates costs more than rendering them; Jinja keys each entry on the
    template's name and the checksum of its source, so an edited template is compiled afresh.
    The folder is ``$DERIVE_CACHE_DIR``, else ``$XDG_CACHE_HOME/derive`` or ``~/.cache/derive``;
    where it cannot be written, nothing is cached.
    """
    import jinja2

    root = os.environ.get("DERIVE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "derive",
    )
    folder = os.path.join(root, "jinja")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None

    class _TolerantCache(jinja2.FileSystemBytecodeCache):
        """A cache that treats an unreadable or unwritable entry as a miss."""

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except (OSError, EOFError, ValueError):
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    return _TolerantCache(folder)


class TemplatesFolderError(DeriveError):
    """The folder given as ``--templates`` (``templates_dir``) is not an existing folder."""


def templates_folder(templates_dir: str | Path) -> Path:
    """A user's templates folder, checked.

    Raises:
        TemplatesFolderError: It does not exist or is not a folder.
    """
    folder = Path(templates_dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise TemplatesFolderError(f"the templates folder {str(folder)!r} {what}: give a folder"
                                   " laid out like templates/ (tex/, md/, text/)")  # fmt: skip
    return folder


def _utf8_loader(folder: str) -> jinja2.BaseLoader:
    """A file loader whose templates that are not UTF-8 are a TemplateError naming the file."""
    import jinja2

    class Utf8Loader(jinja2.FileSystemLoader):
        def get_source(self, environment: jinja2.Environment, template: str) -> Any:
            try:
                return super().get_source(environment, template)
            except UnicodeDecodeError as error:
                raise jinja2.TemplateError(
                    f"the template {template} in {folder} is not UTF-8 text (byte"
                    f" {error.object[error.start]:#04x} at offset {error.start})"
                ) from None

    return Utf8Loader(folder)


def render_template(kind: str, name: str, templates_dir: str | Path | None, **data: object) -> str:
    """Render a template; a broken template (a user's, usually) is a :class:`BuildError`.

    A user's template is code: besides Jinja's own errors it can recurse without end (a macro
    that calls itself, a template that includes or extends itself) or fail in an expression
    (``1 // 0``, ``"a" + 1``), so every exception it raises is reported with the template and
    line it happened at.
    """
    from jinja2 import TemplateError

    folder = None if templates_dir is None else str(templates_folder(templates_dir).resolve())
    try:
        return environment(kind, folder).get_template(name).render(**data)
    except BuildError:
        raise
    except TemplateError as error:
        raise BuildError(f"template error{_where(error)}: {error.message or error}") from None
    except RecursionError as error:
        raise BuildError(f"template error{_where(error)}: a template calls, includes or extends"
                         " itself without end") from None  # fmt: skip
    except Exception as error:  # noqa: BLE001 - a user's template can raise anything
        raise BuildError(f"template error{_where(error)}: {type(error).__name__}: {error}"
                         ) from None  # fmt: skip


def _where(error: Exception) -> str:
    """`` (tex/macros.tex.j2:12)``: where in the templates an error happened, when known."""
    from jinja2 import TemplateSyntaxError

    if isinstance(error, TemplateSyntaxError) and error.lineno:
        return f" ({error.filename or error.name}:{error.lineno})"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    return f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""


def line_width(width: int, style: str) -> int:
    """The widest line of math: in the compact style the reasons' column takes a sixth."""
    return width if style == "full" else width * 5 // 6


# -- public API ---------------------------------------------------------------------------------


def render_derivation(
    d: Derivation,
    fmt: str,
    templates_dir: str | Path | None = None,
    style: str = "full",
    *,
    md_flavor: str = DEFAULT_FLAVOR,
    front_matter: bool = False,
) -> str:
    """Render one derivation.

    Args:
        d: The derivation (normally verified).
        fmt: One of :data:`DERIVATION_FORMATS`: ``tex`` (a complete document),
            ``tex-fragment`` (to ``\\input``), ``md``, ``html``, ``text`` or ``json``.
        templates_dir: A folder whose templates override the packaged ones by name.
        style: ``full`` (a sentence and a display per step) or ``compact`` (one aligned display
            per part, a short reason beside each line); text and JSON have one style.
        md_flavor: For ``md``: the site generator's Markdown (:data:`flavors.FLAVORS`).
        front_matter: For ``md``: YAML front matter, and a plain-text heading.

    Returns:
        The document as a string (an HTML page links to ``katex/`` beside it:
        :func:`documents.web.html.write_assets`).

    Raises:
        ValueError: ``fmt`` is not one of :data:`DERIVATION_FORMATS`, or the flavour unknown.
        BuildError: A template is broken (the message names the template and line), or
            KaTeX failed on the page's math.
    """
    if fmt not in DERIVATION_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(DERIVATION_FORMATS)}, not {fmt!r}")
    if fmt == "json":
        from derive.documents.serialize import to_json_dict

        return json.dumps(to_json_dict(d), indent=2, ensure_ascii=False) + "\n"
    form = get(fmt)
    if form.templates == "code":  # a Python module: the code printer, not the page model
        from derive.documents.codegen import code_module

        name = form.template(form.derivation_template)
        return render_template(form.templates, name, templates_dir, mod=code_module(d, fmt))
    from derive.documents.verdict import build_verdict

    proof = build_proof(d, width=line_width(form.width, style))
    page: dict[str, Any] = {}
    if fmt == "html":  # the page's own module (subprocess, KaTeX) only for a page: 7 ms
        from derive.documents.web.html import finish_page, page_data

        page = page_data()
    text = render_template(form.templates, form.template(form.derivation_template), templates_dir,
                           p=proof, v=build_verdict(d), style=style, plain_headings=front_matter,
                           **page)  # fmt: skip
    if fmt == "md":
        fields = {"title": plain_heading(text), "derivative_layout": proof.layout}
        return web_markdown(text, md_flavor, fields if front_matter else None)
    return finish_page(text) if fmt == "html" else text


def render_derivations(
    ds: Sequence[Derivation],
    fmt: str,
    templates_dir: str | Path | None = None,
    style: str = "full",
) -> str:
    """Render derivations of one expression by several variables as one document.

    The statement (the function and every symbol's space) comes once, then one proof per
    variable, each with what does not depend on its variable, its verdict, layout and check.

    Args:
        ds: The derivations, from ``prove(expr, wrt=[...])`` (one expression, shared shapes).
        fmt: ``tex``, ``md``, ``text`` (the ``derivations`` template of the format),
            ``json`` (``{"derivations": [...]}``) or ``numpy``/``torch`` (one module).
        templates_dir: A folder whose templates override the packaged ones by name.
        style: ``full`` or ``compact``, as for :func:`render_derivation`.

    Returns:
        The document as a string.

    Raises:
        ValueError: ``fmt`` is not one of those, or ``ds`` is empty.
        BuildError: A template is broken (the message names the template and line).
    """
    import dataclasses

    from derive.documents.verdict import build_verdict

    if not ds:
        raise ValueError("render_derivations needs at least one derivation")
    if fmt in ("numpy", "torch"):  # one module: a function returning every derivative
        from derive.documents.codegen import code_module

        form = get(fmt)
        return render_template(form.templates, form.template(form.derivation_template),
                               templates_dir, mod=code_module(ds, fmt))  # fmt: skip
    if fmt == "json":
        from derive.documents.serialize import to_json_dict

        data = {"derivations": [to_json_dict(d) for d in ds]}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt not in DERIVATION_FORMATS or fmt == "tex-fragment":
        raise ValueError(f"fmt must be one of tex, md, text or json, not {fmt!r}")
    form = get(fmt)
    proofs = [build_proof(d, width=line_width(form.width, style)) for d in ds]
    statement = dataclasses.replace(proofs[0], constants=(), dependent=())
    return render_template(form.templates, form.template("derivations"), templates_dir, ps=proofs,
                           vs=[build_verdict(d) for d in ds], statement=statement,
                           style=style, explicit=explicit_view(ds))  # fmt: skip


def render_verdict(d: Derivation, templates_dir: str | Path | None = None) -> str:
    """The verdict on the derivation's answer alone, as text (``derive prove --quiet``).

    Args:
        d: A derivation with a verdict (``prove(..., expect=...)``).
        templates_dir: A folder whose templates override the packaged ones by name.

    Returns:
        The verdict paragraph.

    Raises:
        ValueError: The derivation has no verdict.
    """
    from derive.documents.verdict import build_verdict

    view = build_verdict(d)
    if view is None:
        raise ValueError("the derivation has no verdict: prove it with expect=...")
    form = get("text")
    return render_template(form.templates, form.template("answer"), templates_dir, v=view)


def repr_html(d: Derivation) -> str | None:
    """The proof as an HTML fragment for Jupyter, its math as MathML (no stylesheet needed).

    Args:
        d: The derivation.

    Returns:
        The fragment, or None without node or KaTeX's package (Jupyter then shows LaTeX).
    """
    from derive.documents.web.html import to_mathml

    form = get("html")
    fragment = render_template(form.templates, form.template("jupyter"), None,
                               p=build_proof(d, width=form.width))  # fmt: skip
    return to_mathml(fragment)


def repr_latex(d: Derivation) -> str:
    """The proof as display math for Jupyter: ``$$\\begin{aligned}...\\end{aligned}$$``.

    Args:
        d: The derivation.

    Returns:
        One KaTeX- and MathJax-safe display formula: every step, then the boxed result.
    """
    return render_template("tex", "tex/jupyter.tex.j2", None, p=build_proof(d))
