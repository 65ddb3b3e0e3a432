"""Evaluation that fits the machine: k and the test images chosen from a time budget and a
measured rate, ETAs from measured progress, and --paper for the full published setting."""

from __future__ import annotations

import itertools
import json

import pytest
from trained_models import train_digits_vae

from latentlab.cli import main
from latentlab.training import evaluation
from latentlab.training.evaluation import (
    IMAGE_FLOOR,
    PAPER_K,
    Evaluation,
    EvaluationPlan,
    EvaluationProgress,
    EvaluationStopped,
    evaluate,
    plan_for_budget,
    progress_text,
)


class FakeClock:
    """Seconds that advance by ``tick`` at every reading: a rate measured with it depends on
    how much work was done between readings, not on how fast this machine is."""

    def __init__(self, tick: float) -> None:
        self.tick, self.now = tick, 0.0

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


@pytest.fixture(scope="module")
def vae(digits):
    return train_digits_vae(digits, epochs=1).model


def _records(steps):
    records = list(steps)
    assert isinstance(records[-1], Evaluation)
    return records


# -- the rule ---------------------------------------------------------------------------------


def test_a_slower_rate_gets_a_smaller_k_then_fewer_images():
    rates = (1e6, 17_700, 5_000, 1_000, 100, 1)
    plans = [plan_for_budget(rate, 10_000, 60.0) for rate in rates]
    assert plans[0].paper_setting and plans[0].k == PAPER_K and plans[0].n_images == 10_000
    # ~17,700 decoder samples/s (the MNIST conv VAE on 2 idle cores): k = 100 on all images.
    assert (plans[1].k, plans[1].n_images) == (100, 10_000)
    for faster, slower in itertools.pairwise(plans):
        assert slower.k <= faster.k and slower.n_images <= faster.n_images
        assert slower.k * slower.n_images < faster.k * faster.n_images
    # k is cut before the images: fewer images only once k has reached its floor.
    assert (plans[2].k, plans[2].n_images) == (50, 6_000)
    assert plans[-1].n_images == IMAGE_FLOOR and plans[-1].k == 1
    for plan in plans[:4]:
        assert plan.expected_seconds <= 60.0


def test_what_is_given_is_kept_and_the_rest_fits():
    k_given = plan_for_budget(10_000, 10_000, 60.0, k=1000)
    assert k_given.k == 1000 and k_given.n_images == 600  # 600,000 samples in 60 s
    images_given = plan_for_budget(10_000, 10_000, 60.0, n_images=2_000)
    assert images_given.n_images == 2_000 and images_given.k == 200
    spent = plan_for_budget(10_000, 10_000, 60.0, n_images=2_000, timing_seconds=30.0)
    assert spent.k == 100  # the seconds spent timing come out of the budget


def test_the_plan_says_what_was_chosen_and_why():
    text = plan_for_budget(5_000, 10_000, 60.0).text()
    assert text.startswith("k = 50 on 6,000 of 10,000 test images, chosen to fit a budget of 60 s")
    assert "5,000 decoder samples/s" in text and "looser IWAE bound" in text
    assert "the paper setting is k = 5,000 on all 10,000" in text
    paper = EvaluationPlan(k=PAPER_K, n_images=359, n_test_images=359)
    assert paper.text() == "k = 5,000 on all 359 test images: the paper setting (Burda et al. 2016)"


# -- evaluate with a budget -------------------------------------------------------------------


