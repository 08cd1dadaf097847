"""The input language: text to a shape-checked expression.

``lex_ascii`` and ``lex_latex`` (pylatexenc) turn text into ``tokens``; ``parse`` builds a
``syntax`` tree; ``declare`` reads declarations; ``shapes`` infers shapes and builds the IR;
``frontend.parse`` runs them in order. ``names`` holds Greek letters and name spellings.
"""
