"""One OpenMP thread for the calling thread's PyTorch work, the other threads left as they are.

On a few cores, a worker's small tensor operations (a one-image decode, the diffusion prior's
256-wide MLP) run faster on one OpenMP thread than split over a team: the app makes OpenMP's
idle threads sleep (``OMP_WAIT_POLICY=PASSIVE``, see ``latentlab.ui.app``), so each split
operation waits for a thread to wake, and the other half waits for the core the GUI thread
is painting on. Measured on 2 cores: a one-image decode 1.0 ms instead of 4.3 ms; 600 steps
of the diffusion prior on a worker 11.1 s instead of 19.8 s.
"""

from __future__ import annotations

import contextlib
from typing import Any

_controller: Any = None  # threadpoolctl's OpenMP controls, made once torch has loaded OpenMP


def one_openmp_thread() -> contextlib.AbstractContextManager:
    """A context in which this thread's OpenMP teams have one thread (OpenMP's thread count
    is per calling thread: training and maps elsewhere keep theirs)."""
    global _controller
    import torch

    torch.get_num_threads()  # torch sets this thread's count on first use; then us
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="openmp")
    return _controller.limit(limits=1)
