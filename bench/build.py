"""Handout figures: `derive build` of the default handout against one bare latexmk run of the
same .tex, the no-op rebuild, and `derive check` over the whole catalog.

    python bench/build.py [--repeat 7] [--no-check] [--cold-templates]

"From scratch" means no outputs and no derivation in the cache (a fresh ``DERIVE_CACHE_DIR``
whose only content is Jinja's compiled templates, as after any earlier build, like Python's
``.pyc`` files); ``--cold-templates`` empties that too before every build, so the templates are
compiled afresh each time.

Run it with the Python of the environment derive is installed in. The peer (latexmk on the very
.tex derive wrote) runs in the same loop, so the ratio is robust to machine noise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from process import compile_bytecode, derive_command

LATEXMK = ["latexmk", "-pdf", "-norc", "-interaction=nonstopmode", "-halt-on-error",
           "-no-shell-escape"]  # fmt: skip


def timed(command: list[str], cwd: Path | None = None, cpu: list[float] | None = None) -> float:
    """Wall seconds of one run (output discarded; a failure stops the benchmark); its CPU
    seconds (user + system, its child processes included) are appended to ``cpu``."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=cwd, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return elapsed


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-check", action="store_true", help="skip the `derive check` figure")
    parser.add_argument("--cold-templates", action="store_true",
                        help="no compiled templates kept between builds either")  # fmt: skip
    args = parser.parse_args()
    derive = derive_command()
    compile_bytecode()
    scratch: list[float] = []
    noop: list[float] = []
    bare: list[float] = []
    scratch_cpu: list[float] = []
    bare_cpu: list[float] = []
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cache = Path(tmp) / "cache"
        os.environ["DERIVE_CACHE_DIR"] = str(cache)  # the derivations (and Jinja's bytecode)
        subprocess.run([*derive, "build", "-f", "tex", "-o", str(Path(tmp) / "warm")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        for _ in range(args.repeat):
            shutil.rmtree(out, ignore_errors=True)
            # from scratch: no outputs, no derivation cached (Jinja's compiled templates stay)
            shutil.rmtree(cache / "derivations", ignore_errors=True)
            if args.cold_templates:
                shutil.rmtree(cache / "jinja", ignore_errors=True)
            scratch.append(timed([*derive, "build", "-o", str(out)], cpu=scratch_cpu))
            noop.append(timed([*derive, "build", "-o", str(out)]))
            tex = next(out.glob("*/*.tex"))
            peer = Path(tmp) / "peer"
            shutil.rmtree(peer, ignore_errors=True)
            peer.mkdir()
            shutil.copy(tex, peer / "main.tex")
            bare.append(timed([*LATEXMK, "main.tex"], cwd=peer, cpu=bare_cpu))
            loads.append(os.getloadavg()[0])
        check = [] if args.no_check else [timed([*derive, "check"]) for _ in range(args.repeat)]
    s, n, b = (statistics.median(v) for v in (scratch, noop, bare))
    print(f"medians of {args.repeat} runs; command: {' '.join(derive)}; load average (1 min)"
          f" {min(loads):.1f}-{max(loads):.1f}; compiled templates"
          f" {'cold (compiled in every build)' if args.cold_templates else 'warm'}")  # fmt: skip
    print(f"derive build (default handout, pdf+tex+md, from scratch) {s:.2f} s")
    print(f"bare latexmk on the same .tex                            {b:.2f} s")
    print(f"ratio build / latexmk                                    {s / b:.2f}"
          "   (target <= 1.5)")
    ratios = sorted(x / y for x, y in zip(scratch, bare, strict=True))
    print(f"  ratio in each run                                      "
          f"{', '.join(f'{r:.2f}' for r in ratios)}")
    sc, bc = statistics.median(scratch_cpu), statistics.median(bare_cpu)
    print(f"CPU (user + system, children included): build {sc:.2f} s, latexmk {bc:.2f} s,"
          f" ratio {sc / bc:.2f}")  # fmt: skip
    print(f"no-op rebuild                                            {n:.2f} s")
    print(f"ratio no-op / from scratch                               {n / s:.2f}"
          "   (target <= 0.2)")
    if check:
        print(f"derive check (whole catalog, exact + numeric)            "
              f"{statistics.median(check):.2f} s   (target < 10)")


if __name__ == "__main__":
    main()
