"""Run a function over a stream of tasks in worker processes, in order, with bounded memory.

:class:`OrderedPool` keeps at most ``window`` tasks in flight and yields
results in the order the tasks were given, so the output of ``-j N`` is the
output of ``-j 1`` byte for byte.  With one job everything runs in the
calling process (no pickling, easy to debug).

Workers are forked, so module-level state set before the pool starts (the
run's configuration, the corpus statistics) is shared with them without
being pickled for every task.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(os.cpu_count() or 1, 1)


def _quiet_worker() -> None:
    """Ctrl-C goes to the whole process group: let the parent alone handle it (no worker tracebacks)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class OrderedPool:
    """``map`` with *jobs* processes, results in task order, at most *window* tasks pending."""

    def __init__(self, jobs: int, window: int | None = None):
        self.jobs = max(int(jobs), 1)
        self.window = window or self.jobs * 3
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> OrderedPool:
        if self.jobs > 1:
            ctx = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx, initializer=_quiet_worker)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._executor is not None:
            if exc[0] is None:
                self._executor.shutdown(wait=True)
            else:  # an error or Ctrl-C: drop queued tasks and stop the workers now
                processes = list((getattr(self._executor, "_processes", None) or {}).values())
                self._executor.shutdown(wait=False, cancel_futures=True)
                for p in processes:
                    p.terminate()
                for p in processes:
                    p.join(timeout=5)
            self._executor = None

    def map(self, fn: Callable[[Any], T], tasks: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, T]]:
        """For each ``(context, payload)`` in *tasks*, yield ``(context, fn(payload))`` in task order.

        Only the payload goes to the worker; the context stays in this process.
        """
        if self._executor is None:
            for context, payload in tasks:
                yield context, fn(payload)
            return
        pending: deque = deque()
        for context, payload in tasks:
            pending.append((context, self._executor.submit(fn, payload)))
            if len(pending) >= self.window:
                t, fut = pending.popleft()
                yield t, fut.result()
        while pending:
            t, fut = pending.popleft()
            yield t, fut.result()
