"""A derived handout rendered through its format's handout template."""

from __future__ import annotations

from pathlib import Path

from derive.documents.document import Handout, build_handout
from derive.documents.formats import get
from derive.documents.render import HANDOUT_FORMATS, line_width, render_template
from derive.documents.web.flavors import web_markdown
from derive.documents.web.html import finish_page, page_data

__all__ = ["render_handout"]


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
