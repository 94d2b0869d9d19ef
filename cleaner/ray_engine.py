"""``--engine ray``: the corpus engine's work on Ray Data, locally or on a cluster.

The driver (the ``cleaner clean`` process) reads the input files and writes
the outputs exactly as the local engine does; only the cleaning of each
group of batches (:func:`cleaner.batch.work`) runs on Ray.  Groups go to Ray
Data in waves (``ray.data.from_items(...).map(...)``); results are put back
in input order, so the output is byte for byte the local engine's, and the
driver's memory is bounded by one wave.

Where Ray runs:

* nothing set: a local Ray instance with ``--jobs`` CPUs is started for the
  run (and stopped after it);
* ``RAY_ADDRESS=ray://head:10001`` (or ``auto`` on a cluster node): the run
  joins that cluster.  The ``cleaner`` package is shipped to the workers
  through ``runtime_env`` (``py_modules``); its dependencies (``pip install
  'cleaner[ray]'``) must be installed on the cluster's image.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Iterator
from typing import Any

import cleaner.batch as batch

#: Groups of batches sent to Ray Data at a time, per CPU.
WAVE_PER_CPU = 8

#: Environment variables of the driver that change output (provenance time stamps).
FORWARDED_ENV = ("SOURCE_DATE_EPOCH", "CLEANER_RUN_DATETIME")  # one run date-time in every worker

_STATE_KEY: list[Any] = [None]
_STARTED = [False]


def _ensure_ray(jobs: int) -> tuple[Any, bool]:
    try:
        import ray
    except ImportError:  # pragma: no cover - depends on the installed extras
        from cleaner.io.files import InputError

        raise InputError("--engine ray needs Ray: pip install 'cleaner[ray]'") from None
    if ray.is_initialized():
        return ray, False
    address = os.environ.get("RAY_ADDRESS")
    if address:
        import cleaner

        ray.init(address=address, runtime_env={"py_modules": [os.path.dirname(cleaner.__file__)]},
                 log_to_driver=False)
    else:
        ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
    return ray, True


def _apply(row: dict[str, Any], state: bytes) -> dict[str, Any]:
    """Ray Data map function: set the run state once per worker process, then clean one group."""
    if _STATE_KEY[0] != state:
        *args, env = pickle.loads(state)
        batch.set_state(*args)
        for k, v in env.items():  # what forked local workers would inherit
            os.environ[k] = v
        _STATE_KEY[0] = state
    payload = pickle.loads(row["payload"])
    return {"i": row["i"], "result": pickle.dumps(batch.work(payload), protocol=pickle.HIGHEST_PROTOCOL)}


def ray_results(tasks: Iterable[tuple[Any, Any]], opts: Any, jobs: int) -> Iterator[tuple[Any, Any]]:
    """Like :meth:`cleaner.parallel.OrderedPool.map` with :func:`cleaner.batch.work`, on Ray Data."""
    ray, started = _ensure_ray(jobs)
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    s = batch._STATE
    state = pickle.dumps((s["config"], s.get("corpus"), s["text_field"], s["id_field"], s.get("dedup"),
                         {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}),
                         protocol=pickle.HIGHEST_PROTOCOL)
    cpus = max(int(ray.cluster_resources().get("CPU", jobs)), 1)
    wave = cpus * WAVE_PER_CPU
    if started:
        _STARTED[0] = True
    contexts: list[Any] = []
    rows: list[dict[str, Any]] = []
    for context, payload in tasks:
        contexts.append(context)
        rows.append({"i": len(rows), "payload": pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)})
        if len(rows) >= wave:
            yield from _run_wave(ray, contexts, rows, state, cpus)
            contexts, rows = [], []
    if rows:
        yield from _run_wave(ray, contexts, rows, state, cpus)


def shutdown() -> None:
    """Stop the local Ray instance if this run started it (a cluster connection is just closed)."""
    if _STARTED[0]:
        import ray

        ray.shutdown()
        _STARTED[0] = False


def _run_wave(ray: Any, contexts: list[Any], rows: list[dict[str, Any]], state: bytes, cpus: int):
    ds = ray.data.from_items(rows, override_num_blocks=min(len(rows), cpus * 2))
    out = ds.map(_apply, fn_kwargs={"state": state}).take_all()
    out.sort(key=lambda r: r["i"])
    if [r["i"] for r in out] != list(range(len(rows))):  # pragma: no cover - a lost row would be a Ray bug
        raise RuntimeError("Ray returned an incomplete wave")
    for context, r in zip(contexts, out):
        yield context, pickle.loads(r["result"])
