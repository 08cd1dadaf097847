"""What a handout is, once its file has been read and its items derived (:class:`Handout`), and
how its templates see it (:class:`HandoutView`, built by :func:`build_handout`: each proof as the
page model of :mod:`documents.page`, items numbered).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from derive.calculus.proof import Derivation
from derive.documents.page import Math, ProofView, build_proof
from derive.ir import expr as ex

DEFINITIONS = ("layouts", "jacobian", "gradient", "hessian", "matrix_derivative")


@dataclass(frozen=True, slots=True)
class ExplicitView:
    """The gradient and the Hessian of a scalar function of several scalar variables, written
    out entry by entry (note 002's ``[2x; 2y]`` for ``x^2 + y^2``).

    Attributes:
        function: The function's name.
        variables: The variables, in order.
        gradient: Each first partial derivative's proven value, in order.
        hessian: The rows of second partial derivatives' proven values; () without a Hessian.
        row: The gradient is a row (numerator layout), else a column.
        proven: Every entry was proven and checked.
    """

    function: Math
    variables: tuple[Math, ...]
    gradient: tuple[Math, ...]
    hessian: tuple[tuple[Math, ...], ...]
    row: bool
    proven: bool


def explicit_view(ds: Sequence[Derivation]) -> ExplicitView | None:
    """The explicit gradient (and Hessian) of derivations by several scalars, or None when they
    are not a scalar function by two or more scalar variables."""
    if len(ds) < 2 or not all(d.function.shape.is_scalar and d.wrt.shape.is_scalar for d in ds):
        return None
    names = tuple(ds[0].symbols)
    return ExplicitView(
        function=Math(ex.Symbol(ds[0].function.name, ex.SCALAR), names),
        variables=tuple(Math(d.wrt, names) for d in ds),
        gradient=tuple(Math(d.result.rhs, names) for d in ds),
        hessian=tuple(tuple(Math(e.result.rhs, names) for e in d.second) for d in ds
                      if len(d.second) == len(ds)),
        row=ds[0].layout == ex.Layout.NUMERATOR,
        proven=all(d.proven for d in ds),
    )  # fmt: skip



@dataclass(frozen=True)
class Item:
    """One entry of a section: a derivation, or a built-in definition block.

    Attributes:
        title: The item's heading (user prose, escaped when rendered).
        note: Optional prose shown under the title (escaped).
        derivation: The proven derivation, for a derivation item.
        definition: One of :data:`DEFINITIONS`, for a definition block.
        source: Where the identity comes from (``Matrix Cookbook (81)``, ``note 000``), or "".
        question: On an exercise sheet, the task in the lecturer's words ("" for the default).
        points: Marks for the exercise (0: none shown).
        space: Room left for the answer on the sheet (a TeX length such as ``6cm``), or "".
        label: A name prose can cite the item's result by, or "".
        group: On the last item of several by scalar variables (``wrt = ["x", "y"]``), every
            derivation of the group, for the gradient and Hessian written out entry by entry.
        code: The NumPy code of the value and the derivative shown after the proof, or "".
        second: With ``method = "both"``, the proof by matrix differentials of the same result
            (``derivation`` is the proof by indices).
    """

    title: str
    note: str = ""
    derivation: Derivation | None = None
    definition: str = ""
    source: str = ""
    question: str = ""
    points: int = 0
    space: str = ""
    label: str = ""
    group: tuple[Derivation, ...] = ()
    code: str = ""
    second: Derivation | None = None


@dataclass(frozen=True)
class Section:
    """A titled group of items with an optional introduction (prose, escaped) and the layout
    its derivations use ("" when it is the handout's)."""

    title: str
    items: tuple[Item, ...]
    intro: str = ""
    layout: str = ""


@dataclass(frozen=True)
class Handout:
    """A whole handout.

    Attributes:
        name: File stem of the outputs (``output/<name>/<name>.pdf``).
        title, author, course, date: The title block (prose, escaped).
        layout: The layout every derivation uses (stated in the document).
        solutions: False for an exercise sheet: statements without proofs.
        sections: The content.
        style: ``compact`` or ``full``: how proofs are laid out.
        results_only: With solutions, show each result without its proof.
        show_sources: Show sources on an exercise sheet as well.
        numbering: Exercises numbered through the ``sheet`` or per ``section``.
        exercises: An exercise sheet or its answer key: items are numbered exercises.
        md_flavor: The Markdown's site generator (``documents.web.flavors.FLAVORS``).
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
    style: str = "compact"
    results_only: bool = False
    show_sources: bool = False
    numbering: str = "sheet"
    exercises: bool = False


@dataclass(frozen=True, slots=True)
class ItemView:
    """An entry of a handout section: a proof, or a built-in definition block.

    Attributes:
        number: Its number in the handout (``3.2``: section 3, item 2), the number of its
            result's equation.
        label: The name its result is cited by (``eq:quadratic_form``), "" for definitions.
        exercise: Its number as an exercise (1, 2, ...), 0 for a definition block.
        question, points, space: The exercise's own task, marks and answer space.
        explicit: The gradient (and Hessian) by several scalars written out, after the last
            of their items; None elsewhere.
        code: The NumPy listing shown after the proof (plain text), or "".
        second: The proof by matrix differentials shown after ``proof`` (``method = "both"``).
    """

    title: str
    note: str
    source: str
    definition: str
    proof: ProofView | None
    number: str = ""
    label: str = ""
    exercise: int = 0
    question: str = ""
    points: int = 0
    space: str = ""
    explicit: ExplicitView | None = None
    code: str = ""
    second: ProofView | None = None


@dataclass(frozen=True, slots=True)
class SectionView:
    """A section of a handout; ``layout`` is the one its derivations use."""

    title: str
    intro: str
    items: tuple[ItemView, ...]
    layout: str = "mixed"


@dataclass(frozen=True, slots=True)
class HandoutView:
    """A handout as its templates see it (the fields of :class:`~documents.document.Handout`)."""

    title: str
    author: str
    course: str
    date: str
    layout: str
    solutions: bool
    sections: tuple[SectionView, ...]
    style: str = "full"
    results_only: bool = False
    show_sources: bool = False
    exercises: bool = False
    verified: bool = True

    @property
    def refs(self) -> dict[str, str]:
        """Each item's label (``eq:quadratic-form``) and its number (``4.3``), for ``\\eqref``."""
        return {i.label: i.number for s in self.sections for i in s.items if i.label}

    @property
    def results(self) -> tuple[ItemView, ...]:
        """The items with a result, for the summary table."""
        return tuple(i for s in self.sections for i in s.items if i.proof is not None)

    @property
    def has_code(self) -> bool:
        """Some item shows its NumPy code (the LaTeX preamble then loads ``listings``)."""
        return self.solutions and any(i.code for s in self.sections for i in s.items)


def build_handout(handout: Handout, *, width: int | None = None) -> HandoutView:
    """Build the page data of a handout.

    Args:
        handout: The handout, its derivations done.
        width: As for :func:`build_proof`.

    Returns:
        The handout as its templates see it.
    """
    sections: list[SectionView] = []
    exercise = 0
    used: set[str] = set()
    for number, section in enumerate(handout.sections, start=1):
        section_label = ""
        if handout.numbering == "section":
            exercise, section_label = 0, f"{number}."
        items: list[ItemView] = []
        for position, item in enumerate(section.items, start=1):
            exercise += item.derivation is not None
            numbered = item.derivation is not None and (handout.exercises or not handout.solutions)
            label = f"{section_label}{exercise}" if numbered else f"{number}.{position}"
            view = _item(item, label, exercise, width)
            if view.label in used:  # the same identity twice: the later one by its number
                view = replace(view, label=f"eq:{label}")
            used.add(view.label)
            items.append(view)
        sections.append(SectionView(section.title, section.intro, tuple(items),
                                    section.layout or handout.layout))  # fmt: skip
    return HandoutView(
        title=handout.title,
        author=handout.author,
        course=handout.course,
        date=handout.date,
        layout=handout.layout,
        solutions=handout.solutions,
        sections=tuple(sections),
        style=handout.style,
        results_only=handout.results_only,
        show_sources=handout.show_sources,
        verified=handout.options.get("verify", True) is not False,
        exercises=handout.exercises,
    )


def _item(item: Item, number: str, exercise: int, width: int | None) -> ItemView:
    if item.derivation is None:
        return ItemView(item.title, item.note, item.source, item.definition, None, number)
    return ItemView(
        item.title, item.note, item.source, item.definition,
        build_proof(item.derivation, width=width), number,
        label=f"eq:{(item.label or number).replace('_', '-')}", exercise=exercise,
        question=item.question, points=item.points, space=item.space, code=item.code,
        explicit=explicit_view(item.group) if item.group else None,
        second=None if item.second is None else build_proof(item.second, width=width),
    )  # fmt: skip

