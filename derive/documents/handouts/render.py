"""A derived handout rendered through its format's handout template."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path

from derive.documents.document import Handout, build_handout
from derive.documents.formats import get
from derive.documents.render import (
    HANDOUT_FORMATS,
    line_width,
    preload_templates,
    render_template,
)
from derive.documents.web.flavors import web_markdown
from derive.documents.web.html import finish_page, page_data

__all__ = ["first_formats", "preload", "render_documents", "render_handout"]


def render_handout(handout: Handout, fmt: str, templates_dir: str | Path | None = None) -> str:
    """Render a whole handout.

    Args:
        handout: The handout, its items already derived; its ``md_flavor`` and
            ``front_matter`` shape the Markdown.
        fmt: One of :data:`HANDOUT_FORMATS`: ``tex`` (a complete document, for
            :func:`derive.documents.pdf.compile_pdf`), ``md`` or ``html``.
        templates_dir: A folder whose templates override the packaged ones by name.

    Returns:
        The document as a string.

    Raises:
        ValueError: ``fmt`` is not one of :data:`HANDOUT_FORMATS`.
        BuildError: A template is broken (the message names the template and line), or
            KaTeX failed on the page's math.
    """
    if fmt not in HANDOUT_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(HANDOUT_FORMATS)}, not {fmt!r}")
    form = get(fmt)
    view = build_handout(handout, width=line_width(form.width, handout.style))
    name = form.template(form.handout_template)
    text = render_template(form.templates, name, templates_dir, h=view,
                           plain_headings=handout.front_matter,
                           **(page_data() if fmt == "html" else {}))  # fmt: skip
    if fmt == "md":
        fields = {"title": handout.title, "author": handout.author, "date": handout.date,
                  "layout": "page" if handout.md_flavor == "kramdown" else "",
                  "derivative_layout": handout.layout}  # fmt: skip
        return web_markdown(text, handout.md_flavor, fields if handout.front_matter else None)
    return finish_page(text) if fmt == "html" else text


def render_documents(
    documents: Mapping[str, Handout], wanted: tuple[str, ...], templates_dir: Path | None,
    background: Executor,
) -> Mapping[tuple[str, str], str]:
    """Render every document in every text format the build needs (a PDF needs its source).

    The LaTeX a PDF is compiled from is rendered at once; the other formats are rendered in
    ``background`` while latexmk runs, and reading one of them waits for it.

    Args:
        documents: Each document (the handout, its solutions) by its file name.
        wanted: The formats of the build.
        templates_dir: A folder whose templates override the packaged ones by name.
        background: Where the formats that latexmk does not need are rendered.

    Returns:
        The texts by (document name, format).

    Raises:
        BuildError: A template is broken (the message names the template and line).
    """

    def render(formats: Sequence[str]) -> dict[tuple[str, str], str]:
        return {(name, fmt): render_handout(handout, fmt, templates_dir)
                for name, handout in documents.items() for fmt in formats}  # fmt: skip

    needed = list(dict.fromkeys(get(f).source or f for f in wanted))
    first = first_formats(wanted)
    if first == needed:
        return render(needed)
    return _Texts(render(first), background.submit(render, [f for f in needed if f not in first]))


def first_formats(wanted: Sequence[str]) -> list[str]:
    """The formats :func:`render_documents` renders at once: the LaTeX a PDF is compiled from,
    or, when no PDF is wanted, every format the build needs."""
    needed = list(dict.fromkeys(get(f).source or f for f in wanted))
    compiled = {get(f).source for f in wanted if get(f).needs_tex}
    return [f for f in needed if f in compiled] if compiled else needed


def preload(wanted: Sequence[str], templates_dir: Path | None) -> None:
    """Load the templates of the formats rendered at once (see :func:`first_formats`), so
    that rendering them costs only the rendering: a build does this while the items are
    derived in other processes."""
    for kind in dict.fromkeys(get(f).templates for f in first_formats(wanted)):
        preload_templates(kind, templates_dir)


class _Texts(Mapping[tuple[str, str], str]):
    """The rendered texts: some at hand, the others from a render still running."""

    def __init__(self, ready: dict[tuple[str, str], str],
                 later: Future[dict[tuple[str, str], str]]) -> None:  # fmt: skip
        self._ready = ready
        self._later = later

    def __getitem__(self, key: tuple[str, str]) -> str:
        if key in self._ready:
            return self._ready[key]
        return self._later.result()[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        yield from self._ready
        yield from self._later.result()

    def __len__(self) -> int:
        return len(self._ready) + len(self._later.result())
