"""Running LatentLab's generator jobs (t-SNE steps, inversion) to the end in tests."""

from __future__ import annotations


def run_to_end(steps):
    """Drain a generator job: (everything it yielded, the value it returned)."""
    records = []
    while True:
        try:
            records.append(next(steps))
        except StopIteration as done:
            return records, done.value
