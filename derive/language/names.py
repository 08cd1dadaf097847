"""Symbol names: Greek letters and how names look in LaTeX and unicode."""

from __future__ import annotations

import re
from collections.abc import Iterable

GREEK_UNICODE: dict[str, str] = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω",
}  # fmt: skip
GREEK = frozenset(GREEK_UNICODE)
_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_NAME_RE = re.compile(r"^([A-Za-z]+?)(?:_?([0-9]+)|_([A-Za-z0-9]+))?$")
_DIGIT_SUFFIX_RE = re.compile(r"^([A-Za-z]+)([0-9]+)$")


def canonical_name(name: str) -> str:
    """The one spelling of a name: ``x1``, ``x_1`` and ``x_{1}`` are all ``x_1``.

    The three spellings print alike (x with a subscript 1), so they must be one symbol: otherwise
    ``x1 + x_1`` would show two equal-looking symbols that the proof treats as different.
    """
    name = name.replace("{", "").replace("}", "")
    match = _DIGIT_SUFFIX_RE.match(name)
    return f"{match.group(1)}_{match.group(2)}" if match else name


def split_name(name: str) -> tuple[str, str]:
    """Split a name into its stem and subscript: ``W_2`` -> (W, 2), ``x1`` -> (x, 1)."""
    match = _NAME_RE.match(name)
    if match is None:
        return name, ""
    return match.group(1), match.group(2) or match.group(3) or ""


def is_greek(name: str) -> bool:
    """Whether the name's stem is a Greek letter (``alpha``, ``sigma_2``)."""
    return split_name(name)[0] in GREEK


def name_latex(name: str) -> str:
    """LaTeX for a symbol name: ``alpha`` -> ``\\alpha``, ``W_2`` -> ``W_{2}``."""
    stem, sub = split_name(name)
    body = f"\\{stem}" if stem in GREEK else stem
    if len(stem) > 1 and stem not in GREEK:
        body = f"\\mathit{{{stem}}}"
    return f"{body}_{{{sub}}}" if sub else body


def name_unicode(name: str) -> str:
    """Unicode for a symbol name: ``alpha`` -> ``α``, ``W_2`` -> ``W₂``."""
    stem, sub = split_name(name)
    body = GREEK_UNICODE.get(stem, stem)
    if not sub:
        return body
    if sub.isdigit():
        return body + sub.translate(_SUBSCRIPT_DIGITS)
    return f"{body}_{sub}"


def ambiguous_names(names: Iterable[str], declared: Iterable[str]) -> tuple[str, ...]:
    """Warnings for undeclared names that read as a product of one-letter names.

    ``x' Ax`` reads ``Ax`` as one symbol (a matrix named Ax); a student meant ``A x``. A name is
    suspect when it is undeclared, two or three ASCII letters, not Greek, and either mixes upper
    and lower case (``Ax``, ``xA``, ``Bx``) or is made of letters that name other symbols.

    Args:
        names: The symbols of the expression.
        declared: The names the user declared (never suspect).

    Returns:
        One sentence per suspect name: "Ax is read as one symbol; write A x for a product".
    """
    names = list(names)
    known = set(declared)
    singles = {n for n in names if len(n) == 1} | {n for n in known if len(n) == 1}
    warnings = []
    for name in names:
        if name in known or not re.fullmatch(r"[A-Za-z]{2,3}", name) or name in GREEK:
            continue
        mixed = name != name.lower() and name != name.upper()
        if mixed or all(letter in singles for letter in name):
            spaced = " ".join(name)
            warnings.append(f"{name} is read as one symbol; write {spaced} for a product")
    return tuple(warnings)
