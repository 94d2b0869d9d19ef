"""The compiled build (setup.py, cleaner/_compiled.py): used when installed, identical output, never stale."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from cleaner import _compiled

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"

MANIFEST = _compiled.read_manifest()


def _run(args: list[str], pure: bool, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    env.pop("CLEANER_PURE_PYTHON", None)
    if pure:
        env["CLEANER_PURE_PYTHON"] = "1"
    return subprocess.run([sys.executable, "-m", "cleaner", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=600)


#: What stats.json holds of the work done (the rest names paths and times, which differ between two runs).
_COUNTS = ("documents", "bytes_in", "bytes_out", "edits", "edits_by_rule", "findings", "findings_by_rule",
           "errors", "duplicates", "duplicate_clusters", "index_paragraphs")


def _tree(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes; of ``stats.json``, the counts; the resume markers left out (they name the run)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if not p.is_file() or ".cleaner" in rel.parts:
            continue
        if p.name == "stats.json":
            stats = json.loads(p.read_text(encoding="utf-8"))
            out[str(rel)] = json.dumps({k: stats.get(k) for k in _COUNTS}, sort_keys=True).encode()
        else:
            out[str(rel)] = p.read_bytes()
    return out


def test_ci_builds_the_compiled_modules():
    """CI installs the package as the README says (gcc is there): the build must have compiled every module."""
    if not os.environ.get("CI"):
        pytest.skip("only CI is known to have a C compiler and to install with the build's default")
    sys.path.insert(0, str(REPO))
    try:
        from setup import COMPILED  # noqa: E402  (the list the build compiles)
    finally:
        sys.path.remove(str(REPO))
    assert sorted(MANIFEST) == sorted(COMPILED)


def test_the_installed_build_imports_its_compiled_modules():
    if not MANIFEST:
        pytest.skip("a pure-Python install: nothing was compiled")
    code = ("import importlib, json, cleaner; from cleaner import _compiled; "
            f"[importlib.import_module(m) for m in {sorted(MANIFEST)!r}]; "
            "print(json.dumps(_compiled.compiled_modules()))")
    env = {k: v for k, v in os.environ.items() if k != "CLEANER_PURE_PYTHON"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    running = json.loads(out.stdout)
    assert {m: running.get(m) for m in MANIFEST} == {m: True for m in MANIFEST}, out.stderr
    env["CLEANER_PURE_PYTHON"] = "1"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert {m: json.loads(out.stdout).get(m) for m in MANIFEST} == {m: False for m in MANIFEST}


def test_compiled_and_pure_python_write_the_same_bytes(tmp_path):
    """Seeds (with the report and dedup) and a JSONL corpus with a persistent index, both builds, byte for byte."""
    if not MANIFEST:
        pytest.skip("a pure-Python install: there is no compiled build to compare")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bench = REPO.parent / "shared" / "bench-data" / "article-extraction-benchmark" / "ground-truth.json"
    gold = json.loads(bench.read_text(encoding="utf-8"))
    with open(corpus / "part.jsonl", "w", encoding="utf-8") as fh:
        for i, (key, v) in enumerate(sorted(gold.items())):
            # each article twice, the second with damage, so that dedup and the rules both have work
            text = v["articleBody"]
            fh.write(json.dumps({"id": f"{key}-a", "text": text}) + "\n")
            fh.write(json.dumps({"id": f"{key}-b", "text": f"<!-- x -->{text}  \n\n\n\nShare this article\n"
                                 f"caf\u00c3\u00a9 &amp; more"}) + "\n")
            if i >= 60:
                break
    outputs = {}
    for pure in (False, True):
        # The same command lines, run in folders of their own (the report and log name the command line).
        work = tmp_path / ("pure" if pure else "compiled")
        work.mkdir()
        r1 = _run(["clean", str(SEEDS), "-o", "out/seeds", "--report", "out/seeds/report.html", "--progress", "off"],
                  pure, work)
        r2 = _run(["clean", str(corpus), "-o", "out/jsonl", "--index", "index.sqlite", "-j", "1",
                   "--progress", "off"], pure, work)
        assert r1.returncode == 0 and r2.returncode == 0, (r1.stderr, r2.stderr)
        outputs[pure] = _tree(work / "out")
    assert outputs[False].keys() == outputs[True].keys()
    assert len(outputs[False]) > 5
    written = outputs[False]["jsonl/part.jsonl"]
    for code in (b'"D001"', b'"H001"', b'"U001"', b'"B001"', b'"W005"'):  # dedup and the rules had work
        assert code in written, code
    for name in outputs[False]:
        assert outputs[False][name] == outputs[True][name], name


def _fake_package(tmp_path: Path) -> tuple[Path, Path]:
    pkg = tmp_path / "pkgx"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    source = pkg / "mod.py"
    source.write_text("VALUE = 'from source'\n", encoding="utf-8")
    (pkg / "plain.py").write_text("VALUE = 'plain'\n", encoding="utf-8")
    # An extension module beside it (never imported here: a stale or unlisted one is bypassed).
    (pkg / ("mod" + importlib.machinery.EXTENSION_SUFFIXES[0])).write_bytes(b"not a real extension")
    return pkg, source


def test_a_stale_or_unlisted_compiled_module_is_imported_from_its_source(tmp_path, monkeypatch):
    pkg, source = _fake_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for manifest, why in (({"pkgx.mod": "0" * 64}, "stale"), ({}, "not in the build's manifest")):
        finder = _compiled.SourceFirst("pkgx", pkg, manifest, pure=False)
        monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
        for name in ("pkgx", "pkgx.mod", "pkgx.plain"):
            sys.modules.pop(name, None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import pkgx.mod
            import pkgx.plain
        assert pkgx.mod.VALUE == "from source" and pkgx.mod.__file__ == str(source)
        assert finder.from_source == {"pkgx.mod": finder.reason("pkgx.mod", source)}
        assert finder.from_source["pkgx.mod"].startswith(why)
        assert [str(w.message).startswith("pkgx.mod: stale") for w in caught] == ([True] if why == "stale" else [])
        assert pkgx.plain.VALUE == "plain"  # (no extension beside it: the usual import)
        monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if f is not finder])
    for name in ("pkgx", "pkgx.mod", "pkgx.plain"):
        sys.modules.pop(name, None)


def test_a_current_build_is_left_to_python_unless_pure_python_is_asked(tmp_path):
    pkg, source = _fake_package(tmp_path)
    current = {"pkgx.mod": _compiled.source_digest(source)}
    assert _compiled.SourceFirst("pkgx", pkg, current, pure=False).find_spec("pkgx.mod") is None
    assert _compiled.SourceFirst("pkgx", pkg, current, pure=False).find_spec("other.mod") is None
    spec = _compiled.SourceFirst("pkgx", pkg, current, pure=True).find_spec("pkgx.mod")
    assert spec is not None and spec.origin == str(source)
    source.write_text("VALUE = 'edited'\n", encoding="utf-8")  # edited after the build
    with pytest.warns(RuntimeWarning, match="pkgx.mod: stale"):
        spec = _compiled.SourceFirst("pkgx", pkg, current, pure=False).find_spec("pkgx.mod")
    assert spec is not None and spec.origin == str(source)


def test_pure_python_is_asked_by_any_value_but_empty_or_zero(monkeypatch):
    for value, pure in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv("CLEANER_PURE_PYTHON", value)
        assert _compiled.pure_python_requested() is pure
    monkeypatch.delenv("CLEANER_PURE_PYTHON")
    assert _compiled.pure_python_requested() is False


def test_a_missing_or_broken_manifest_reads_as_empty(tmp_path):
    assert _compiled.read_manifest(tmp_path / "none.json") == {}
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert _compiled.read_manifest(tmp_path / "bad.json") == {}
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    assert _compiled.read_manifest(tmp_path / "list.json") == {}


def test_an_edited_pxd_makes_the_build_stale(tmp_path):
    """The manifest vouches for a module's ``.py`` and its ``.pxd``: editing either one is a stale build."""
    pkg, source = _fake_package(tmp_path)
    plain = _compiled.source_digest(source)
    declarations = source.with_suffix(".pxd")
    declarations.write_text("cdef class Thing:\n    cdef public object x\n", encoding="utf-8")
    with_pxd = _compiled.source_digest(source)
    assert with_pxd != plain
    current = {"pkgx.mod": with_pxd}
    assert _compiled.SourceFirst("pkgx", pkg, current, pure=False).find_spec("pkgx.mod") is None
    declarations.write_text("cdef class Thing:\n    cdef public double x\n", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="pkgx.mod: stale"):
        spec = _compiled.SourceFirst("pkgx", pkg, current, pure=False).find_spec("pkgx.mod")
    assert spec is not None and spec.origin == str(source)


