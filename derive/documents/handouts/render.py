"""A derived handout rendered through its format's handout template."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["Background", "Texts", "first_formats", "preload", "render_documents", "render_handout"]


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
    background: Background,
) -> Texts:
    """Render every document in every text format the build needs (a PDF needs its source).

    The formats of :func:`first_formats` are rendered at once; the others in ``background``
    from :meth:`Texts.start` on (a build starts them once latexmk runs), and reading one of
    them waits for it (and starts it, if no one has).

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

    first = first_formats(wanted)
    later = [f for f in dict.fromkeys(get(f).source or f for f in wanted) if f not in first]
    return Texts(render(first), functools.partial(render, later), background)


class Background:
    """One background thread for a build's work during latexmk; the thread (and
    ``concurrent.futures``) start at the first :meth:`submit`, once latexmk runs."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, work: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``work(*args)`` in the background thread."""
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1)
        return self._pool.submit(work, *args)

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


class Texts(Mapping[tuple[str, str], str]):
    """The rendered texts by (document name, format): some at hand, the others rendered in the
    background once :meth:`start` is called (or one of them is read)."""

    def __init__(self, ready: dict[tuple[str, str], str],
                 later: Callable[[], dict[tuple[str, str], str]], background: Background) -> None:
        self._ready = ready
        self._later = later
        self._background = background
        self._future: Future[dict[tuple[str, str], str]] | None = None

    def start(self) -> None:
        """Start rendering the other texts in the background (once)."""
        if self._future is None:
            self._future = self._background.submit(self._later)

    def _rest(self) -> dict[tuple[str, str], str]:
        self.start()
        assert self._future is not None
        return self._future.result()

    def __getitem__(self, key: tuple[str, str]) -> str:
        if key in self._ready:
            return self._ready[key]
        return self._rest()[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        yield from self._ready
        yield from self._rest()

    def __len__(self) -> int:
        return len(self._ready) + len(self._rest())


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