def test_evaluate_fits_the_budget_to_the_measured_rate(vae, digits):
    def planned(tick: float) -> tuple[EvaluationPlan, Evaluation]:
        records = _records(
            evaluate(vae, digits, budget_seconds=60.0, fd_samples=0, clock=FakeClock(tick))
        )
        (plan,) = [r for r in records if isinstance(r, EvaluationPlan)]
        assert records[-1].plan == plan and records[-1].iwae_k == plan.k
        return plan, records[-1]

    slow, slow_result = planned(tick=1.0)
    fast, _ = planned(tick=0.3)
    assert slow.chosen_by == fast.chosen_by == "budget"
    assert slow.rate < fast.rate
    assert slow.k < fast.k and slow.n_images <= fast.n_images
    assert slow_result.n_images == slow.n_images
    data = json.loads(json.dumps(slow_result.to_json()))
    assert data["settings_chosen_by"] == "budget" and data["budget_seconds"] == 60.0
    assert data["samples_per_second"] == pytest.approx(slow.rate, abs=0.1)
    assert "chosen to fit a budget of 60 s" in data["settings"]
    assert f"k = {slow.k}, not the papers' 5,000" in data["note"]
    assert not data["comparable_to_papers"]


def test_given_settings_skip_the_timing(vae, digits):
    records = _records(evaluate(vae, digits, k=3, max_images=40, budget_seconds=60.0, fd_samples=0))
    assert not any(isinstance(r, EvaluationProgress) and r.phase == "timing" for r in records)
    assert records[-1].plan.chosen_by == "given" and records[-1].to_json()["budget_seconds"] is None


def test_progress_carries_a_decreasing_eta_from_the_measured_rate(vae, digits):
    records = _records(
        evaluate(vae, digits, k=20, max_images=200, fd_samples=0, clock=FakeClock(0.5))
    )
    likelihood = [r for r in records if isinstance(r, EvaluationProgress)]
    likelihood = [r for r in likelihood if r.phase == "likelihood"]
    assert likelihood[0].eta_seconds is None  # nothing measured yet
    etas = [r.eta_seconds for r in likelihood[1:]]
    assert len(etas) >= 3 and etas[-1] == 0.0
    assert all(later < earlier for earlier, later in itertools.pairwise(etas))
    # The rate is the images done over the seconds since the phase began (0.5 s a reading).
    assert likelihood[2].per_second == pytest.approx(likelihood[2].done / 1.5)
    text = progress_text(likelihood[2])
    assert text.startswith("ELBO and IWAE bound, k = 20: ") and "images/s, ETA 0:" in text


# -- the command line -------------------------------------------------------------------------


def test_eval_prints_the_phase_the_eta_and_the_choice(digits_checkpoint, capsys):
    args = ["eval", str(digits_checkpoint), "--budget", "3", "--fd-samples", "0"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "timing a first chunk of the IWAE pass" in captured.err
    assert "settings: k = " in captured.err and "a budget of 3 s" in captured.err
    progress = [line for line in captured.err.splitlines() if "ELBO and IWAE bound, k = " in line]
    assert any("ETA" in line and "images/s" in line for line in progress)
    assert "settings         k = " in captured.out and "(--paper)" in captured.out

    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings_chosen_by"] == "budget" and data["budget_seconds"] == 3.0


def test_paper_asks_for_k_5000_on_all_test_images(digits_checkpoint, monkeypatch, capsys):
    asked = []

    def spy(*args, **kwargs):
        asked.append(kwargs)
        raise EvaluationStopped("stopped by the test")
        yield  # a generator, as evaluate is

    monkeypatch.setattr(evaluation, "evaluate", spy)
    assert main(["eval", str(digits_checkpoint), "--paper"]) == 1
    assert asked[-1]["k"] == PAPER_K and asked[-1]["max_images"] == 359  # all, no budget cut
    assert main(["eval", str(digits_checkpoint), "--k", "5000", "--max-images", "all"]) == 1
    assert asked[-1]["k"] == PAPER_K and asked[-1]["max_images"] == 359
    assert main(["eval", str(digits_checkpoint)]) == 1  # the default: both from the budget
    assert asked[-1]["k"] is None and asked[-1]["max_images"] is None
    assert asked[-1]["budget_seconds"] == 60.0
    capsys.readouterr()
    assert main(["eval", str(digits_checkpoint), "--paper", "--k", "5"]) == 2
    assert "--paper is k = 5000 on all test images" in capsys.readouterr().err
