"""Print the kill rate of each mutated module and stage from mutmut's results in mutants/.

Usage, from the repository root after `bash scripts/mutate ...`:
    .venv/bin/python scripts/mutation_rates.py [--survivors] [PREFIX...]
    .venv/bin/python scripts/mutation_rates.py --sample [STAGE...]
--survivors lists the surviving mutants not written down as equivalent (`mutmut show NAME`).
--sample reports the random sample of each stage (tests/mutation_samples/STAGE.toml, drawn by
scripts/mutation_sample.py): per module and per stage the mutants sampled, their verdicts, and
the kill rate of the non-equivalent ones with a 95% Wilson interval; a sampled mutant not yet
run counts as "not run" and is left out of the rate.
PREFIX limits the table to modules whose name starts with it (e.g. `calculus check.verify`).
Only modules with at least one checked mutant are listed. Columns: mutants checked, killed
(a test failed; a timeout counts as killed, as mutmut counts it), survived, not reached by the
selected tests ("no tests"), equivalent (survivors listed in tests/mutation_equivalent.toml with
the reason) and the kill rate killed / (checked - equivalent).
"""

from __future__ import annotations

import json
import math
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


def wilson(killed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion killed / total (total > 0)."""
    p = killed / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def verdicts(root: Path) -> dict[str, int | None]:
    """Every mutant's exit code in mutants/ (None: not run)."""
    codes: dict[str, int | None] = {}
    for meta in (root / "mutants" / "derive").rglob("*.py.meta"):
        codes.update(json.loads(meta.read_text("utf-8"))["exit_code_by_key"])
    return codes


def verdict(name: str, code: int | None, equivalent: dict[str, str]) -> str:
    """The column a mutant counts in: killed, survived, no tests, equivalent, not run, other."""
    if code is None:
        return "not run"
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "equivalent" if name in equivalent else "survived"
    return "no tests" if code in NO_TESTS else "other"


def sample_table(root: Path, stages: list[str]) -> list[str]:
    """The sample report: one row per module and per stage (lines of text)."""
    codes, equivalent = verdicts(root), equivalent_names(root)
    head = (f"{'module':<28}{'mutants':>8}{'sampled':>8}{'killed':>7}{'survived':>9}"
            f"{'no tests':>9}{'equiv':>6}{'not run':>8}{'rate':>8}  95% interval")  # fmt: skip
    lines = [head]
    for stage in stages:
        path = root / "tests" / "mutation_samples" / f"{stage}.toml"
        if not path.exists():
            continue
        table = tomllib.loads(path.read_text("utf-8"))
        total: Counter[str] = Counter()
        rows = [(m, table["population"][m], names) for m, names in table["sample"].items()]
        for module, population, names in [*rows, (None, 0, [])]:
            if module is None:
                module, count = f"{stage} (commit {table['commit']})", total
                population = table["mutants"]
            else:
                count = Counter(verdict(n, codes.get(n), equivalent) for n in names)
                count["sampled"] = len(names)
                total.update(count)
            base = count["sampled"] - count["equivalent"] - count["not run"]
            rate, interval = "-", ""
            if base > 0:
                low, high = wilson(count["killed"], base)
                rate = f"{100 * count['killed'] / base:.1f}%"
                interval = f"  {100 * low:.1f}-{100 * high:.1f}%"
            lines.append(f"{module:<28}{population:>8}{count['sampled']:>8}{count['killed']:>7}"
                         f"{count['survived']:>9}{count['no tests']:>9}{count['equivalent']:>6}"
                         f"{count['not run']:>8}{rate:>8}{interval}")  # fmt: skip
    return lines


def main(prefixes: list[str]) -> int:
    if prefixes[:1] == ["--sample"]:
        print("\n".join(sample_table(ROOT, prefixes[1:] or ["language", "calculus", "check"])))
        return 0
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
