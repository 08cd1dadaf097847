"""A handout file after its keys and types have been checked, before any derivation."""

from __future__ import annotations

from dataclasses import dataclass

from derive.documents.handouts.locate import KeyPath

__all__ = ["HandoutSpec", "ItemSpec", "SectionSpec"]


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One ``[[section.item]]``: a catalog identity, an expression or a definition block."""

    path: KeyPath
    kind: str
    identity: str = ""
    expr: str = ""
    wrt: str = ""
    variables: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()
    title: str = ""
    note: str = ""
    hessian: bool = False
    declare: tuple[str, ...] = ()
    definition: str = ""
    source: str = ""
    layout: str = ""
    structure: str = "none"
    question: str = ""
    points: int = 0
    space: str = ""
    label: str = ""
    via: str = ""
    code: bool | None = None
    method: str = ""


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One ``[[section]]``; ``layout`` and ``method`` override the handout's ("" keeps them), as
    ``code`` does (None keeps it)."""

    title: str
    intro: str
    items: tuple[ItemSpec, ...]
    layout: str = ""
    code: bool | None = None
    method: str = ""


@dataclass(frozen=True)
class HandoutSpec:
    """A handout file after its keys and types have been checked, before any derivation.

    Attributes:
        file: How messages name the file.
        text: The file's text.
        name: The output name (``output/<name>/<name>.pdf``).
        declare: Declarations applied to every ``expr`` item (a catalog identity carries its
            own declarations, which fix what the identity says).
        solutions: Proofs are shown (false: an exercise sheet).
        results_only: ``solutions = "results"``: results without their proofs.
        answer_key: With ``solutions = false``, also write ``<name>-solutions.*``.
        key_results_only: ``answer_key = "results"``: the key gives results, not proofs.
        style: ``compact`` (aligned proofs, the default) or ``full`` (a display per step).
        show_sources: Print each item's source on an exercise sheet too.
        numbering: Exercises numbered through the ``sheet`` or per ``section``.
        method: The proof method (``index``, ``differential``) or ``both``, one proof after
            the other with one result; a section or an item may override it.
        mtime: The file's modification time (the build date of the PDF).
        code: Each proof ends with its NumPy code (a section's or an item's ``code`` wins).
    """

    file: str
    text: str
    name: str
    title: str
    author: str
    course: str
    date: str
    layout: str
    solutions: bool
    verify: bool
    answer_key: bool
    declare: tuple[str, ...]
    sections: tuple[SectionSpec, ...]
    mtime: int
    results_only: bool = False
    key_results_only: bool = False
    style: str = "compact"
    show_sources: bool = False
    numbering: str = "sheet"
    md_flavor: str = "commonmark"
    front_matter: bool = False
    code: bool = False
    method: str = "index"
