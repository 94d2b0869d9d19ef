"""Run a function over a stream of tasks in worker processes, in order, with bounded memory.

:class:`OrderedPool` keeps at most ``window`` tasks in flight and yields
results in the order the tasks were given, so the output of ``-j N`` is the
output of ``-j 1`` byte for byte.  With one job everything runs in the
calling process (no pickling, easy to debug).

``-j N`` means N processes busy at once, not N workers beside a busy main
process: the pool forks N - 1 workers, and the calling process, between
handling results (the caller's own work: for ``cleaner clean`` the index
check and the writing), runs a task itself whenever every worker already
has enough queued (see :meth:`OrderedPool.map`).  One more process than
there are cores would make the cores take turns, each turn evicting the
other's caches.

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


class _Done:
    """A task the calling process ran itself, looking like a finished future.

    Its error, like a worker's, is raised when its turn comes, after the
    results of the tasks before it.
    """

    __slots__ = ("value", "error")

    def __init__(self, fn: Callable[[Any], Any], payload: Any):
        self.value = self.error = None
        try:
            self.value = fn(payload)
        except Exception as exc:
            self.error = exc

    def done(self) -> bool:
        return True

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


class OrderedPool:
    """``map`` with *jobs* processes (this one and ``jobs - 1`` workers), results in task order.

    At most *window* tasks are pending (sent, or run here and not yet
    yielded); each worker has at most *depth* tasks sent to it and not yet
    finished.
    """

    def __init__(self, jobs: int, window: int | None = None, depth: int = 3):
        self.jobs = max(int(jobs), 1)
        self.workers = self.jobs - 1 if self.jobs > 1 else 0
        self.depth = max(int(depth), 1)
        self.window = window or self.workers * self.depth + self.jobs * 3
        self._executor: ProcessPoolExecutor | None = None
        self.ran_here = 0  # tasks the calling process ran itself (while workers were busy)

    def __enter__(self) -> OrderedPool:
        if self.workers:
            ctx = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_quiet_worker)
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

        Only the payload goes to a worker; the context stays in this process.
        For each task, in order: the results already finished at the head of
        the queue are yielded first (the caller handles them before this
        process takes on more), then the task is sent to the workers if they
        have fewer than ``depth`` unfinished tasks each, and otherwise run
        here at once.  So the workers never wait for work, and this process
        cleans only in the time its own work leaves.
        """
        executor = self._executor
        if executor is None:
            for context, payload in tasks:
                yield context, fn(payload)
            return
        pending: deque = deque()
        busy = self.workers * self.depth
        for context, payload in tasks:
            while pending and pending[0][1].done():
                t, fut = pending.popleft()
                yield t, fut.result()
            if sum(1 for _, fut in pending if not fut.done()) < busy:
                pending.append((context, executor.submit(fn, payload)))
            else:
                pending.append((context, _Done(fn, payload)))
                self.ran_here += 1
            if len(pending) >= self.window:
                t, fut = pending.popleft()
                yield t, fut.result()
        while pending:
            t, fut = pending.popleft()
            yield t, fut.result()
