"""Incremental builds: derivations cached per item in the user's cache folder (check.cache)."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive
from derive.documents.handouts.build import default_handout_path

FORMATS = ("tex", "md")


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _entries(cache: Path) -> set[str]:
    return {p.name for p in (cache / "derivations").glob("*.pickle")}


def test_cache_rebuild_after_one_edit_derives_one_item_and_matches_a_fresh_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = default_handout_path().read_text(encoding="utf-8")
    edited = text.replace('identity = "linear_form"', "expr = \"b' x\"\nwrt = \"x\"", 1)
    assert edited != text
    handout = tmp_path / "default.toml"
    handout.write_text(text, encoding="utf-8")
    cache = tmp_path / "cache"
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(cache))

    derive.build(handout, FORMATS, tmp_path / "first")
    before = _entries(cache)
    assert len(before) > 10  # one entry per derived item

    handout.write_text(edited, encoding="utf-8")
    derive.build(handout, FORMATS, tmp_path / "incremental")
    assert len(_entries(cache) - before) == 1  # only the edited item was derived again

    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "fresh-cache"))
    derive.build(handout, FORMATS, tmp_path / "scratch")
    incremental = _outputs(tmp_path / "incremental")
    assert incremental == _outputs(tmp_path / "scratch")
    assert "b^{\\top}" in incremental["default/default.tex"].decode()


def test_cache_unreadable_or_stale_entries_are_misses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    derive.build(None, FORMATS, tmp_path / "first")
    entries = sorted((tmp_path / "cache" / "derivations").glob("*.pickle"))
    entries[0].write_bytes(b"derive-derivation-cache 1 0000\nnot a pickle")
    for entry in entries[1:]:
        entry.write_bytes(entry.read_bytes()[:-20])  # truncated
    derive.build(None, FORMATS, tmp_path / "second")
    assert _outputs(tmp_path / "first") == _outputs(tmp_path / "second")


def test_cache_folder_that_is_a_file_only_turns_caching_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "fresh"))
    derive.build(None, FORMATS, tmp_path / "cached")
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("a file, not a folder", encoding="utf-8")
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(not_a_folder))
    derive.build(None, FORMATS, tmp_path / "uncached")  # every item derived, none cached
    assert _outputs(tmp_path / "uncached") == _outputs(tmp_path / "cached")
    assert not_a_folder.read_text(encoding="utf-8") == "a file, not a folder"


def test_cache_a_second_call_is_read_back_not_derived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from derive.check.cache import cached

    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[tuple[str, str]] = []

    def prove(expr: str, wrt: str) -> str:
        calls.append((expr, wrt))
        return f"d({expr})/d{wrt}"

    lookup = cached(prove)
    assert lookup("x' x", "x") == lookup("x' x", "x") == "d(x' x)/dx"
    assert lookup("x' A x", "x") == "d(x' A x)/dx"
    assert calls == [("x' x", "x"), ("x' A x", "x")]  # the repeat came from the cache