def test_the_setup_script_records_the_same_digest_as_the_import_check():
    sys.path.insert(0, str(REPO))
    try:
        import setup  # noqa: E402
    finally:
        sys.path.remove(str(REPO))
    for module in ("cleaner.engine", "cleaner.batch"):
        source = REPO.joinpath(*module.split(".")).with_suffix(".py")
        assert setup.source_digest(module) == _compiled.source_digest(source)
    assert REPO.joinpath("cleaner", "engine.pxd").is_file()  # (so the first of the two has declarations)


def test_the_compiled_engine_keeps_a_documents_state_in_c_fields():
    """cleaner/engine.pxd took effect: the per-document state is an extension type (fields, no __dict__)."""
    from cleaner import engine

    if not _compiled.compiled_modules().get("cleaner.engine"):
        pytest.skip("the engine runs from its source here")
    state = engine._PassState("text", [], "doc", [], {}, None, 1.0, 1)
    assert not hasattr(state, "__dict__")
    with pytest.raises(AttributeError):
        state.not_a_field = 1
    state.used = 2  # (a double field takes an int, as the Python attribute did)
    assert state.used == 2.0 and isinstance(state.used, float)


def _source_module(module: str, monkeypatch):
    """*module* loaded from its ``.py`` under another name: the pure-Python functions beside the compiled ones.

    Its rules register in a registry of their own (the real one has them already).
    """
    import importlib.util

    from cleaner import registry

    monkeypatch.setattr(registry, "_RULES", {})
    path = REPO.joinpath(*module.split(".")).with_suffix(".py")
    name = module.replace(".", "_") + "_source"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, mod)  # (its dataclasses look their module up there)
    spec.loader.exec_module(mod)
    monkeypatch.undo()
    return mod


