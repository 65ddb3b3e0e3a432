"""One optimisation step for each model family, and the optimizers it owns.

Steps return detached 0-d loss tensors and never call ``.item()``: the loop reads them from the
device once per log interval, so the GPU is not synchronised every step.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Protocol

import torch

from latentlab.config import TrainConfig
from latentlab.model_kinds import MODEL_KINDS
from latentlab.models import DCGAN, Autoencoder, LatentModel


class Objective(Protocol):
    """What the training loop needs from a model family."""

    loss_names: tuple[str, ...]
    learning_rate: LearningRate  # its base is the run's rate (or the model's default)

    def step(
        self, x: torch.Tensor, epoch_progress: float, labels: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Update the weights on a batch of images in [0, 1] (with their class indices, for a
        conditional model); losses by name (detached)."""
        ...

    def optimizer_states(self) -> dict[str, dict[str, Any]]: ...

    def load_optimizer_states(self, states: dict[str, dict[str, Any]]) -> None: ...


def _adam(params, lr: float, device: torch.device, betas=(0.9, 0.999)) -> torch.optim.Adam:
    # The fused kernel updates every parameter in one pass per step: one launch on CUDA, and on
    # a CPU 2.7-4.7× faster than the default there (a Python loop over parameters; measured
    # for benchmarks/train_throughput.py). Same algorithm; only the last bits of rounding differ.
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=device.type in ("cuda", "cpu"))


class LearningRate:
    """The learning rate at each point of a run (``TrainConfig.lr_schedule``): constant, or
    falling from the base rate to 0 along half a cosine over all epochs. A function of the
    epoch progress only, so a resumed run sets exactly the rates of an uninterrupted one."""

    def __init__(self, base: float, train: TrainConfig) -> None:
        self.base, self.schedule, self.epochs = base, train.lr_schedule, train.epochs

    def at(self, epoch_progress: float) -> float:
        if self.schedule == "constant":
            return self.base
        done = min(max(epoch_progress / self.epochs, 0.0), 1.0)
        return self.base * 0.5 * (1.0 + math.cos(math.pi * done))

    def apply(self, epoch_progress: float, *optimizers: torch.optim.Optimizer) -> None:
        if self.schedule == "constant":
            return
        rate = self.at(epoch_progress)
        for optimizer in optimizers:
            for group in optimizer.param_groups:
                group["lr"] = rate


class _Autocast:
    """Runs the forward pass under ``torch.autocast`` when a dtype is given: matrix products
    in bf16, losses and reductions kept in float32 by autocast's own rules."""

    def __init__(self, device: torch.device, dtype: torch.dtype | None) -> None:
        self.device_type, self.dtype = device.type, dtype

    def __call__(self):
        return torch.autocast(self.device_type, dtype=self.dtype, enabled=self.dtype is not None)


def _maybe_compile(fn, enabled: bool):
    """torch.compile with CUDA graphs ('reduce-overhead'): small models are launch-bound."""
    return _CompiledOrEager(fn) if enabled else fn


class _CompiledOrEager:
    """Calls the compiled function; if compiling fails on the first call, warns once and runs
    the plain function from then on, so a missing compiler never stops training."""

    def __init__(self, fn) -> None:
        self._eager = fn
        self._fn = torch.compile(fn, mode="reduce-overhead", dynamic=False)
        self._proven = False

    def __call__(self, *args):
        if self._proven:
            return self._fn(*args)
        try:
            result = self._fn(*args)
        except torch.OutOfMemoryError:
            raise
        except Exception as error:  # compilers fail in many ways (no C compiler, no Triton, ...)
            warnings.warn(
                f"torch.compile failed ({type(error).__name__}: {error}); "
                "training continues without it",
                stacklevel=2,
            )
            self._fn = self._eager
            result = self._fn(*args)
        self._proven = True
        return result


