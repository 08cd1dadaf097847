"""Whole-process figures: `derive prove` against a bare SymPy process, `derive --help`, memory.

    python bench/process.py [--repeat 7] [--imports 5]

Run it with the Python of the environment derive is installed in (e.g. .venv/bin/python): the
`derive` command next to that Python is the one measured. Every figure is a median over
``--repeat`` runs; the SymPy peer runs in the same loop, so machine noise hits both alike.
``--imports N`` adds where the import time of `derive prove` goes, by package, from
``python -X importtime`` (each module's own time, the least of N runs).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SYMPY_PEER = (
    "import sympy; n = sympy.Symbol('n', integer=True, positive=True); "
    "x = sympy.MatrixSymbol('x', n, 1); A = sympy.MatrixSymbol('A', n, n); "
    "print((x.T * A * x).diff(x))"
)


def derive_command() -> list[str]:
    """The installed `derive` next to this Python, or `python -m derive`."""
    beside = Path(sys.executable).with_name("derive")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("derive")
    return [found] if found else [sys.executable, "-m", "derive"]


def run(command: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak resident memory (KiB) and CPU seconds (user + system) of one child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return elapsed, max(after.ru_maxrss, before.ru_maxrss), cpu


def peak_kib(command: list[str]) -> int:
    """Peak resident memory of one run, measured in a fresh child via /usr/bin/time or rusage."""
    wrapper = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else "")
    if wrapper:
        done = subprocess.run([wrapper, "-f", "%M", *command], check=True, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        return int(done.stderr.strip().splitlines()[-1])
    return run(command)[1]


def compile_bytecode() -> None:
    """Compile derive's modules to bytecode, as ``pip install`` does for an installed wheel
    (SymPy's and NumPy's were compiled so when they were installed). With an editable install
    and ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines), every derive process would
    otherwise compile all of derive's source again: 0.2 s that no user pays."""
    import compileall

    import derive

    compileall.compile_dir(Path(derive.__file__).parent, quiet=1)


_PACKAGES = ("derive", "numpy", "click", "jinja2", "pylatexenc", "sympy")


def import_times(command: list[str], runs: int) -> dict[str, float]:
    """Seconds of import by package, the least of ``runs`` runs of ``python -X importtime``
    running ``command`` (the `derive` script, or ``python -m derive``, and its arguments).

    A module's own time goes to its package (derive's to its stage, ``derive.ir``), or, for the
    standard library and other modules, to the package whose import loaded it (``inspect``
    under click counts as click); what no package loaded (the interpreter's start-up) is
    ``other``.
    """
    least: dict[str, float] = {}
    for _ in range(runs):
        script = command[1:] if command[0] == sys.executable else command
        done = subprocess.run([sys.executable, "-X", "importtime", *script], check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        rows = [line.removeprefix("import time:").split("|") for line in done.stderr.splitlines()]
        packages: dict[str, float] = {}
        stack: list[tuple[int, str]] = []  # (depth, package) of the importers of the next row
        for own, _, name in reversed([r for r in rows if len(r) == 3 and r[0].strip().isdigit()]):
            depth = len(name) - len(name.lstrip())
            while stack and stack[-1][0] >= depth:
                stack.pop()
            parts = name.strip().split(".")
            top = ".".join(parts[:2]) if parts[0] == "derive" else parts[0]  # derive by stage
            package = top if parts[0] in _PACKAGES else stack[-1][1] if stack else "other"
            stack.append((depth, package))
            packages[package] = packages.get(package, 0.0) + int(own) / 1e6
        for package, seconds in packages.items():
            least[package] = min(least.get(package, seconds), seconds)
    return least


def median(command: list[str], repeat: int) -> float:
    """Median wall time of ``repeat`` runs after one warm-up."""
    run(command)
    return statistics.median(run(command)[0] for _ in range(repeat))


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--imports", type=int, default=0, metavar="N",
                        help="also show the import time of derive prove by package (N runs)")
    args = parser.parse_args()
    derive = derive_command()
    compile_bytecode()
    prove = [*derive, "prove", "x' A x", "--wrt", "x"]
    peer = [sys.executable, "-c", SYMPY_PEER]
    bare = [sys.executable, "-c", "pass"]
    times: dict[str, list[float]] = {"prove": [], "peer": [], "help": [], "bare": []}
    cpu: dict[str, list[float]] = {"prove": [], "peer": []}
    for command in (prove, peer, [*derive, "--help"], bare):
        run(command)  # warm the file cache
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeat):
        loads.append(os.getloadavg()[0])
        for key, command in (("prove", prove), ("peer", peer)):
            wall, _, seconds = run(command)
            times[key].append(wall)
            cpu[key].append(seconds)
        times["help"].append(run([*derive, "--help"])[0])
        times["bare"].append(run(bare)[0])
    med = {key: statistics.median(values) for key, values in times.items()}
    print(f"command: {' '.join(derive)}; medians of {args.repeat} runs, interleaved; load"
          f" average (1 min) {min(loads):.1f}-{max(loads):.1f}")  # fmt: skip
    print(f"derive prove \"x' A x\" --wrt x (verified) {med['prove']:.3f} s")
    print(f"python -c 'import sympy; ...diff...'       {med['peer']:.3f} s")
    print(f"ratio derive / sympy                        {med['prove'] / med['peer']:.2f}"
          "   (target <= 0.5)")
    ratios = sorted(p / q for p, q in zip(times["prove"], times["peer"], strict=True))
    print(f"  ratio in each run                         {', '.join(f'{r:.2f}' for r in ratios)}")
    prove_cpu, peer_cpu = statistics.median(cpu["prove"]), statistics.median(cpu["peer"])
    print(f"CPU (user + system): derive {prove_cpu:.3f} s, sympy {peer_cpu:.3f} s, ratio"
          f" {prove_cpu / peer_cpu:.2f}")  # fmt: skip
    print(f"derive --help                               {med['help']:.3f} s   (target < 0.15)")
    print(f"python -c pass (interpreter start-up)       {med['bare']:.3f} s")
    print(f"peak memory of derive prove                 {peak_kib(prove) / 1024:.0f} MB"
          "   (target < 150)")
    if args.imports:
        shares = import_times(prove, args.imports)
        total = sum(shares.values())
        print(f"imports of derive prove (python -X importtime, least of {args.imports} runs):"
              f" {total:.3f} s")  # fmt: skip
        for name, seconds in sorted(shares.items(), key=lambda item: -item[1]):
            print(f"  {name:<20}{seconds:.3f} s")


if __name__ == "__main__":
    main()