#: Quotation marks at the edges of a text and of its paragraphs, inch marks, runs of marks, German and
#: French marks, doubled apostrophes, colons in URLs and times, full stops that end no sentence.
_QUOTE_TEXTS = [
    '"Start," he said: "we go." End',
    'He said:\n\n“No.”\n\n',
    '„So“ sagte er. »Non« dit-il. «Oui» ’’twas’’ and ‘‘this’’.',
    'A 12" pipe and "quoted" and """ and "" and ““”” end"',
    'U.S. officials said: the 3.5 rate at 4:25 p.m. on http://x.com: ok',
    'Russia."Biden said:"It is." ”“ «» „“„“ " " "',
    '   \n  leading space\n\n\n trailing   \n\n',
    '"',
    "",
    "no marks at all, just words: a colon and a dot.",
]


def test_the_compiled_quote_helpers_give_what_their_source_gives(monkeypatch):
    """cleaner/rules/quotes.pxd types the loops over quotation marks, colons and sentence ends: same answers."""
    from cleaner.rules import quotes

    if not _compiled.compiled_modules().get("cleaner.rules.quotes"):
        pytest.skip("the quote rules run from their source here")
    source = _source_module("cleaner.rules.quotes", monkeypatch)
    gold = json.loads((REPO.parent / "shared" / "bench-data" / "article-extraction-benchmark"
                       / "ground-truth.json").read_text(encoding="utf-8"))
    texts = _QUOTE_TEXTS + [v["articleBody"] for _, v in sorted(gold.items())[:60]]
    compared = 0
    for text in texts:
        for gap in (quotes._BLANK_GAP, quotes._LINE_GAP):
            assert quotes._between_gaps(text, gap) == source._between_gaps(text, gap)
        n = len(text)
        for lo, hi in ((0, n), (1, n - 1), (n // 3, n)):
            if lo > hi or hi < 0:
                continue
            assert quotes._mark_starts(text, lo, hi) == source._mark_starts(text, lo, hi)
        for half in ("’", "‘"):
            q = text.find(half)
            if q >= 0:
                assert quotes._pair_starts(text, half, q, n, 32) == source._pair_starts(text, half, q, n, 32)
        assert quotes._colons(text) == source._colons(text)
        for c in quotes._colons(text) + [n]:
            for lo in (0, max(0, c - 400), c):
                assert quotes._last_sentence_end(text, lo, c) == source._last_sentence_end(text, lo, c)
                assert quotes._last_sentence_end(text, lo, c, 1) == source._last_sentence_end(text, lo, c, 1)
        for m in quotes._verb_pattern().finditer(text):
            assert quotes._glued_or_free(text, m) == source._glued_or_free(text, m)
        for s, e in quotes.paragraphs(text):
            marks = quotes._mark_starts(text, s, e)
            if marks and (s == 0 or text[s - 1].isspace()):
                assert quotes._match_marks(text, s, e, marks) == source._match_marks(text, s, e, marks)
                compared += 1
    assert compared > 50

    class NotAString:  # duck-typed text: the source takes it, the typed build does not
        def find(self, *args):
            return -1

    assert source._colons(NotAString()) == []
    with pytest.raises(TypeError):
        quotes._colons(NotAString())
