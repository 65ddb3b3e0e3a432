"""One OpenMP thread for the calling thread's work (latentlab.openmp_threads), no Qt."""

from __future__ import annotations

import threading

import pytest

from latentlab.openmp_threads import one_openmp_thread


def openmp_threads() -> int | None:
    from threadpoolctl import threadpool_info

    counts = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"]
    return counts[0] if counts else None


def test_the_calling_thread_has_one_openmp_thread_inside_and_its_own_count_after():
    import torch

    torch.get_num_threads()
    before = openmp_threads()
    if before is None:
        pytest.skip("this PyTorch build has no OpenMP runtime threadpoolctl can see")
    seen_inside: list[int | None] = []

    def work() -> None:
        with one_openmp_thread():
            seen_inside.append(openmp_threads())
            torch.ones(1000, 1000).sum()  # a parallel region on one thread
        seen_inside.append(openmp_threads())

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert seen_inside[0] == 1
    assert seen_inside[1] == before
    assert openmp_threads() == before  # the other threads kept theirs
