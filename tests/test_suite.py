"""The suite's own settings: Hypothesis profiles by environment (tests/conftest.py)."""

from __future__ import annotations

import json
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


# -- mutation testing: the per-stage test selection and the kill-rate table --------------------

ROOT = TESTS.parent


def _collect(stage: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DERIVE_MUTATION_STAGE": stage}
    command = [sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("stage", "key"), [
    ("calculus", "calculus"), ("check.verify", "check"), ("language.parse", "language"),
], ids=["calculus", "check-module", "language-module"])  # fmt: skip
def test_suite_mutation_stage_collects_only_its_test_files(stage: str, key: str) -> None:
    import tomllib

    table = tomllib.loads((TESTS / "mutation_stages.toml").read_text("utf-8"))
    run = _collect(stage)
    assert run.returncode == 0, run.stdout + run.stderr
    files = {line.split("::")[0].removeprefix("tests/") for line in run.stdout.splitlines()
             if "::" in line}  # fmt: skip
    assert files == set(table[key])


def test_suite_mutation_stage_not_in_the_table_is_an_error() -> None:
    run = _collect("calculs")
    assert run.returncode != 0
    assert "DERIVE_MUTATION_STAGE='calculs' is not in mutation_stages.toml" in run.stderr


def test_suite_mutation_stages_name_existing_test_files() -> None:
    import tomllib

    table = tomllib.loads((TESTS / "mutation_stages.toml").read_text("utf-8"))
    assert {"language", "calculus", "check"} <= set(table)
    for files in table.values():
        assert files, "an empty selection would run no test"
        assert all((TESTS / name).is_file() for name in files), files


def test_suite_mutation_script_refuses_a_module_outside_the_three_stages() -> None:
    run = subprocess.run(["bash", "scripts/mutate", "documents.render"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 2
    assert "documents.render is not in the language, calculus or check stage" in run.stderr


def _mutation_rates() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation_rates",
                                                  ROOT / "scripts" / "mutation_rates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_suite_mutation_rates_count_verdicts_by_module(tmp_path: Path) -> None:
    rates: object = _mutation_rates()
    meta = tmp_path / "mutants" / "derive" / "calculus" / "collect.py.meta"
    meta.parent.mkdir(parents=True)
    name = "derive.calculus.collect.x_f__mutmut_"
    # 1 and 36 (timeout) kill; 0 survives; 33 has no tests; None was never run
    codes = {f"{name}{n}": code for n, code in enumerate([1, 1, 36, 0, 0, 33, None])}
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "mutation_equivalent.toml").write_text(
        f'[calculus]\n"{name}4" = "the two spellings compute the same value"\n')
    (count,) = rates.module_counts(tmp_path, []).values()  # type: ignore[attr-defined]
    assert (count["checked"], count["killed"], count["survived"], count["equivalent"],
            count["no tests"]) == (6, 3, 1, 1, 1)  # fmt: skip
    assert rates.kill_rate(count) == 3 / 5  # type: ignore[attr-defined]
    assert rates.module_counts(tmp_path, ["check"]) == {}  # type: ignore[attr-defined]
