"""The band look-up's query order, taken from the signer's sort of the bands (candidate_pairs) instead of an argsort."""

from __future__ import annotations

import numpy as np
import pytest

from cleaner.dedup import _fast
from cleaner.dedup.index import BandIndex, CorpusDedup, _band_order, _sorted_queries
from cleaner.dedup.lsh import band_hashes_by_band, candidate_pairs

BANDS, ROWS = 31, 4


def _signed(hashes: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(hashes.view(np.int64).T)


def _signer_order(sigs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The batch's band hashes ``(m, bands)`` and the order the signer sends with them, as ParagraphSigner makes them."""
    by_band = band_hashes_by_band(sigs, None, BANDS, ROWS)
    hashes = by_band.T.copy()
    candidate_pairs(sigs, BANDS, ROWS, hashes=by_band)
    return hashes, _band_order(by_band, len(sigs))


@pytest.mark.parametrize("m", [2, 3, 17, 300, 1840])
def test_signer_order_sorts_every_band_as_signed_hashes(m, monkeypatch):
    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
    rng = np.random.default_rng(m)
    sigs = rng.integers(0, 2**32, (m, 128), dtype=np.uint64).astype(np.uint32)
    sigs[m // 3 : m // 2] = sigs[0]  # equal hashes in every band
    hashes, order = _signer_order(sigs)
    q = _signed(hashes)
    assert order is not None and order.shape == q.shape
    assert (q < 0).any() and (q >= 0).any()  # (both signs: the rows with the top bit set come first)
    got, used = _sorted_queries(q, order)
    assert used is order  # taken as it is, not sorted again
    assert np.array_equal(got, np.sort(q, axis=1))
    assert np.array_equal(np.take_along_axis(q, used, axis=1), got)


def test_order_left_by_the_numpy_path_is_refused(monkeypatch):
    """Without the kernels candidate_pairs shifts the bands it sorted: the order read from them is not used."""
    monkeypatch.setattr(_fast, "AVAILABLE", False)
    rng = np.random.default_rng(1)
    sigs = rng.integers(0, 2**32, (400, 128), dtype=np.uint64).astype(np.uint32)
    hashes, order = _signer_order(sigs)
    q = _signed(hashes)
    got, used = _sorted_queries(q, order)
    assert used is not order and np.array_equal(got, np.sort(q, axis=1))


def test_sorted_queries_sorts_itself_whatever_order_it_is_given():
    rng = np.random.default_rng(2)
    q = rng.integers(-(2**63), 2**63 - 1, (5, 40), dtype=np.int64)
    q[:, 7] = q[:, 3]  # equal hashes
    good = np.argsort(q, axis=1)
    want = np.sort(q, axis=1)
    swapped = good.copy()
    swapped[:, [0, 1]] = swapped[:, [1, 0]]  # a permutation that does not sort
    repeated = good.copy()
    repeated[2, 5] = repeated[2, 6]  # sorted values, but a row twice and one missing
    repeated_sorted = np.sort(q, axis=1)
    assert np.array_equal(np.take_along_axis(q, repeated, axis=1)[:2], repeated_sorted[:2])
    for order in (None, swapped, repeated, good + 1, good - 1, good[:, :-1], good[:4], good.astype(np.int32)):
        got, used = _sorted_queries(q, order)
        assert np.array_equal(got, want) and np.array_equal(np.take_along_axis(q, used, axis=1), want)
        assert sorted(used[0].tolist()) == list(range(40))
    assert _sorted_queries(q, good)[1] is good


@pytest.mark.parametrize("repeated", [0, 5])
def test_look_up_with_the_signers_order_finds_what_an_argsort_finds(repeated, monkeypatch):
    """BandIndex.lookup_pairs with the signer's order (and with the order of the rows left after the exact
    repeats, as CorpusDedup.matches narrows it) gives the pairs it gives sorting the queries itself."""
    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
    rng = np.random.default_rng(repeated)
    pool = rng.integers(0, 2**32, (60, 128), dtype=np.uint64).astype(np.uint32)
    index = BandIndex(BANDS)
    first = 1
    for size in (200, 90, 40):
        sigs = pool[rng.integers(0, 60, size)]
        sigs[::3] = rng.integers(0, 2**32, sigs[::3].shape, dtype=np.uint64)
        index.add(np.arange(first, first + size), band_hashes_by_band(sigs, None, BANDS, ROWS).T.copy())
        first += size
    sigs = pool[rng.integers(0, 60, 120)]
    sigs[::4] = rng.integers(0, 2**32, sigs[::4].shape, dtype=np.uint64)
    hashes, order = _signer_order(sigs)
    rest = np.delete(np.arange(120), rng.choice(120, repeated, replace=False)) if repeated else np.arange(120)
    if repeated:  # (CorpusDedup.matches's narrowing, written out)
        at = np.full(120, -1, dtype=np.int64)
        at[rest] = np.arange(len(rest))
        order = at[order]
        order = order[order >= 0].reshape(len(order), len(rest))
    given = index.lookup_pairs(hashes[rest], order)
    sorted_here = index.lookup_pairs(hashes[rest])
    assert len(given[0]) > 100
    assert all(np.array_equal(x, y) for x, y in zip(given, sorted_here))


@pytest.mark.parametrize("compiled", [True, False])
def test_a_corpus_run_gives_the_same_output_and_index_with_and_without_the_signers_order(compiled, tmp_path,
                                                                                      monkeypatch):
    """(Without the kernels the signer's order is not what it should be: refused, and the output is the same.)"""
    from cleaner.dedup import index as index_module
    from tests.test_index import WIRE, edited, prose, run_and_read, write

    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
    monkeypatch.setattr(_fast, "AVAILABLE", compiled)
    docs = [{"id": f"d{k}", "text": prose(k % 7) + ("\n" + (edited(WIRE) if k % 2 else WIRE) if k % 3 else "")}
            for k in range(40)]
    write(tmp_path / "in" / "a.jsonl", docs)
    given = []
    look_up = CorpusDedup.matches

    def spy(self, batch):
        given.append(batch is not None and batch.get("order") is not None)
        return look_up(self, batch)

    monkeypatch.setattr(CorpusDedup, "matches", spy)
    with_order = run_and_read(tmp_path, "order", batch_docs=6)
    monkeypatch.setattr(index_module, "_band_order", lambda packed, m: None)
    without = run_and_read(tmp_path, "argsort", batch_docs=6)
    assert with_order == without
    assert sum(given) >= 6 and b'"D001"' in with_order[0]


def test_new_level_sorted_by_the_signers_order_is_the_stable_sort(monkeypatch):
    """BandIndex.add with the order of the new representatives' rows gives the levels of its own stable sort;
    an order that is not a stable argsort (equal keys out of row order, a row twice) is refused."""
    from cleaner.dedup.index import _narrowed, _stably_sorted

    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
    rng = np.random.default_rng(7)
    sigs = rng.integers(0, 2**32, (300, 128), dtype=np.uint64).astype(np.uint32)
    sigs[40:90] = sigs[0]  # equal keys in every band
    hashes, order = _signer_order(sigs)
    rows = np.sort(rng.choice(300, 170, replace=False))
    rows = np.union1d(rows, [0, 40, 41, 89])
    narrowed = _narrowed(order, rows, 300)
    ids = rows + 1000
    older = band_hashes_by_band(rng.integers(0, 2**32, (300, 128), dtype=np.uint64).astype(np.uint32), None,
                                BANDS, ROWS).T.copy()
    levels = []
    for given in (narrowed, None):
        index = BandIndex(BANDS)
        index.add(np.arange(1, 301), older)
        index.add(ids, hashes[rows], given)
        levels.append(index.levels)
    assert len(levels[0]) == len(levels[1]) == 1  # (merged with the level before: the sort fed the merge)
    for (k1, i1), (k2, i2) in zip(*levels):
        assert np.array_equal(k1, k2) and np.array_equal(i1, i2)
    keys = np.ascontiguousarray(hashes[rows].view(np.int64).T)
    ids_b = np.ascontiguousarray(np.broadcast_to(ids, keys.shape))
    want = BandIndex._sorted(keys, ids_b)
    got = _stably_sorted(keys, ids_b, narrowed)
    assert got is not None and all(np.array_equal(x, y) for x, y in zip(got, want))
    unstable = narrowed.copy()
    for b in range(BANDS):  # the equal keys' rows in reverse
        s = keys[b][unstable[b]]
        run = np.flatnonzero(s == keys[b][0])
        unstable[b, run] = unstable[b, run[::-1]]
    twice = narrowed.copy()
    twice[3, 10] = twice[3, 11]
    for bad in (unstable, twice, narrowed[:, ::-1], narrowed[:, :-1]):
        assert _stably_sorted(keys, ids_b, bad) is None
        index = BandIndex(BANDS)
        index.add(ids, hashes[rows], bad)
        assert all(np.array_equal(x, y) for x, y in zip(index.levels[0], want))


def test_narrowed_order_of_an_order_that_is_none_or_not_rows_is_none():
    from cleaner.dedup.index import _narrowed

    order = np.array([[2, 0, 1, 3], [3, 2, 1, 0]])
    assert np.array_equal(_narrowed(order, np.array([0, 2, 3]), 4), [[1, 0, 2], [2, 1, 0]])
    assert _narrowed(order, np.arange(4), 4) is order
    for bad in (None, order + 1, order - 1, np.array([[0, 0, 0, 0], [0, 0, 0, 0]]), order[:, :3]):
        assert _narrowed(bad, np.array([1, 2]), 4) is None
    assert _narrowed(np.array([[1, 1, 1, 2], [3, 2, 1, 0]]), np.array([1, 2]), 4) is None  # (row 1 three times)
