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


def test_a_corpus_run_gives_the_same_output_and_index_with_and_without_the_signers_order(tmp_path, monkeypatch):
    from cleaner.dedup import index as index_module
    from tests.test_index import WIRE, edited, prose, run_and_read, write

    if _fast.kernels() is None:
        pytest.skip("numba is not available")
    monkeypatch.setattr(_fast, "MIN_ITEMS", 0)
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
