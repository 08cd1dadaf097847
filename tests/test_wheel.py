"""The templates ship inside the wheel: build it, install it in a fresh venv, prove from there.

An editable install reads ``templates/`` at the repository root; a wheel carries them as
``derive/templates`` (hatch ``force-include``). This test is the only proof that the second way
works. It needs PyPI (the build backend and the dependencies come from there): on a developer
machine without network it skips; under ``CI=true`` it fails instead.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import require_tool

ROOT = Path(__file__).resolve().parent.parent
_TIMEOUT = 900


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          timeout=_TIMEOUT, check=False)


def require(step: subprocess.CompletedProcess[str], what: str) -> None:
    """Skip (fail under CI) when a step that needs PyPI could not reach it; fail otherwise."""
    if step.returncode == 0:
        return
    log = step.stdout + step.stderr
    offline = any(sign in log for sign in ("No matching distribution", "Could not find a version",
                                           "Failed to establish a new connection",
                                           "Temporary failure in name resolution"))
    if offline:
        require_tool(f"cannot {what}: PyPI is unreachable")
    pytest.fail(f"cannot {what}:\n{log[-3000:]}")


@pytest.mark.slow
def test_wheel_installs_and_proves_with_its_own_templates(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet",
                 "--disable-pip-version-check", "-w", str(dist)], cwd=tmp_path)
    require(build, "build the wheel")
    (wheel,) = dist.glob("derive_proofs-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "derive/templates/tex/derivation.tex.j2" in names
    assert "derive/templates/md/derivation.md.j2" in names
    assert "derive/templates/text/derivation.txt.j2" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=_TIMEOUT)
    python = venv / "bin" / "python"
    install = run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   str(wheel)], cwd=tmp_path)
    require(install, "install the wheel and its dependencies")

    script = "import derive.documents.render as r; print(r.find_templates())"
    where = run([str(python), "-c", script], cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    found = Path(where.stdout.strip())
    assert found.parent.name == "derive" and "site-packages" in found.parts

    proof = run([str(venv / "bin" / "derive"), "prove", "x' A x", "--wrt", "x", "--format",
                 "tex"], cwd=tmp_path)
    assert proof.returncode == 0, proof.stderr
    assert proof.stdout.startswith("\\documentclass[11pt]{article}")
    assert "\\boxed{\\frac{\\partial \\alpha}{\\partial x} = (A + A^{\\top}) x}" \
        in proof.stdout
