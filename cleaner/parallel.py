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
being pickled for every task.  A task's payload and result travel through
files in a private folder (in ``/dev/shm`` where it has room), not through
the pool's pipes (see :func:`_run_with_files`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import shutil
import tempfile
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


def _run_with_files(fn: Callable[[Any], Any], path: str) -> tuple[str, Any]:
    """In a worker: *fn* of the payload pickled at *path*; ``("file", path of the pickled result)``.

    Payloads and results (megabytes each) go through files, not the pool's
    pipes: a pipe holds 64 kB, so a worker sending a result waited until the
    main process's result thread had read it all, and that thread waits for
    the interpreter lock while the main process cleans a batch itself (about
    20 ms a result, 1.5 s of a 100 MB run).  Writing a file waits for no one.
    If the result cannot be written (the folder is full), it is
    ``("value", result)``, sent through the pipe.
    """
    with open(path, "rb") as f:
        payload = pickle.load(f)
    os.remove(path)
    result = fn(payload)
    out = path + ".out"
    return ("file", out) if _dumped(result, out) else ("value", result)


def _dumped(obj: Any, path: str) -> bool:
    """Pickle *obj* to *path*; False, with no file left, if it cannot be written."""
    try:
        with open(path, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        with contextlib.suppress(OSError):
            os.remove(path)
        return False
    return True


class _FromFile:
    """A worker's future whose result is in the file it names (see :func:`_run_with_files`)."""

    __slots__ = ("future",)

    def __init__(self, future: Any):
        self.future = future

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> Any:
        kind, value = self.future.result()
        if kind == "file":
            with open(value, "rb") as f:
                loaded = pickle.load(f)
            os.remove(value)
            return loaded
        return value


#: The pool's files go to ``/dev/shm`` (memory) when it has this much room, else to the temporary folder.
SHM_FREE_BYTES = 1 << 30


def _scratch_dir() -> str:
    """A private folder for the pool's files: in memory (``/dev/shm``) where there is room, else on disk.

    (A container's ``/dev/shm`` is often 64 MB; files deleted within a second
    of being written rarely reach a disk either.)
    """
    shm = "/dev/shm"
    base = None
    try:
        if os.access(shm, os.W_OK) and shutil.disk_usage(shm).free >= SHM_FREE_BYTES:
            base = shm
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="cleaner-pool-", dir=base)


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
        self._scratch: str | None = None
        self._sent = 0
        self.ran_here = 0  # tasks the calling process ran itself (while workers were busy)

    def __enter__(self) -> OrderedPool:
        if self.workers:
            ctx = multiprocessing.get_context("fork")
            self._scratch = _scratch_dir()
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
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _submit(self, fn: Callable[[Any], Any], payload: Any) -> Any:
        """Send one task to the workers, its payload through a file (through the pipe if the file cannot be written)."""
        assert self._executor is not None and self._scratch is not None
        self._sent += 1
        path = os.path.join(self._scratch, f"task-{self._sent}")
        if not _dumped(payload, path):
            return self._executor.submit(fn, payload)
        return _FromFile(self._executor.submit(_run_with_files, fn, path))

    def map(self, fn: Callable[[Any], T], tasks: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, T]]:
        """For each ``(context, payload)`` in *tasks*, yield ``(context, fn(payload))`` in task order.

        Only the payload goes to a worker; the context stays in this process.
        Each task, in order, is sent to the workers if they have fewer than
        ``depth`` unfinished tasks each.  Otherwise the results already
        finished at the head of the queue are yielded (the caller's own
        work), one at a time, sending the task as soon as a worker's slot
        frees; if none does, the task is run here at once.  So the workers
        are kept supplied first, and this process cleans only in the time its
        own work leaves.
        """
        executor = self._executor
        if executor is None:
            for context, payload in tasks:
                yield context, fn(payload)
            return
        pending: deque = deque()
        busy = self.workers * self.depth
        for context, payload in tasks:
            while True:
                if sum(1 for _, fut in pending if not fut.done()) < busy:
                    pending.append((context, self._submit(fn, payload)))
                    break
                if pending and pending[0][1].done():  # the caller's work first, a worker's slot may free
                    t, fut = pending.popleft()
                    yield t, fut.result()
                    continue
                pending.append((context, _Done(fn, payload)))
                self.ran_here += 1
                break
            if len(pending) >= self.window:
                t, fut = pending.popleft()
                yield t, fut.result()
        while pending:
            t, fut = pending.popleft()
            yield t, fut.result()
