"""The suite's own settings: Hypothesis profiles by environment (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
SHOW = ("import conftest, hypothesis; s = hypothesis.settings.default; "
        "print(s.derandomize, s.database is None, s.max_examples)")  # fmt: skip


@pytest.mark.parametrize(("env", "shown"), [
    ({"CI": "true"}, "True True 100"),
    ({"CI": "", "HYPOTHESIS_PROFILE": "ci"}, "True True 100"),
    ({"CI": ""}, "False False 100"),
], ids=["CI=true", "HYPOTHESIS_PROFILE=ci", "local"])  # fmt: skip
def test_suite_hypothesis_profile_follows_the_environment(env: dict[str, str], shown: str) -> None:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    run = subprocess.run([sys.executable, "-c", SHOW], cwd=TESTS, env={**base, **env},
                         capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert run.stdout.strip() == shown
