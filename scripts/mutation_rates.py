"""Print the kill rate of each mutated module and stage from mutmut's results in mutants/.

Usage, from the repository root after `bash scripts/mutate ...`:
    .venv/bin/python scripts/mutation_rates.py [--survivors] [PREFIX...]
--survivors lists the surviving mutants not written down as equivalent (`mutmut show NAME`).
PREFIX limits the table to modules whose name starts with it (e.g. `calculus check.verify`).
Only modules with at least one checked mutant are listed. Columns: mutants checked, killed
(a test failed; a timeout counts as killed, as mutmut counts it), survived, not reached by the
selected tests ("no tests"), equivalent (survivors listed in tests/mutation_equivalent.toml with
the reason) and the kill rate killed / (checked - equivalent).
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KILLED = {1, 3, 36, 24, -24, 152, 255}  # mutmut's "killed" and "timeout" exit codes
SURVIVED = {0}
NO_TESTS = {5, 33}


def equivalent_names(root: Path) -> dict[str, str]:
    """Return mutant name -> why it is equivalent, from tests/mutation_equivalent.toml."""
    path = root / "tests" / "mutation_equivalent.toml"
    if not path.exists():
        return {}
    table = tomllib.loads(path.read_text("utf-8"))
    return {name: reason for group in table.values() for name, reason in group.items()}


def module_counts(root: Path, prefixes: list[str]) -> dict[str, Counter[str]]:
    """Return module (``calculus.collect``) -> counts of its checked mutants by verdict."""
    equivalent = equivalent_names(root)
    base = root / "mutants" / "derive"
    rows: dict[str, Counter[str]] = {}
    for meta in sorted(base.rglob("*.py.meta")):
        module = ".".join(meta.relative_to(base).with_suffix("").with_suffix("").parts)
        if prefixes and not any(module.startswith(p) for p in prefixes):
            continue
        count: Counter[str] = Counter()
        for name, code in json.loads(meta.read_text("utf-8"))["exit_code_by_key"].items():
            if code is None:
                continue
            count["checked"] += 1
            if code in KILLED:
                count["killed"] += 1
            elif code in SURVIVED:
                count["equivalent" if name in equivalent else "survived"] += 1
            elif code in NO_TESTS:
                count["no tests"] += 1
            else:
                count["other"] += 1
        if count["checked"]:
            rows[module] = count
    return rows


def kill_rate(count: Counter[str]) -> float | None:
    """Killed over checked, the equivalent mutants left out (None when nothing counts)."""
    base = count["checked"] - count["equivalent"]
    return count["killed"] / base if base else None


def survivors(root: Path, prefixes: list[str]) -> list[str]:
    """The surviving mutants of the modules, those written down as equivalent left out."""
    equivalent = equivalent_names(root)
    names = []
    for meta in sorted((root / "mutants" / "derive").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text("utf-8"))["exit_code_by_key"].items():
            module = name.removeprefix("derive.")
            if code in SURVIVED and name not in equivalent and (
                    not prefixes or any(module.startswith(p) for p in prefixes)):  # fmt: skip
                names.append(name)
    return names


def main(prefixes: list[str]) -> int:
    if prefixes[:1] == ["--survivors"]:
        print("\n".join(survivors(ROOT, prefixes[1:])))
        return 0
    rows = module_counts(ROOT, prefixes)
    if not rows:
        print("no checked mutants in mutants/: run bash scripts/mutate first")
        return 1
    stages: dict[str, Counter[str]] = {}
    for module, count in rows.items():
        stages.setdefault(f"{module.split('.', 1)[0]} (modules run)", Counter()).update(count)
    print(f"{'module':<30}{'checked':>8}{'killed':>8}{'survived':>9}{'no tests':>9}{'equiv':>7}"
          f"{'rate':>8}")  # fmt: skip
    for name, count in [*rows.items(), *stages.items()]:
        rate = kill_rate(count)
        shown = "-" if rate is None else f"{100 * rate:.1f}%"
        print(f"{name:<30}{count['checked']:>8}{count['killed']:>8}{count['survived']:>9}"
              f"{count['no tests']:>9}{count['equivalent']:>7}{shown:>8}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
