"""What a handout is, once its file has been read and its items derived: the objects the
handout templates see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from derive.calculus.proof import Derivation

DEFINITIONS = ("layouts", "jacobian", "gradient", "hessian", "matrix_derivative")


@dataclass(frozen=True)
class Item:
    """One entry of a section: a derivation, or a built-in definition block.

    Attributes:
        title: The item's heading (user prose, escaped when rendered).
        note: Optional prose shown under the title (escaped).
        derivation: The proven derivation, for a derivation item.
        definition: One of :data:`DEFINITIONS`, for a definition block.
        source: Where the identity comes from (``Matrix Cookbook (81)``, ``note 000``), or "".
    """

    title: str
    note: str = ""
    derivation: Derivation | None = None
    definition: str = ""
    source: str = ""


@dataclass(frozen=True)
class Section:
    """A titled group of items with an optional introduction (prose, escaped)."""

    title: str
    items: tuple[Item, ...]
    intro: str = ""


@dataclass(frozen=True)
class Handout:
    """A whole handout.

    Attributes:
        name: File stem of the outputs (``output/<name>/<name>.pdf``).
        title, author, course, date: The title block (prose, escaped).
        layout: The layout every derivation uses (stated in the document).
        solutions: False for an exercise sheet: statements without proofs.
        sections: The content.
        md_flavor: The Markdown's site generator (``documents.flavors.FLAVORS``).
        front_matter: The Markdown starts with YAML front matter; headings are plain text.
    """

    name: str
    title: str
    sections: tuple[Section, ...]
    layout: str = "mixed"
    author: str = ""
    course: str = ""
    date: str = ""
    solutions: bool = True
    options: dict[str, object] = field(default_factory=dict)
    md_flavor: str = "commonmark"
    front_matter: bool = False
