"""How many importance samples k and test images the IWAE pass uses: as asked, or chosen to fit
a time budget from a measured rate, and the sentence that says which and why. Pure arithmetic.

The rule (``plan_for_budget``), with ``capacity`` = measured decoder samples per second × the
budget left after timing:

1. all test images, with the largest k of ``K_STEPS`` that fits, if that is at least K_FLOOR;
2. else k = K_FLOOR on as many images as fit, if that is at least IMAGE_FLOOR;
3. else IMAGE_FLOOR images (or all, when fewer), with the k that fits (at least 1).

Images go last because the first images of a test split are not a random sample: on MNIST the
first 1,000 are ~1.5 nats easier than all 10,000, more than k = 50 instead of 100 costs
(benchmarks/README.md). Past k ≈ 100 the bound tightens slowly (the conv VAE there: k = 100
is 0.77 nats above k = 5000, while k = 1, the ELBO, is 4.9 nats above).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

PAPER_K = 5000  # Burda et al. 2016, Table 1: k = 5000 on all test images
# 60 s fits k = 100 on all 10,000 MNIST test images on an unloaded 2-core CPU (the conv VAE
# decodes ~17,700 samples/s there: 1.06 M samples), within ~0.8 nats of the paper setting,
# and is a wait a person sits through.
DEFAULT_BUDGET_SECONDS = 60.0
K_STEPS = (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1)
K_FLOOR = 50
IMAGE_FLOOR = 500  # the standard error of the mean NLL is ~1 nat there on MNIST


@dataclass(frozen=True)
class EvaluationPlan:
    """The k and the number of test images of the IWAE pass, and how they were chosen:
    ``chosen_by`` "given" (asked for) or "budget" (``rate``, measured decoder samples per
    second, and ``budget_seconds`` decided what was not asked for)."""

    k: int
    n_images: int
    n_test_images: int
    chosen_by: Literal["given", "budget"] = "given"
    budget_seconds: float | None = None
    rate: float | None = None
    timing_seconds: float = 0.0  # spent measuring the rate

    @property
    def paper_setting(self) -> bool:
        return self.k >= PAPER_K and self.n_images == self.n_test_images

    @property
    def expected_seconds(self) -> float | None:
        """The IWAE pass's expected wall time at the measured rate, timing included."""
        if self.rate is None:
            return None
        return self.timing_seconds + self.k * self.n_images / self.rate

    def text(self) -> str:
        """'k = 64 on 2,000 of 10,000 test images, chosen to fit a 60 s budget (...)': what was
        chosen, why, and what a smaller k means."""
        images = (
            f"all {self.n_test_images:,}"
            if self.n_images == self.n_test_images
            else f"{self.n_images:,} of {self.n_test_images:,}"
        )
        setting = f"k = {self.k:,} on {images} test images"
        if self.chosen_by == "budget":
            expected = self.expected_seconds or 0.0
            fits = "to fit" if expected <= (self.budget_seconds or 0) * 1.05 else "as the least for"
            setting += (
                f", chosen {fits} a budget of {self.budget_seconds:g} s at the measured "
                f"{self.rate:,.0f} decoder samples/s (about {expected:.0f} s)"
            )
        if self.paper_setting:
            return setting + ": the paper setting (Burda et al. 2016)"
        return (
            setting
            + (
                f"; k < {PAPER_K:,} gives a looser IWAE bound (−log p(x) overestimated)"
                if self.k < PAPER_K
                else ""
            )
            + f"; the paper setting is k = {PAPER_K:,} on all {self.n_test_images:,}"
        )


def plan_for_budget(
    rate: float,
    n_test_images: int,
    budget_seconds: float,
    *,
    k: int | None = None,
    n_images: int | None = None,
    timing_seconds: float = 0.0,
) -> EvaluationPlan:
    """The plan for ``rate`` decoder samples per second (measured) within ``budget_seconds``
    (``timing_seconds`` of it already spent measuring): what is given (``k``, ``n_images``) is
    kept, the rest follows the rule in this module's docstring."""
    capacity = max(rate, 1e-9) * max(budget_seconds - timing_seconds, 0.0)
    n_images = None if n_images is None else min(n_images, n_test_images)
    if k is not None and n_images is not None:
        chosen_k, chosen_n = k, n_images
    elif n_images is not None:
        chosen_k, chosen_n = _k_at_most(capacity / n_images), n_images
    elif k is not None:
        least = min(IMAGE_FLOOR, n_test_images)
        chosen_k, chosen_n = k, max(least, _images_at_most(capacity / k, n_test_images))
    elif (k_all := _k_at_most(capacity / n_test_images)) >= K_FLOOR:
        chosen_k, chosen_n = k_all, n_test_images
    elif (n_fit := _images_at_most(capacity / K_FLOOR, n_test_images)) >= IMAGE_FLOOR:
        chosen_k, chosen_n = K_FLOOR, n_fit
    else:
        chosen_n = min(IMAGE_FLOOR, n_test_images)
        chosen_k = _k_at_most(capacity / chosen_n)
    return EvaluationPlan(
        k=chosen_k,
        n_images=chosen_n,
        n_test_images=n_test_images,
        chosen_by="budget",
        budget_seconds=budget_seconds,
        rate=rate,
        timing_seconds=timing_seconds,
    )


def _k_at_most(samples: float) -> int:
    return next((k for k in K_STEPS if k <= samples), 1)


def _images_at_most(images: float, n_test_images: int) -> int:
    """``images`` rounded down to two significant digits (4,837 → 4,800), at most all."""
    if images >= n_test_images:
        return n_test_images
    if images < 1:
        return 1
    step = 10 ** max(int(math.log10(images)) - 1, 0)
    return int(images // step * step)
