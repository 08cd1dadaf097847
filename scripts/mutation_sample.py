"""Draw a seeded random sample of mutants per stage, stratified by module, for mutmut to run.

Running all ~11,600 mutants of the language, calculus and check stages takes many hours on a
2-core machine; a random sample of a few hundred estimates each stage's kill rate with a known
error (at p = 0.9, 150 mutants give a 95% interval of about +-5 points).

Usage, from the repository root:
    .venv/bin/python scripts/mutation_sample.py generate
        Let mutmut write the mutants/ tree and the names of all mutants (its own generation
        step, without running a test): mutants/derive/**/*.py.meta.
    .venv/bin/python scripts/mutation_sample.py draw [--seed 19] [--size 150] [STAGE...]
        Write tests/mutation_samples/STAGE.toml (each stage named, or all three): the commit,
        then `size` mutants drawn without replacement, allocated to its modules in proportion
        to their mutant counts (largest remainder, at least one per module with mutants), each
        module's share drawn with
        random.Random(f"{seed}:{module}").sample from its sorted names.
    .venv/bin/python scripts/mutation_sample.py names STAGE [PART/PARTS]
        Print the stage's sampled names, to run exactly them:
        DERIVE_MUTATION_STAGE=STAGE nice -n 19 .venv/bin/mutmut run --max-children 2 \
            $(.venv/bin/python scripts/mutation_sample.py names STAGE)
        With PART/PARTS (1/2, 2/2), one of PARTS seeded random parts of the sample: a run cut
        short after some parts still leaves a random sample of the stage.
Then `.venv/bin/python scripts/mutation_rates.py --sample` prints the estimate per stage.
The sample depends only on the seed, the size and the set of mutant names (mutmut names a
mutant by its function and a counter, so a change to a module changes its names).
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "mutation_samples"
STAGES = ("language", "calculus", "check")
SEED = 19
SIZE = 150


def all_names(root: Path) -> dict[str, list[str]]:
    """Module (``calculus.collect``) -> the sorted names of its mutants, from mutants/."""
    base = root / "mutants" / "derive"
    modules: dict[str, list[str]] = {}
    for meta in sorted(base.rglob("*.py.meta")):
        module = ".".join(meta.relative_to(base).with_suffix("").with_suffix("").parts)
        names = sorted(json.loads(meta.read_text("utf-8"))["exit_code_by_key"])
        if names:
            modules[module] = names
    return modules


def allocate(counts: dict[str, int], size: int) -> dict[str, int]:
    """Share ``size`` among strata in proportion to ``counts`` (largest remainder, >= 1 each)."""
    total = sum(counts.values())
    if size >= total:
        return dict(counts)
    exact = {key: size * count / total for key, count in counts.items()}
    share = {key: max(1, int(value)) for key, value in exact.items()}
    by_remainder = sorted(counts, key=lambda key: (share[key] - exact[key], key))
    index = 0
    while sum(share.values()) < size:
        key = by_remainder[index % len(by_remainder)]
        if share[key] < counts[key]:
            share[key] += 1
        index += 1
    return share


def draw(modules: dict[str, list[str]], stage: str, seed: int, size: int) -> dict[str, list[str]]:
    """The stage's sample: module -> its sampled mutant names (sorted)."""
    strata = {m: names for m, names in modules.items() if m.split(".", 1)[0] == stage}
    share = allocate({m: len(names) for m, names in strata.items()}, size)
    return {m: sorted(random.Random(f"{seed}:{m}").sample(strata[m], share[m]))
            for m in sorted(strata)}  # fmt: skip


def write_sample(path: Path, modules: dict[str, list[str]], stage: str, seed: int, size: int,
                 commit: str) -> None:  # fmt: skip
    """Write the stage's sample, with the population per module, as TOML."""
    sample = draw(modules, stage, seed, size)
    lines = [
        "# Written by scripts/mutation_sample.py (do not edit): a seeded random sample of the",
        "# stage's mutants, stratified by module. Command:",
        f"#   .venv/bin/python scripts/mutation_sample.py draw --seed {seed} --size {size} {stage}",
        f'commit = "{commit}"',
        f"seed = {seed}",
        f"size = {sum(len(names) for names in sample.values())}",
        f"mutants = {sum(len(modules[m]) for m in sample)}",
        "",
        "[population]",
    ]
    lines += [f'"{m}" = {len(modules[m])}' for m in sample]
    lines += ["", "[sample]"]
    for module, names in sample.items():
        lines.append(f'"{module}" = [')
        lines += [f'    "{name}",' for name in names]
        lines.append("]")
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")


def sampled_names(path: Path) -> list[str]:
    """The names sampled in a stage's sample file."""
    import tomllib

    table = tomllib.loads(path.read_text("utf-8"))
    return [name for names in table["sample"].values() for name in names]


def part(names: list[str], seed: int, which: str) -> list[str]:
    """Part ``k/n`` of the names: the k-th of n slices of a seeded shuffle of them."""
    k, n = (int(x) for x in which.split("/"))
    order = sorted(names)
    random.Random(f"{seed}:parts").shuffle(order)
    return sorted(order[k - 1 :: n])


def head_commit() -> str:
    """The commit checked out (the code the mutants were generated from)."""
    import subprocess

    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip


def generate() -> None:
    """Let mutmut write mutants/ and every mutant's name, as its `run` does before testing."""
    os.chdir(ROOT)
    from mutmut.__main__ import create_mutants  # mutmut's own generation step
    from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths

    Path("mutants").mkdir(exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    setup_source_paths()
    stats = create_mutants(2)
    print(f"{stats.mutated} files mutated, {stats.ignored} copied, {stats.unmodified} unchanged")


def main(argv: list[str]) -> int:
    if argv[:1] == ["generate"]:
        generate()
        modules = all_names(ROOT)
        for stage in STAGES:
            count = sum(len(n) for m, n in modules.items() if m.startswith(stage + "."))
            print(f"{stage}: {count} mutants")
        return 0
    if argv[:1] == ["names"] and len(argv) in (2, 3):
        names = sampled_names(SAMPLES / f"{argv[1]}.toml")
        print("\n".join(part(names, SEED, argv[2]) if len(argv) == 3 else names))
        return 0
    if argv[:1] == ["draw"]:
        seed, size, stages = SEED, SIZE, []
        rest = argv[1:]
        while rest:
            word = rest.pop(0)
            if word == "--seed":
                seed = int(rest.pop(0))
            elif word == "--size":
                size = int(rest.pop(0))
            elif word in STAGES:
                stages.append(word)
            else:
                print(f"unknown argument {word!r}", file=sys.stderr)
                return 2
        modules = all_names(ROOT)
        if not modules:
            print("no mutants in mutants/: run `generate` first", file=sys.stderr)
            return 1
        for stage in stages or STAGES:
            path = SAMPLES / f"{stage}.toml"
            write_sample(path, modules, stage, seed, size, head_commit())
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
