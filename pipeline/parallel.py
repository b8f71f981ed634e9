"""Worker processes for the per-file work of the ingest stage.

Large exports are parsed one file per task in forked worker processes (one per core). A task is a zero-argument callable; the workers inherit the tasks by
``fork`` (nothing is pickled on the way in), and return their results pickled. Results come
back in task order, so the outcome does not depend on the number of workers; when tasks fail,
the error raised is that of the first failing task in that order, as in a run without workers.
Small exports are handled in the calling process, where starting workers costs more than it
saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

PARALLEL_MIN_BYTES = 8_000_000  # raw export size from which the ingest stage uses workers
ENV_WORKERS = "CIRKEL_WORKERS"  # overrides the number of workers (1 = none)

_TASKS: Sequence[Callable[[], object]] = ()


def worker_count(raw_bytes: int, tasks: int) -> int:
    """Workers for ``tasks`` tasks over a raw export of ``raw_bytes`` bytes: one per core (at most
    one per task), none below :data:`PARALLEL_MIN_BYTES` or where ``fork`` is not available;
    ``CIRKEL_WORKERS`` overrides."""
    setting = os.environ.get(ENV_WORKERS)
    if setting:
        return max(1, int(setting))
    if raw_bytes < PARALLEL_MIN_BYTES or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, tasks))


def available_workers() -> int:
    """Worker processes the machine allows: one per core where ``fork`` is available (else 1);
    ``CIRKEL_WORKERS`` overrides."""
    setting = os.environ.get(ENV_WORKERS)
    if setting:
        return max(1, int(setting))
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, os.cpu_count() or 1)


def _run_task(index: int) -> object:
    return _TASKS[index]()


_BACKGROUND: Callable[[], object] | None = None


def _run_background() -> object:
    return _BACKGROUND()


class Background:
    """A task started by :func:`in_background`: call it for the result (it waits; an error of the
    task is raised here), or :meth:`close` it when the result is no longer wanted."""

    def __init__(self, task: Callable[[], T], pool=None, future=None):
        self._task, self._pool, self._future = task, pool, future
        self._done: list = []

    def __call__(self) -> T:
        if not self._done:
            if self._future is None:
                self._done.append(self._task())
            else:
                from concurrent.futures.process import BrokenProcessPool

                try:
                    self._done.append(self._future.result())
                except BrokenProcessPool:  # the worker died (killed, out of memory): here after all
                    self._done.append(self._task())
                finally:
                    self.close()
        return self._done[0]

    def close(self) -> None:
        """Stop the worker if it still runs (an error elsewhere: nobody will ask for the result)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)


def in_background(task: Callable[[], T], enabled: bool = True) -> Background:
    """Start ``task`` in a forked worker process while the caller goes on; the :class:`Background`
    returned gives its result when called. The worker inherits the task by ``fork`` (nothing is
    pickled on the way in). Not ``enabled``, without ``fork``, with ``CIRKEL_WORKERS=1`` or when
    the worker cannot be started, the task runs in the calling process when its result is asked for."""
    global _BACKGROUND
    if not enabled or available_workers() <= 1:
        return Background(task)
    from concurrent.futures import ProcessPoolExecutor

    _BACKGROUND = task
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        future = pool.submit(_run_background)  # the worker forks here, holding the task
    except OSError:  # no process to be had (memory, process limit): the task runs here
        return Background(task)
    finally:
        _BACKGROUND = None
    return Background(task, pool, future)


def run_tasks(
    tasks: Sequence[Callable[[], T]],
    workers: int,
    costs: Sequence[float] | None = None,
    on_result: Callable[[int, T], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[T]:
    """Run every task and return the results in task order.

    With ``workers`` > 1 the tasks run in forked worker processes, costliest first (``costs``,
    an estimate per task) so that the workers finish at about the same time. ``on_result`` is
    called in task order as results arrive (for progress lines). ``meanwhile`` is run in the
    calling process while the workers work (without workers: before the tasks); it should not
    raise (an error it raises is raised before any task's).
    """
    global _TASKS
    if workers <= 1 or len(tasks) <= 1:
        if meanwhile:
            meanwhile()
        results = []
        for index, task in enumerate(tasks):
            results.append(task())
            if on_result:
                on_result(index, results[-1])
        return results
    from concurrent.futures import ProcessPoolExecutor

    order = sorted(range(len(tasks)), key=lambda i: -costs[i]) if costs else list(range(len(tasks)))
    _TASKS = tasks
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {index: pool.submit(_run_task, index) for index in order}
            if meanwhile:
                meanwhile()
            results = []
            for index in range(len(tasks)):
                try:
                    results.append(futures[index].result())
                except BaseException:
                    for future in futures.values():
                        future.cancel()
                    raise
                if on_result:
                    on_result(index, results[-1])
            return results
    finally:
        _TASKS = ()
