"""The disk cache of derived tables (cleaner/_diskcache.py): where it lives, and that it never changes a result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cleaner import _diskcache
from cleaner.rules import _joins as J

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(folder))
    return folder


def test_the_test_session_never_uses_the_home_cache():
    folder = _diskcache.cache_dir().resolve()
    home = (Path.home() / ".cache" / "cleaner").resolve()
    assert folder != home and home not in folder.parents
    assert "cleaner-test-cache-" in str(folder)


def test_cache_folder_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _diskcache.cache_dir() == tmp_path / "a"
    monkeypatch.delenv("CLEANER_CACHE_DIR")
    assert _diskcache.cache_dir() == tmp_path / "xdg" / "cleaner"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _diskcache.cache_dir() == tmp_path / "home" / ".cache" / "cleaner"


def test_digest_names_every_part():
    assert _diskcache.digest("a", b"x") == _diskcache.digest("a", b"x")
    assert _diskcache.digest("a", b"x") != _diskcache.digest("a", b"y")
    assert _diskcache.digest("ab", b"") != _diskcache.digest("a", b"b")  # parts are delimited


def test_tables_key_follows_the_data_files(monkeypatch):
    key = J._tables_key()
    assert J._tables_key() == key
    real = _diskcache.file_bytes

    def edited(path):
        data = real(path)
        return data + b"\nnewword" if str(path).endswith("language_markers.txt") else data

    monkeypatch.setattr(_diskcache, "file_bytes", edited)
    assert J._tables_key() != key


@pytest.mark.parametrize("words", [[], [""], ["a"], ["the", "", "naïve", "Київ", "\ud800x", "a b"]])
def test_words_round_trip(words):
    assert _diskcache.array_to_words(_diskcache.words_to_array(words)) == words


def test_cb_to_freq_is_wordfreqs():
    from wordfreq import cB_to_freq

    assert [J._cB_to_freq(-i) for i in range(1200)] == [cB_to_freq(-i) for i in range(1200)]


def test_store_and_load(cache):
    arrays = {"k": np.arange(10, dtype=np.uint64), "m": np.ones((3, 4), dtype=np.int64)}
    assert _diskcache.store("t", "abc", arrays)
    got = _diskcache.load("t", "abc", {"k": "uint64", "m": "int64"})
    assert set(got) == {"k", "m"}
    for k, a in arrays.items():
        assert np.array_equal(got[k], a) and got[k].dtype == a.dtype
        assert got[k].flags.writeable and got[k].flags.c_contiguous  # (numba: the same types as a built table)
    assert _diskcache.load("t", "abd", {"k": "uint64", "m": "int64"}) is None  # another key
    assert _diskcache.load("t", "abc", {"k": "int32", "m": "int64"}) is None  # another dtype
    assert _diskcache.load("t", "abc", {"k": "uint64"}) is None  # other arrays
    assert not list(cache.glob("*.tmp"))


def test_only_the_most_recently_used_entries_of_a_name_are_kept(cache):
    keys = [f"{i:032x}" for i in range(_diskcache.KEEP + 2)]
    assert _diskcache.store("t-other", keys[0], {"a": np.zeros(1)})  # another name: never pruned
    for i, key in enumerate(keys):
        assert _diskcache.store("t", key, {"a": np.full(1, i)})
        os.utime(cache / f"t-{key}.npz", ns=(10**18 + i, 10**18 + i))
    assert not (cache / f"t-{keys[1]}.npz").exists()  # the oldest went
    assert _diskcache.load("t", keys[2], {"a": "int64"}) is not None  # the oldest left, used now: the newest
    assert _diskcache.store("t", "f" * 32, {"a": np.zeros(1, dtype=np.int64)})
    kept = sorted(p.name for p in cache.glob("t-*.npz") if not p.name.startswith("t-other"))
    assert kept == sorted(f"t-{k}.npz" for k in ["f" * 32, keys[2], keys[4], keys[5]])
    assert (cache / f"t-other-{keys[0]}.npz").exists()


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"not a zip file at all")
    elif how == "flipped":  # one byte of an array's data: the zip checksum fails
        b = bytearray(data)
        b[len(b) // 3] ^= 0xFF
        path.write_bytes(bytes(b))
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "garbage", "flipped", "empty"])
def test_a_damaged_entry_reads_as_missing(cache, how):
    assert _diskcache.store("t", "k", {"a": np.arange(100_000, dtype=np.uint64)})
    (path,) = cache.glob("t-k.npz")
    damage(path, how)
    assert _diskcache.load("t", "k", {"a": "uint64"}) is None


def test_an_unwritable_folder_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(blocker / "cache"))
    assert _diskcache.store("t", "k", {"a": np.zeros(3)}) is False
    assert _diskcache.load("t", "k", {"a": "float64"}) is None


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to a read-only folder")
def test_a_read_only_folder_is_skipped(cache):
    cache.mkdir()
    cache.chmod(0o500)
    try:
        assert _diskcache.store("t", "k", {"a": np.zeros(3)}) is False
    finally:
        cache.chmod(0o700)


def _wordfreq_lists(lang):
    from wordfreq import get_frequency_list

    return [(i, words) for i, words in enumerate(get_frequency_list(lang, wordlist="best")) if words]


@pytest.mark.parametrize("lang", ["en", "de", "id"])
def test_cached_frequency_lists_equal_wordfreqs(cache, monkeypatch, lang):
    expected = _wordfreq_lists(lang)
    assert J._frequency_lists(lang) == expected  # built, then stored
    assert len(list(cache.glob(f"wordfreq-{lang}-*.npz"))) == 1
    import wordfreq

    def no_wordfreq(*args, **kwargs):
        raise AssertionError("read from wordfreq, not from the cache")

    monkeypatch.setattr(wordfreq, "get_frequency_list", no_wordfreq)
    got = J._frequency_lists(lang)
    assert got == expected
    assert all(type(i) is int and type(w) is list for i, w in got)


@pytest.mark.parametrize("how", ["truncated", "garbage", "flipped"])
def test_a_damaged_frequency_list_is_read_again_and_rewritten(cache, how):
    expected = _wordfreq_lists("id")
    J._frequency_lists("id")
    (path,) = cache.glob("wordfreq-id-*.npz")
    damage(path, how)
    assert J._frequency_lists("id") == expected
    assert _diskcache.load(path.stem.rpartition("-")[0], path.stem.rpartition("-")[2],
                           {"index": "int32", "count": "int64", "words": "uint8"}) is not None  # rewritten


def test_a_frequency_list_entry_that_does_not_add_up_is_not_used(cache):
    expected = _wordfreq_lists("id")
    J._frequency_lists("id")
    (path,) = cache.glob("wordfreq-id-*.npz")
    name, _, key = path.stem.rpartition("-")
    arrays = _diskcache.load(name, key, {"index": "int32", "count": "int64", "words": "uint8"})
    arrays["count"] = arrays["count"][:-1]
    _diskcache.store(name, key, arrays)
    assert J._frequency_lists("id") == expected


def test_frequency_lists_without_a_usable_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(blocker / "cache"))
    assert J._frequency_lists("id") == _wordfreq_lists("id")


def _kernel_or_skip():
    J.load_kernel()
    if J._kernels(0) is None:
        pytest.skip("numba kernel not available")


def _same_tables(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
        assert y.flags.writeable and y.flags.c_contiguous


@pytest.mark.parametrize("name, dtypes, build", [
    ("joins-markers", {"keys": "uint64", "values": "int32", "member": "int64"}, "_build_marker_table"),
    ("joins-plain", {"hot": "uint64", "keys": "uint64"}, "_build_plain_table"),
])
def test_cached_kernel_tables_equal_fresh_ones(cache, monkeypatch, name, dtypes, build):
    _kernel_or_skip()
    fresh = getattr(J, build)()
    stored = J._cached_tables(name, dtypes, getattr(J, build))  # built and stored
    _same_tables(fresh, stored)
    (path,) = cache.glob(f"{name}-*.npz")

    def no_build():
        raise AssertionError("built, not read from the cache")

    _same_tables(fresh, J._cached_tables(name, dtypes, no_build))
    damage(path, "flipped")
    _same_tables(fresh, J._cached_tables(name, dtypes, getattr(J, build)))  # rebuilt
    _same_tables(fresh, J._cached_tables(name, dtypes, no_build))  # and written again


def test_the_cached_plain_table_holds_the_plain_words(cache):
    """Across processes the words sit in other slots (a set's order), so compare what the table holds."""
    _kernel_or_skip()
    kernels = J._kernels(0)
    J._cached_tables("joins-plain", {"hot": "uint64", "keys": "uint64"}, J._build_plain_table)
    script = (
        "from cleaner.rules import _joins as J; import json, numpy as np; J.load_kernel();"
        "hot, keys = J._plain_table(); print(json.dumps([int(np.count_nonzero(hot)), int(np.count_nonzero(keys))]))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    fresh_hot, fresh_keys = J._build_plain_table()
    assert json.loads(out) == [int(np.count_nonzero(fresh_hot)), int(np.count_nonzero(fresh_keys))]
    hot, keys = J._cached_tables("joins-plain", {"hot": "uint64", "keys": "uint64"}, J._build_plain_table)
    assert set(keys[keys != 0].tolist()) == set(fresh_keys[fresh_keys != 0].tolist())
    assert set(hot[hot != 0].tolist()) == set(fresh_hot[fresh_hot != 0].tolist())
    del kernels


CLEAN_SCRIPT = """
import json, sys
from cleaner.rules import _joins as J
from cleaner import clean_text
J.load_kernel()
texts = json.loads(sys.stdin.read())
out = [[r.cleaned, repr(r.edits), repr(r.findings)] for r in map(clean_text, texts)]
print(json.dumps({"out": out, "wordfreq": "wordfreq" in sys.modules}))
"""


def test_output_is_the_same_with_a_cold_and_a_warm_cache(tmp_path):
    from tests.conftest import read_seed

    texts = [read_seed(p) for p in ("001", "002", "003")] + [
        "aclassificação da equipe foi boa e a equipe ganhou. éumaproposta do governo para o país.",
        "Sie sagte, dass die Regierung das Gesetz heute beschlossen hat.Die Opposition war dagegen.",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "CLEANER_CACHE_DIR": str(tmp_path / "c")}

    def run():
        done = subprocess.run([sys.executable, "-c", CLEAN_SCRIPT], input=json.dumps(texts), capture_output=True,
                              text=True, check=True, cwd=REPO, env=env)
        return json.loads(done.stdout)

    cold = run()
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "c").glob("*.npz")).count("wordfreq") >= 1
    warm = run()
    assert warm["out"] == cold["out"]
    assert warm["wordfreq"] is False  # the warm cache spares wordfreq's import
    env["CLEANER_CACHE_DIR"] = str(tmp_path / "c" / "x.npz" / "not-a-folder")
    (tmp_path / "c" / "x.npz").write_bytes(b"")
    assert run()["out"] == cold["out"]  # no usable cache


def test_with_a_warm_cache_the_kernel_loads_without_building_tables(tmp_path):
    """The tables come from the cache: build_table is not even loaded, the scan kernels are (setup time)."""
    code = (
        "from cleaner.rules import _joins as J; from cleaner.registry import setup_seconds\n"
        "k = J._kernels(10**6)\n"
        "assert k is not None and setup_seconds() > 0\n"
        "print(sorted(n for n in ('build_table', 'candidates', 'marker_scores') if getattr(k, n).signatures))\n"
    )
    env = {**os.environ, "CLEANER_JOINS_NUMBA": "1", "CLEANER_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env, cwd=REPO)
            for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert runs[0].stdout.split() == ["['build_table',", "'candidates',", "'marker_scores']"]  # cold: built
    assert runs[1].stdout.split() == ["['candidates',", "'marker_scores']"]  # warm: read