class AutoencoderObjective:
    """Adam on the (β-)ELBO or the reconstruction loss."""

    def __init__(
        self,
        model: Autoencoder,
        train: TrainConfig,
        device: torch.device,
        compile_losses: bool,
        autocast_to: torch.dtype | None = None,
    ) -> None:
        self.model = model
        self._autocast = _Autocast(device, autocast_to)
        self.variational = MODEL_KINDS.get(model.kind).variational
        self.loss_names = (
            ("total", "reconstruction", "kl")
            if self.variational
            else (
                "total",
                "reconstruction",
            )
        )
        lr = train.learning_rate or MODEL_KINDS.get(model.kind).learning_rate
        self.learning_rate = LearningRate(lr, train)
        self.optimizer = _adam(model.parameters(), lr, device)
        self._losses = _maybe_compile(model.losses, compile_losses)
        # A tensor, not a float: a compiled graph would be re-traced for every new float value.
        self._kl_weight = torch.zeros((), device=device)

    def step(
        self, x: torch.Tensor, epoch_progress: float, labels: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        self._kl_weight.fill_(self.model.config.kl_weight(epoch_progress))
        self.learning_rate.apply(epoch_progress, self.optimizer)
        with self._autocast():
            losses = self._losses(x, self._kl_weight, *_given(labels))
        self.optimizer.zero_grad(set_to_none=True)
        losses.total.backward()
        self.optimizer.step()
        result = {"total": losses.total.detach(), "reconstruction": losses.reconstruction.detach()}
        if self.variational:
            result["kl"] = losses.kl.detach()
        return result

    def optimizer_states(self) -> dict[str, dict[str, Any]]:
        return {"adam": self.optimizer.state_dict()}

    def load_optimizer_states(self, states: dict[str, dict[str, Any]]) -> None:
        _load_optimizer(self.optimizer, states["adam"])


class GANObjective:
    """Alternating Adam updates of discriminator and generator (DCGAN: lr 2e-4, β1 = 0.5; the
    loss may bring its own, as WGAN-GP does). A critic's curves are its loss, the
    Wasserstein estimate E[f(x)] − E[f(G(z))] and the gradient penalty, not D's
    probabilities."""

    SCORES = ("D(x)", "D(G(z))")
    CRITIC_SCORES = ("Wasserstein estimate", "gradient penalty")

    def __init__(
        self,
        model: DCGAN,
        train: TrainConfig,
        device: torch.device,
        compile_losses: bool,
        autocast_to: torch.dtype | None = None,
    ) -> None:
        self.model = model
        self._autocast = _Autocast(device, autocast_to)
        loss = model.loss
        lr = train.learning_rate or loss.learning_rate or MODEL_KINDS.get(model.kind).learning_rate
        self.learning_rate = LearningRate(lr, train)
        self.d_optimizer = _adam(model.discriminator.parameters(), lr, device, betas=loss.betas)
        self.g_optimizer = _adam(model.generator.parameters(), lr, device, betas=loss.betas)
        scores = self.CRITIC_SCORES if loss.critic else self.SCORES
        self.loss_names = ("critic" if loss.critic else "discriminator", "generator", *scores)
        self._d_losses = _maybe_compile(model.discriminator_losses, compile_losses)
        self._g_loss = _maybe_compile(model.generator_loss, compile_losses)

    def step(
        self, x: torch.Tensor, epoch_progress: float, labels: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        self.learning_rate.apply(epoch_progress, self.d_optimizer, self.g_optimizer)
        given = _given(labels)  # a conditional GAN draws its fakes with the real batch's labels
        # A critic's loss may want several discriminator updates per generator update (each on
        # new noise; the real batch is this step's).
        for _ in range(self.model.loss.critic_steps):
            z = torch.randn(x.shape[0], self.model.latent_dim, device=x.device)
            with self._autocast():
                fake = self.model.decode(z, *given)
                d = self._d_losses(x, fake.detach(), *given)
            self.d_optimizer.zero_grad(set_to_none=True)
            d.total.backward()
            self.d_optimizer.step()
        with self._autocast():
            g = self._g_loss(fake, *given)
        self.g_optimizer.zero_grad(set_to_none=True)
        g.backward()
        self.g_optimizer.step()
        losses = {self.loss_names[0]: d.total.detach(), "generator": g.detach()}
        if self.model.loss.critic:
            losses["Wasserstein estimate"] = (d.real_score - d.fake_score).detach()
            penalty = d.penalty if d.penalty is not None else torch.zeros_like(d.total)
            losses["gradient penalty"] = penalty.detach()
        else:
            losses["D(x)"], losses["D(G(z))"] = d.real_score.detach(), d.fake_score.detach()
        return losses

    def optimizer_states(self) -> dict[str, dict[str, Any]]:
        return {
            "discriminator": self.d_optimizer.state_dict(),
            "generator": self.g_optimizer.state_dict(),
        }

    def load_optimizer_states(self, states: dict[str, dict[str, Any]]) -> None:
        _load_optimizer(self.d_optimizer, states["discriminator"])
        _load_optimizer(self.g_optimizer, states["generator"])


# Settings that describe how an optimizer runs on this machine, not what it has learned:
# a checkpoint written on a GPU must resume on a CPU and vice versa.
_MACHINE_SPECIFIC = ("params", "fused", "foreach", "capturable", "differentiable")
# The rate comes from the run's TrainConfig (and its schedule), so that a run resumed with
# another --lr (e.g. after a NaN stop) uses it: not from the file.
_FROM_THE_RUN = ("lr", "initial_lr")


def _given(labels: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
    """The labels argument of a conditional model's call, none for the others."""
    return () if labels is None else (labels,)


def _load_optimizer(optimizer: torch.optim.Optimizer, saved: dict[str, Any]) -> None:
    current = optimizer.state_dict()
    groups = []
    for group, saved_group in zip(current["param_groups"], saved["param_groups"], strict=True):
        merged = dict(group)
        skipped = _MACHINE_SPECIFIC + _FROM_THE_RUN
        merged.update({k: v for k, v in saved_group.items() if k not in skipped})
        groups.append(merged)
    optimizer.load_state_dict({"state": saved["state"], "param_groups": groups})


def make_objective(
    model: LatentModel,
    train: TrainConfig,
    device: torch.device,
    compile_losses: bool = False,
    autocast_to: torch.dtype | None = None,
) -> Objective:
    if model.kind not in MODEL_KINDS:
        raise TypeError(f"no training objective for {type(model).__name__}")
    objective = MODEL_KINDS.get(model.kind).objective_class()
    return objective(model, train, device, compile_losses, autocast_to)
