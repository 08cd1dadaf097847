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
    ("calculus.differential.method", "calculus.differential"),
], ids=["calculus", "check-module", "language-module", "package-list"])  # fmt: skip
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


def _mutation_sample() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation_sample",
                                                  ROOT / "scripts" / "mutation_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_suite_mutation_sample_is_proportional_seeded_and_written_down(tmp_path: Path) -> None:
    sample: object = _mutation_sample()
    # 150 of 1000: 600 -> 90, 390 -> 58.5, 10 -> 1.5; the remainders decide the half units
    share = sample.allocate({"a": 600, "b": 390, "c": 10}, 150)  # type: ignore[attr-defined]
    assert sum(share.values()) == 150 and share["a"] == 90 and share["b"] + share["c"] == 60
    assert sample.allocate({"a": 1000, "b": 2}, 10) == {"a": 9, "b": 1}  # type: ignore[attr-defined]
    assert sample.allocate({"a": 3, "b": 2}, 10) == {"a": 3, "b": 2}  # type: ignore[attr-defined]
    modules = {f"check.m{k}": [f"derive.check.m{k}.x_f__mutmut_{n}" for n in range(1, 41)]
               for k in range(3)} | {"calculus.c": ["derive.calculus.c.x_g__mutmut_1"]}
    first = sample.draw(modules, "check", 19, 30)  # type: ignore[attr-defined]
    assert first == sample.draw(modules, "check", 19, 30)  # type: ignore[attr-defined]
    assert first != sample.draw(modules, "check", 20, 30)  # type: ignore[attr-defined]
    assert [len(names) for names in first.values()] == [10, 10, 10]
    assert all(set(first[m]) <= set(modules[m]) for m in first)
    path = tmp_path / "check.toml"
    sample.write_sample(path, modules, "check", 19, 30, "abc1234")  # type: ignore[attr-defined]
    names = sample.sampled_names(path)  # type: ignore[attr-defined]
    assert sorted(names) == sorted(n for module in first.values() for n in module)
    halves = [sample.part(names, 19, f"{k}/2") for k in (1, 2)]  # type: ignore[attr-defined]
    assert sorted(halves[0] + halves[1]) == sorted(names) and len(halves[0]) == 15
    assert 'commit = "abc1234"' in path.read_text() and "--seed 19 --size 30 check" in (
        path.read_text())


def test_suite_mutation_rates_estimate_a_sample_with_a_wilson_interval(tmp_path: Path) -> None:
    rates: object = _mutation_rates()
    low, high = rates.wilson(135, 150)  # type: ignore[attr-defined]
    assert (round(low, 4), round(high, 4)) == (0.8416, 0.9385)  # p = 0.9, n = 150
    assert rates.wilson(10, 10)[1] == 1.0 and rates.wilson(0, 10)[0] == 0.0  # type: ignore[attr-defined]
    meta = tmp_path / "mutants" / "derive" / "check" / "m.py.meta"
    meta.parent.mkdir(parents=True)
    name = "derive.check.m.x_f__mutmut_"
    codes = {f"{name}{n}": code for n, code in enumerate([1, 36, 0, 0, 33, None, 1])}
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    (tmp_path / "tests" / "mutation_samples").mkdir(parents=True)
    (tmp_path / "tests" / "mutation_equivalent.toml").write_text(f'[check]\n"{name}3" = "same"\n')
    sampled = ", ".join(f'"{name}{n}"' for n in range(6))  # the seventh is not in the sample
    (tmp_path / "tests" / "mutation_samples" / "check.toml").write_text(
        f'commit = "abc1234"\nseed = 19\nsize = 6\nmutants = 7\n[population]\n"check.m" = 7\n'
        f'[sample]\n"check.m" = [{sampled}]\n')
    *_, total = rates.sample_table(tmp_path, ["check"])  # type: ignore[attr-defined]
    # killed 2 (exit 1 and a timeout), survived 1, no tests 1, equivalent 1, not run 1: 2 / 4
    assert total.split()[:11] == ["check", "(commit", "abc1234)", "7", "6", "2", "1", "1", "1",
                                  "1", "50.0%"]  # fmt: skip
