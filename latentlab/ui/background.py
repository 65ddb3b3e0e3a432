"""Running a job on the thread pool, with its results delivered on the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThreadPool
from superqt.utils import create_worker

# Workers in flight. Python must hold each one until it has finished: a worker whose last
# reference is dropped while it runs (a cancelled map job, a job started and forgotten) is
# deleted under the signals it still emits, which crashed the interpreter inside shiboken.
# (superqt's own ``start()`` keeps such a set; ``start_job`` starts workers itself.)
_running: set[Any] = set()


_own_pools: list[QThreadPool] = []  # pools of long jobs, waited for at exit like the global one


def dedicated_pool() -> QThreadPool:
    """A pool of one thread for a long job (training), so a paused run never holds one of the
    global pool's few threads (as many as cores) that maps, classifiers and files need."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    _own_pools.append(pool)
    return pool


def start_job(
    func: Callable[..., Any],
    *args: Any,
    on_result: Callable[[Any], None] | None = None,
    on_yield: Callable[[Any], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    pool: QThreadPool | None = None,
):
    """Run ``func(*args)`` (a function or a generator) on ``pool`` (the global thread pool
    by default).

    Signals are queued to the GUI thread. The job is handed to the pool at once (superqt
    delays it when no event loop runs yet), so ``QThreadPool.waitForDone`` at exit always
    sees it.
    """
    # With an error handler, superqt must not also re-raise the error on the GUI thread.
    worker = create_worker(func, *args, _start_thread=False, _ignore_errors=on_error is not None)
    if on_result is not None:
        worker.returned.connect(on_result)
    if on_yield is not None:
        worker.yielded.connect(on_yield)
    if on_error is not None:
        worker.errored.connect(on_error)
    if on_finished is not None:
        worker.finished.connect(on_finished)
    _running.add(worker)
    worker.finished.connect(lambda: _running.discard(worker))
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker


def wait_for_jobs(timeout_ms: int = 30_000) -> bool:
    """Block until every job has ended (training stops between steps); True if all did."""
    done = all(pool.waitForDone(timeout_ms) for pool in _own_pools)
    return QThreadPool.globalInstance().waitForDone(timeout_ms) and done
