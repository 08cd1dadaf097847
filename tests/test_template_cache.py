"""Compiled templates kept on disk (Jinja's bytecode cache in the user's cache folder) and
loaded ahead of the render (documents.render.preload_templates): never a stale template, and
the same outputs with or without them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

import derive
from derive.documents.handouts.render import preload
from derive.documents.render import (
    environment,
    preload_templates,
    reload_templates,
    render_template,
)
from derive.errors import BuildError

MACROS = "((* macro greet(who) *))Hello, ((( who )))((* endmacro *))\n"


@pytest.fixture(autouse=True)
def _fresh_environments() -> Iterator[None]:
    """Environments are kept per process with the cache folder of their creation: start and
    leave with none, as a new process would."""
    reload_templates()
    yield
    reload_templates()


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from their source from now on."""
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: str, name: str | None = None,
                 *args: object, **kwargs: object) -> object:  # fmt: skip
        compiled.append(str(name))
        return original(self, source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return compiled


def test_a_template_is_compiled_once_then_read_from_the_cache_and_an_edit_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    user = tmp_path / "templates"
    (user / "tex").mkdir(parents=True)
    page = user / "tex" / "page.tex.j2"
    page.write_text("((* import 'tex/greet.tex.j2' as g *))((( g.greet(who)|trusted )))!",
                    encoding="utf-8")  # fmt: skip
    (user / "tex" / "greet.tex.j2").write_text(MACROS, encoding="utf-8")
    compiled = _compiles(monkeypatch)

    assert render_template("tex", "tex/page.tex.j2", user, who="A & B") == r"Hello, A \& B!"
    assert sorted(compiled) == ["tex/greet.tex.j2", "tex/page.tex.j2"]
    assert len(list((tmp_path / "cache" / "jinja").iterdir())) == 2

    reload_templates()  # as a new process: the compiled templates come from the cache
    compiled.clear()
    assert render_template("tex", "tex/page.tex.j2", user, who="C") == "Hello, C!"
    assert compiled == []

    reload_templates()  # an edited template, same size and name: compiled afresh, not stale
    page.write_text("((* import 'tex/greet.tex.j2' as g *))((( g.greet(who)|trusted )))?",
                    encoding="utf-8")  # fmt: skip
    assert render_template("tex", "tex/page.tex.j2", user, who="C") == "Hello, C?"
    assert compiled == ["tex/page.tex.j2"]


def test_preloading_loads_every_template_of_the_format_and_skips_a_broken_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    user = tmp_path / "templates"
    (user / "tex").mkdir(parents=True)
    (user / "tex" / "broken.tex.j2").write_text("((* if *))", encoding="utf-8")
    preload_templates("tex", user)  # no error: the render reports a broken template
    loaded = environment("tex", str(user.resolve())).cache
    assert loaded is not None
    names = {name for _, name in loaded}
    assert "tex/handout.tex.j2" in names and "tex/macros.tex.j2" in names
    assert "tex/broken.tex.j2" not in names
    assert not any(name.startswith("md/") for name in names)
    with pytest.raises(BuildError, match=r"broken\.tex\.j2"):
        render_template("tex", "tex/broken.tex.j2", user)


def test_a_build_preloads_only_what_is_rendered_before_latexmk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    kinds: list[str] = []
    monkeypatch.setattr("derive.documents.handouts.render.preload_templates",
                        lambda kind, folder: kinds.append(kind))  # fmt: skip
    preload(("pdf", "tex", "md"), None)
    assert kinds == ["tex"]  # the Markdown renders while latexmk runs
    kinds.clear()
    preload(("md", "tex"), None)
    assert kinds == ["md", "tex"]


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def test_outputs_are_byte_identical_with_a_cold_a_warm_and_no_template_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = []
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    for number, cached in enumerate([True, True, False]):  # cold, warm, none
        reload_templates()
        if not cached:
            monkeypatch.setattr("derive.documents.render._bytecode_cache", lambda: None)
        derive.build(None, ("tex", "md"), tmp_path / f"out{number}")
        outputs.append(_outputs(tmp_path / f"out{number}"))
        if number == 0:
            entries = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "jinja").iterdir()}
    assert len(entries) > 5
    assert entries == {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "jinja").iterdir()}
    assert outputs[0] == outputs[1] == outputs[2]
    assert set(outputs[0]) == {"default/.derive-stamp.json", "default/default.tex",
                               "default/default.md"}  # fmt: skip


def test_a_tex_error_after_the_text_files_were_staged_keeps_the_last_good_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, requires_tex: None
) -> None:
    """The text files are written (staged) while latexmk runs: when LaTeX then fails, they
    are removed and the previous outputs stay as they were."""
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    derive.build(None, ("pdf", "tex", "md"), out)
    before = _outputs(out)
    broken = tmp_path / "templates"
    (broken / "tex").mkdir(parents=True)
    (broken / "tex" / "handout.tex.j2").write_text(
        "\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n",
        encoding="utf-8")  # fmt: skip
    staged: list[Path] = []
    from derive.documents.handouts import build as handout_build

    real = handout_build._stage_texts

    def recording(*args: object) -> dict[Path, Path]:
        written = real(*args)  # type: ignore[arg-type]
        staged.extend(written.values())
        return written

    monkeypatch.setattr(handout_build, "_stage_texts", recording)
    with pytest.raises(BuildError, match="Undefined control sequence"):
        derive.build(None, ("pdf", "tex", "md"), out, templates_dir=broken)
    assert len(staged) == 2  # the .tex and .md were staged in the background ...
    assert not any(p.exists() for p in staged)  # ... and removed
    assert _outputs(out) == before


def test_the_markdown_is_rendered_once_latexmk_runs_and_not_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, requires_tex: None
) -> None:
    """Nothing competes with the LaTeX render and latexmk's start: the other formats are
    rendered (and the text files written) once latexmk runs."""
    from derive.documents import pdf as pdf_module
    from derive.documents.handouts import build as handout_build
    from derive.documents.handouts import render as handout_render

    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    events: list[str] = []
    real_render, real_popen = handout_render.render_handout, pdf_module.subprocess.Popen
    real_stage = handout_build._stage_texts

    def render(handout: object, fmt: str, *args: object) -> str:
        events.append(f"render {fmt}")
        return real_render(handout, fmt, *args)  # type: ignore[arg-type]

    def popen(command: list[str], **kwargs: object) -> object:
        events.append(command[0])
        return real_popen(command, **kwargs)  # type: ignore[call-overload]

    def stage(*args: object) -> dict[Path, Path]:
        events.append("stage")
        return real_stage(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(handout_render, "render_handout", render)
    monkeypatch.setattr(pdf_module.subprocess, "Popen", popen)
    monkeypatch.setattr(handout_build, "_stage_texts", stage)
    derive.build(None, ("pdf", "tex", "md"), tmp_path / "out")
    assert events == ["render tex", "latexmk", "render md", "stage"]
    assert (tmp_path / "out" / "default" / "default.md").read_text(encoding="utf-8")
