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

Templates are found in a user folder first (``--templates DIR``, laid out like ``templates/``)
and then in the packaged copy: ``derive/templates`` inside a wheel, or the repository's
``templates/`` beside the package in a source checkout or editable install.
"""

from __future__ import annotations

import functools
import json
import os
import re
import traceback
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from derive.documents.page import (
    PAGE_WIDTH,
    TEXT_WIDTH,
    WEB_WIDTH,
    Math,
    Sci,
    build_handout,
    build_proof,
)
from derive.errors import BuildError, DeriveError
from derive.ir import expr as ex
from derive.ir import index as ix

if TYPE_CHECKING:
    import jinja2

    from derive.calculus.proof import Derivation
    from derive.documents.document import Handout

__all__ = [
    "DERIVATION_FORMATS",
    "HANDOUT_FORMATS",
    "TeX",
    "escape_latex",
    "escape_markdown",
    "unprintable_characters",
    "find_templates",
    "render_derivation",
    "render_handout",
    "repr_latex",
]

DERIVATION_FORMATS = ("tex", "tex-fragment", "md", "text", "json")
HANDOUT_FORMATS = ("tex", "md")

_DERIVATION_TEMPLATES = {
    "tex": "tex/derivation.tex.j2",
    "tex-fragment": "tex/fragment.tex.j2",
    "md": "md/derivation.md.j2",
    "text": "text/derivation.txt.j2",
}
_HANDOUT_TEMPLATES = {"tex": "tex/handout.tex.j2", "md": "md/handout.md.j2"}
_ENV_OF_FORMAT = {"tex": "tex", "tex-fragment": "tex", "md": "md", "text": "text"}
_WIDTHS = {"tex": PAGE_WIDTH, "tex-fragment": PAGE_WIDTH, "md": WEB_WIDTH, "text": TEXT_WIDTH}

# C0 and C1 control characters other than tab and newline: never useful in a document, and
# some (ESC, form feed, NUL) confuse terminals or TeX.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")
# ASCII punctuation that means something to CommonMark, GFM tables and strikethrough, HTML, or
# the dollar-math extensions; a backslash makes each one literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#$&|~])")
# What starts a list item or makes a thematic break or heading underline at the start of a
# line ("- a", "1. a", "---"): escaped at the start of a value, in case it starts a line.
_MARKDOWN_LINE_START = re.compile(r"^(\s*(?:\d+)?)([-+.)](?=\s)|[-=](?=[-=]))")


class TeX(str):
    """Text that is already LaTeX (or, in Markdown, already formatted): never escaped again."""

    __slots__ = ()


def _unknown_character(character: str) -> str:
    """LaTeX for a character pdflatex cannot typeset: its code point, in typewriter type."""
    return f"\\texttt{{U+{ord(character):04X}}}"


@functools.cache
def _encoder() -> Any:
    from pylatexenc.latexencode import (
        RULE_DICT,
        UnicodeToLatexConversionRule,
        UnicodeToLatexEncoder,
    )

    # straight quotes stay straight: TeX would print ' and ` as curly quotes, and " as a
    # closing double quote (T1 encoding, set in base.tex.j2, has the straight one)
    quotes = UnicodeToLatexConversionRule(
        rule_type=RULE_DICT,
        rule={ord("'"): r"\textquotesingle{}", ord("`"): r"\textasciigrave{}",
              ord('"'): r"\textquotedbl{}"},
    )
    return UnicodeToLatexEncoder(
        conversion_rules=[quotes, "defaults"],
        non_ascii_only=False,
        unknown_char_policy=_unknown_character,
        unknown_char_warning=False,
    )


def _clean(text: str) -> str:
    """Unicode NFC, without control characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def escape_latex(value: object) -> TeX:
    """Escape prose for LaTeX text mode, so that it prints literally.

    Every TeX special (``\\ { } $ & # ^ _ ~ %``) becomes its text macro, unicode letters and
    symbols become LaTeX (``é`` -> ``\\'e``, ``α`` -> ``\\ensuremath{\\alpha}``), characters
    pdflatex cannot typeset show their code point, control characters are dropped, and runs of
    whitespace (line breaks included) become one space, so the text is safe inside
    ``\\section{...}`` too. :class:`TeX` values are returned unchanged.

    Args:
        value: Any value; it is converted with ``str`` first.

    Returns:
        The escaped text, marked as LaTeX.
    """
    if isinstance(value, TeX):
        return value
    text = _WHITESPACE.sub(" ", _clean(str(value)))
    # "--" and "---" would become en and em dashes (TeX ligatures): "-{}" breaks them up
    return TeX(_LIGATURE_DASH.sub("-{}", _encoder().unicode_to_latex(text)))


_LIGATURE_DASH = re.compile(r"-(?=-)")


def unprintable_characters(value: object) -> list[str]:
    """The characters of ``value`` that pdflatex's fonts cannot print (emoji, most scripts
    other than Latin and Greek), each once, in order.

    :func:`escape_latex` prints such a character as its code point (``U+1F600``) in typewriter
    type; a handout refuses them before that with an error naming the field.
    """
    return [c for c in dict.fromkeys(_clean(str(value))) if not _printable(c)]


