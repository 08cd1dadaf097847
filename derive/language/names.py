"""Symbol names: Greek letters and how names look in LaTeX and unicode."""

from __future__ import annotations

import re

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
