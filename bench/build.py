"""Handout figures: `derive build` of the default handout against one bare latexmk run of the
same .tex, the no-op rebuild, and `derive check` over the whole catalog.

    python bench/build.py [--repeat 3]

Run it with the Python of the environment derive is installed in. The peer (latexmk on the very
.tex derive wrote) runs in the same loop, so the ratio is robust to machine noise.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from process import derive_command

LATEXMK = ["latexmk", "-pdf", "-norc", "-interaction=nonstopmode", "-halt-on-error",
           "-no-shell-escape"]  # fmt: skip


def timed(command: list[str], cwd: Path | None = None) -> float:
    """Wall seconds of one run (output discarded; a failure stops the benchmark)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=cwd, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    derive = derive_command()
    scratch: list[float] = []
    noop: list[float] = []
    bare: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        for _ in range(args.repeat):
            shutil.rmtree(out, ignore_errors=True)
            scratch.append(timed([*derive, "build", "-o", str(out)]))
            noop.append(timed([*derive, "build", "-o", str(out)]))
            tex = next(out.glob("*/*.tex"))
            peer = Path(tmp) / "peer"
            shutil.rmtree(peer, ignore_errors=True)
            peer.mkdir()
            shutil.copy(tex, peer / "main.tex")
            bare.append(timed([*LATEXMK, "main.tex"], cwd=peer))
        check = [timed([*derive, "check"]) for _ in range(args.repeat)]
    s, n, b = (statistics.median(v) for v in (scratch, noop, bare))
    print(f"medians of {args.repeat} runs; command: {' '.join(derive)}")
    print(f"derive build (default handout, pdf+tex+md, from scratch) {s:.2f} s")
    print(f"bare latexmk on the same .tex                            {b:.2f} s")
    print(f"ratio build / latexmk                                    {s / b:.2f}"
          "   (target <= 1.5)")
    print(f"no-op rebuild                                            {n:.2f} s")
    print(f"ratio no-op / from scratch                               {n / s:.2f}"
          "   (target <= 0.2)")
    print(f"derive check (whole catalog, exact + numeric)            "
          f"{statistics.median(check):.2f} s   (target < 10)")


if __name__ == "__main__":
    main()
