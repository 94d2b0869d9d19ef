"""A persistent near-duplicate index of documents, for incremental dedup at corpus scale.

``cleaner clean … --index PATH`` checks every cleaned document against an
index that outlives the run: documents already in the index (from this run
or from earlier runs over other files) are near-duplicates when their
estimated Jaccard similarity is at least ``threshold``; new documents are
added.  A new batch of files is thus checked against an existing corpus
without recomputing it.

* ``--index corpus.sqlite`` (or any path): an embedded SQLite file holding
  each document's MinHash signature and its LSH bands (one table row per
  band, indexed), so memory does not grow with the corpus.
* ``--index redis://host:6379/0``: datasketch's :class:`~datasketch.MinHashLSH`
  with its Redis storage (the LSH buckets live in Redis), plus a Redis hash
  of signatures for verification.  Several machines can share it.

Signatures come from :mod:`cleaner.dedup.minhash` (word 5-gram shingles,
``affine32`` MinHash, computed for a whole batch with numpy in the worker
processes); they are bit-for-bit datasketch signatures, so the Redis index
is an ordinary datasketch index.  The banding (``b`` bands of ``r`` rows) is
datasketch's optimum for the threshold.

The result for a duplicate is a finding (``D900 indexed-duplicate``, with
``data.duplicate_of`` and ``data.similarity``) on the later document; the
first document of each cluster stays the representative.  Decisions follow
input order, so they are the same with any number of jobs.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from cleaner.io.files import InputError

FINDING_CODE = "D900"
FINDING_NAME = "indexed-duplicate"


@dataclass(frozen=True)
class DocumentSigner:
    """Computes document signatures in the workers (picklable, no state)."""

    num_perm: int = 128
    ngram: int = 5
    seed: int = 1

    def signatures(self, texts: list[str]) -> list[bytes | None]:
        """One signature (``num_perm`` little-endian uint32 as bytes) per text; None if too short to compare."""
        if not texts:
            return []
        from cleaner.dedup.minhash import minhash_signatures, shingle_batch

        batch = shingle_batch(texts, self.ngram)
        sigs = minhash_signatures(batch, self.num_perm, self.seed)
        counts = batch.counts()
        return [sigs[i].astype("<u4").tobytes() if counts[i] else None for i in range(len(texts))]


class _Banding:
    def __init__(self, threshold: float, num_perm: int):
        from datasketch import MinHashLSH

        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.ranges = list(lsh.hashranges)

    def buckets(self, sig: np.ndarray) -> list[bytes]:
        return [hashlib.blake2b(sig[s:e].tobytes(), digest_size=12).digest() for s, e in self.ranges]


class SQLiteIndex:
    """Signatures and LSH bands in one SQLite file."""

    def __init__(self, path: str, threshold: float, num_perm: int):
        self.path = path
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(
                """
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
                CREATE TABLE IF NOT EXISTS docs (key TEXT PRIMARY KEY, cluster TEXT, sig BLOB);
                CREATE TABLE IF NOT EXISTS bands (band INTEGER, bucket BLOB, key TEXT);
                CREATE INDEX IF NOT EXISTS bands_lookup ON bands (band, bucket);
                """
            )
        except sqlite3.Error as exc:
            raise InputError(f"{path}: cannot open the dedup index ({exc})") from None
        _check_meta(self._get_meta(), {"threshold": threshold, "num_perm": num_perm}, path, self._set_meta)
        self.banding = _Banding(threshold, num_perm)

    def _get_meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def _set_meta(self, meta: dict[str, Any]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
        self.db.commit()

    def candidates(self, sig: np.ndarray) -> list[tuple[str, str, np.ndarray]]:
        keys: set[str] = set()
        for band, bucket in enumerate(self.banding.buckets(sig)):
            keys.update(k for (k,) in self.db.execute(
                "SELECT key FROM bands WHERE band = ? AND bucket = ?", (band, bucket)))
        out = []
        for k in sorted(keys):
            row = self.db.execute("SELECT cluster, sig FROM docs WHERE key = ?", (k,)).fetchone()
            if row:
                out.append((k, row[0], np.frombuffer(row[1], dtype="<u4")))
        return out

    def insert(self, key: str, cluster: str, sig: np.ndarray) -> None:
        if self.db.execute("SELECT 1 FROM docs WHERE key = ?", (key,)).fetchone():
            self.db.execute("DELETE FROM bands WHERE key = ?", (key,))
        self.db.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?)", (key, cluster, sig.tobytes()))
        self.db.executemany("INSERT INTO bands VALUES (?, ?, ?)",
                            [(b, bucket, key) for b, bucket in enumerate(self.banding.buckets(sig))])

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()


class RedisIndex:
    """datasketch's MinHashLSH on Redis storage, plus a Redis hash of signatures."""

    def __init__(self, url: str, threshold: float, num_perm: int):
        try:
            import redis
            from datasketch import MinHashLSH
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise InputError("--index redis://… needs the redis package: pip install 'cleaner[redis]'") from None
        u = urlparse(url)
        db = int((u.path or "/0").lstrip("/") or 0)
        conf = {"host": u.hostname or "localhost", "port": u.port or 6379, "db": db}
        if u.password:
            conf["password"] = u.password
        self.client = redis.Redis(**conf)
        try:
            self.client.ping()
        except redis.RedisError as exc:
            raise InputError(f"{url}: cannot reach the Redis dedup index ({exc})") from None
        self.prefix = "cleaner:index"
        meta = {k.decode(): json.loads(v) for k, v in self.client.hgetall(f"{self.prefix}:meta").items()}
        _check_meta(meta, {"threshold": threshold, "num_perm": num_perm}, url,
                    lambda m: self.client.hset(f"{self.prefix}:meta", mapping={k: json.dumps(v) for k, v in m.items()}))
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, storage_config={
            "type": "redis", "basename": f"{self.prefix}:lsh".encode(), "redis": conf})
        self.num_perm = num_perm

    def candidates(self, sig: np.ndarray) -> list[tuple[str, str, np.ndarray]]:
        from cleaner.dedup.minhash import lean_minhash

        keys = sorted(k.decode() if isinstance(k, bytes) else k for k in self.lsh.query(lean_minhash(sig)))
        if not keys:
            return []
        rows = self.client.hmget(f"{self.prefix}:docs", keys)
        out = []
        for k, row in zip(keys, rows):
            if row:
                cluster, raw = row.split(b"\0", 1)
                out.append((k, cluster.decode(), np.frombuffer(raw, dtype="<u4")))
        return out

    def insert(self, key: str, cluster: str, sig: np.ndarray) -> None:
        from cleaner.dedup.minhash import lean_minhash

        if self.client.hexists(f"{self.prefix}:docs", key):
            self.lsh.remove(key)
        self.lsh.insert(key, lean_minhash(sig), check_duplication=False)
        self.client.hset(f"{self.prefix}:docs", key, cluster.encode() + b"\0" + sig.tobytes())

    def count(self) -> int:
        return int(self.client.hlen(f"{self.prefix}:docs"))

    def commit(self) -> None:
        pass

    def close(self) -> None:
        self.client.close()


