"""Web output: Markdown flavours for site generators (``flavors``) and HTML pages with KaTeX
(``html``)."""