@functools.cache
def _printable(character: str) -> bool:
    latex = _encoder().unicode_to_latex(character)
    # Cyrillic comes out as \\CYRA, which needs the T2A encoding the documents do not load
    return not latex.startswith("\\texttt{U+") and "\\cyr" not in latex.lower()


def escape_markdown(value: object) -> str:
    """Escape prose for CommonMark, so that it prints literally (no markup, HTML or math).

    Args:
        value: Any value; it is converted with ``str`` first.

    Returns:
        The text with its Markdown punctuation backslash-escaped, on one line.
    """
    if isinstance(value, TeX):
        return value
    text = _WHITESPACE.sub(" ", _clean(str(value)))
    return _MARKDOWN_LINE_START.sub(r"\1\\\2", _MARKDOWN_SPECIAL.sub(r"\\\1", text))


def _clean_text(value: object) -> str:
    return value if isinstance(value, TeX) else _clean(str(value))


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
def environment(kind: str, templates_dir: str | None = None) -> jinja2.Environment:
    """The Jinja environment for ``kind`` (``tex``, ``md`` or ``text``).

    Args:
        kind: Which escaping and delimiters: ``tex`` (LaTeX), ``md`` (Markdown), ``text``.
        templates_dir: A user folder laid out like ``templates/`` whose files override the
            packaged templates of the same name, or None.

    Returns:
        The environment, with the filters ``tex``, ``uni``, ``trusted``, ``escape_latex``,
        ``escape_markdown`` and ``sci``.
    """
    import jinja2

    search = [templates_dir] if templates_dir is not None else []
    loader = jinja2.ChoiceLoader([_utf8_loader(p) for p in [*search, str(find_templates())]])
    # nbconvert's LaTeX-safe delimiters for .tex.j2; Jinja's own for Markdown and text.
    tex = kind == "tex"
    escape = {"tex": escape_latex, "md": escape_markdown, "text": _clean_text}[kind]
    env = jinja2.Environment(
        block_start_string="((*" if tex else "{%",
        block_end_string="*))" if tex else "%}",
        variable_start_string="(((" if tex else "{{",
        variable_end_string=")))" if tex else "}}",
        comment_start_string="((=" if tex else "{#",
        comment_end_string="=))" if tex else "#}",
        loader=loader,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_refuse_math(escape),
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(_FILTERS)
    return env


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


def _render(kind: str, name: str, templates_dir: str | Path | None, **data: object) -> str:
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


# -- public API ---------------------------------------------------------------------------------


def render_derivation(d: Derivation, fmt: str, templates_dir: str | Path | None = None) -> str:
    """Render one derivation.

    Args:
        d: The derivation (normally verified).
        fmt: ``tex`` (a complete document), ``tex-fragment`` (to ``\\input``), ``md``,
            ``text`` or ``json``.
        templates_dir: A folder whose templates override the packaged ones by name.

    Returns:
        The document as a string.

    Raises:
        ValueError: ``fmt`` is not one of :data:`DERIVATION_FORMATS`.
        BuildError: A template is broken (the message names the template and line).
    """
    if fmt == "json":
        from derive.documents.serialize import to_json_dict

        return json.dumps(to_json_dict(d), indent=2, ensure_ascii=False) + "\n"
    if fmt not in _DERIVATION_TEMPLATES:
        raise ValueError(f"fmt must be one of {', '.join(DERIVATION_FORMATS)}, not {fmt!r}")
    proof = build_proof(d, width=_WIDTHS[fmt])
    return _render(_ENV_OF_FORMAT[fmt], _DERIVATION_TEMPLATES[fmt], templates_dir, p=proof)


def render_handout(handout: Handout, fmt: str, templates_dir: str | Path | None = None) -> str:
    """Render a whole handout.

    Args:
        handout: The handout, its items already derived.
        fmt: ``tex`` (a complete document, for :func:`derive.documents.pdf.compile_pdf`) or ``md``.
        templates_dir: A folder whose templates override the packaged ones by name.

    Returns:
        The document as a string.

    Raises:
        ValueError: ``fmt`` is not one of :data:`HANDOUT_FORMATS`.
        BuildError: A template is broken (the message names the template and line).
    """
    if fmt not in _HANDOUT_TEMPLATES:
        raise ValueError(f"fmt must be one of {', '.join(HANDOUT_FORMATS)}, not {fmt!r}")
    view = build_handout(handout, width=_WIDTHS[fmt])
    return _render(fmt, _HANDOUT_TEMPLATES[fmt], templates_dir, h=view)


def repr_latex(d: Derivation) -> str:
    """The proof as display math for Jupyter: ``$$\\begin{aligned}...\\end{aligned}$$``.

    Args:
        d: The derivation.

    Returns:
        One KaTeX- and MathJax-safe display formula: every step, then the boxed result.
    """
    return _render("tex", "tex/jupyter.tex.j2", None, p=build_proof(d))