def _check_meta(meta: dict[str, Any], want: dict[str, Any], where: str, store) -> None:
    if not meta:
        store(want)
        return
    for k, v in want.items():
        if meta.get(k) != v:
            raise InputError(f"{where}: the index was built with {k}={meta.get(k)}, this run uses {k}={v}")


def open_index(spec: str, threshold: float = 0.8, num_perm: int = 128):
    """The index named by *spec*: ``redis://…`` for Redis, anything else is a SQLite file path."""
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return RedisIndex(spec, threshold, num_perm)
    return SQLiteIndex(spec, threshold, num_perm)


class DedupStage:
    """Checks each cleaned document against the index, in input order, and adds it.

    Used by :mod:`cleaner.batch`: the workers compute the signatures
    (:attr:`signer`), :meth:`apply` runs in the driver on each batch result
    before it is written.
    """

    def __init__(self, spec: str, threshold: float = 0.8, num_perm: int = 128):
        self.signer = DocumentSigner(num_perm=num_perm)
        self.threshold = threshold
        self.index = open_index(spec, threshold, num_perm)
        self.clusters_hit: set[str] = set()

    def check(self, key: str, raw: bytes) -> dict[str, Any] | None:
        """Add document *key*; return ``{"duplicate_of", "cluster", "similarity"}`` if it repeats an indexed one."""
        sig = np.frombuffer(raw, dtype="<u4")
        best = None
        for k, cluster, other in self.index.candidates(sig):
            if k == key:
                continue  # the same document, indexed by an interrupted earlier run
            sim = float(np.mean(other == sig))
            if sim >= self.threshold and (best is None or sim > best[2]):
                best = (k, cluster, sim)
        cluster = best[1] if best else key
        self.index.insert(key, cluster, sig)
        if best is None:
            return None
        self.clusters_hit.add(cluster)
        return {"duplicate_of": best[0], "cluster": best[1], "similarity": round(best[2], 4)}

    def finding(self, hit: dict[str, Any]) -> dict[str, Any]:
        """The D900 finding (log JSON shape) for a duplicate."""
        return {"start": 0, "end": 0, "line": 1, "column": 1, "end_line": 1, "end_column": 1,
                "code": FINDING_CODE, "name": FINDING_NAME,
                "message": f"near-duplicate (estimated Jaccard {hit['similarity']:.2f}) of {hit['duplicate_of']}, "
                           "already in the dedup index",
                "severity": "info", "data": hit}

    def commit(self) -> None:
        self.index.commit()

    def close(self) -> None:
        self.index.close()


def open_dedup_stage(spec: str, config: Any = None) -> DedupStage:
    """The stage for ``--index SPEC``; ``config.dedup`` may set ``threshold`` and ``num_perm``."""
    opts = dict(getattr(config, "dedup", None) or {})
    return DedupStage(spec, threshold=float(opts.get("index_threshold", 0.8)),
                      num_perm=int(opts.get("num_perm", 128)))
