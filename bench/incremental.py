"""Incremental builds: rebuilding the default handout after one edited item, against a build
from scratch (TeX excluded: formats tex and md), both with a warm interpreter.

    python bench/incremental.py [--repeat 7]

Each round builds the default handout with an empty derivation cache (from scratch; Jinja's
compiled templates are warm in both), then edits one item (``linear_form`` becomes ``b' x``)
and builds again with the cache of the first build, so that one item is derived again.
Medians over ``--repeat`` rounds, in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import derive
from derive.documents.handouts.build import default_handout_path

FORMATS = ("tex", "md")


def one_round(cache: Path) -> tuple[float, float]:
    """Seconds of a from-scratch build and of the rebuild after one edited item."""
    text = default_handout_path().read_text(encoding="utf-8")
    shutil.rmtree(cache / "derivations", ignore_errors=True)  # compiled templates stay
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        handout = root / "default.toml"
        handout.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        derive.build(handout, FORMATS, root / "out")
        scratch = time.perf_counter() - start
        handout.write_text(text.replace('identity = "linear_form"', "expr = \"b' x\"\nwrt = \"x\"",
                                        1), encoding="utf-8")  # fmt: skip
        start = time.perf_counter()
        derive.build(handout, FORMATS, root / "out")
        return scratch, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        os.environ["DERIVE_CACHE_DIR"] = str(cache)
        one_round(cache)  # warm-up: imports, compiled templates
        rounds = [one_round(cache) for _ in range(args.repeat)]
    scratch = statistics.median(r[0] for r in rounds)
    rebuild = statistics.median(r[1] for r in rounds)
    print(f"medians of {args.repeat} rounds; formats {', '.join(FORMATS)} (no TeX)")
    print(f"build from scratch (empty derivation cache)   {scratch:.3f} s")
    print(f"rebuild after one edited item                 {rebuild:.3f} s")
    print(f"ratio rebuild / scratch                       {rebuild / scratch:.2f}")


if __name__ == "__main__":
    main()
