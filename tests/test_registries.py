"""Features plug in through registries: a loss, a projection or a model kind added to its
registry alone shows up in the New training dialog, the Projection panel and the CLI, works,
and its flags change what the app says and offers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import toy_plugins

from latentlab.cli import build_parser
from latentlab.config import ConfigError, ModelConfig, ProjectionConfig, TrainConfig
from latentlab.gan_losses import GAN_LOSSES, GanLossKind
from latentlab.model_kinds import MODEL_KINDS, ModelKind
from latentlab.projections import PROJECTIONS, ProjectionKind
from latentlab.registry import Registry, load
from latentlab.training import StepProgress, Trainer
from latentlab.training.gan_monitor import DiscriminatorWatch

TOY = GanLossKind(
    "least-squares",
    "Least squares",
    "Least squares: a toy loss registered by a test.",
    discriminator="toy_plugins:least_squares_discriminator",
    generator="toy_plugins:least_squares_generator",
    critic=True,
    critic_steps=3,
    score_range=None,
)


FIRST_TWO = ProjectionKind(
    "first-two",
    "First two numbers",
    "First two numbers: a toy projection registered by a test.",
    runner="toy_plugins:run_first_two_dimensions",
    exact_inverse=False,
    streams=True,
    settings="toy_plugins:FirstTwoSettings",
)


@pytest.fixture
def toy_projection():
    PROJECTIONS.add(FIRST_TWO)
    yield FIRST_TWO
    PROJECTIONS.remove(FIRST_TWO.name)


@pytest.fixture
def toy_loss():
    GAN_LOSSES.add(TOY)
    yield TOY
    GAN_LOSSES.remove(TOY.name)


def test_a_registered_loss_is_offered_by_the_dialog_and_the_cli(qtbot, toy_loss):
    from latentlab.ui.training.training_dialog import TrainingDialog

    dialog = TrainingDialog()
    qtbot.addWidget(dialog)
    offered = [dialog.gan_loss_combo.itemData(i) for i in range(dialog.gan_loss_combo.count())]
    assert offered == ["non-saturating", "minimax", "wgan-gp", "least-squares"]
    assert "a toy loss registered by a test" in dialog.gan_loss_combo.toolTip()
    args = build_parser().parse_args(["train", "--model", "dcgan", "--gan-loss", "least-squares"])
    assert args.gan_loss == "least-squares"


def test_a_registered_loss_trains_with_its_critic_steps(tiny_images, toy_loss):
    config = ModelConfig(kind="dcgan", latent_dim=8, gan_loss="least-squares")
    trainer = Trainer(config, TrainConfig(epochs=1, batch_size=16, log_every=1), tiny_images)
    toy_plugins.CALLS["discriminator"] = 0
    steps = [r for r in trainer.run() if isinstance(r, StepProgress)]
    assert toy_plugins.CALLS["discriminator"] == 3 * trainer.global_step  # n_critic really ran
    assert all(math.isfinite(v) for v in steps[-1].losses.values())


def test_a_critic_s_scores_colour_the_map_over_their_own_range(
    qtbot, window, tiny_images, toy_loss
):
    from gui_helpers import TIMEOUT

    config = ModelConfig(kind="dcgan", latent_dim=8, gan_loss="least-squares")
    trainer = Trainer(config, TrainConfig(epochs=1, batch_size=16), tiny_images)
    for _ in trainer.run():
        pass
    with qtbot.waitSignal(window.explorer.map_ready, timeout=TIMEOUT):
        window.explorer.set_model(trainer.model.eval(), tiny_images)
    window.explorer.set_colour_mode("score")
    legend, scores = window.map.legend, window.explorer.map_data.cloud.discriminator_scores
    assert legend.colour_bar_title == "critic score"  # no "D(x)": it is no probability
    low, high = legend.colour_bar_range
    assert (low, high) != (0.0, 1.0)
    assert scores.min() - 1e-6 <= low < high <= scores.max() + 1e-6  # the map's own range


def test_a_critic_never_gets_the_discriminator_wins_warning(toy_loss):
    watch = DiscriminatorWatch("least-squares", records=3)
    losses = {"D(x)": 0.99, "D(G(z))": 0.001}
    sure = StepProgress(
        epoch=0,
        epochs=1,
        step=1,
        total_steps=10,
        losses=losses,
        images_per_second=1.0,
        eta_seconds=0.0,
    )
    assert all(watch.update(sure) is None for _ in range(10))
    binary = DiscriminatorWatch("minimax", records=3)
    warnings = [binary.update(sure) for _ in range(10)]
    assert any(w is not None and "non-saturating" in w.message for w in warnings)


def test_an_unregistered_loss_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="gan_loss must be one of non-saturating, minimax"):
        ModelConfig(kind="dcgan", gan_loss="wasserstein")


def test_the_registry_refuses_a_second_entry_of_a_name_and_names_the_known_ones():
    registry: Registry[GanLossKind] = Registry("GAN loss")
    registry.add(TOY)
    with pytest.raises(ValueError, match="already registered"):
        registry.add(TOY)
    with pytest.raises(ValueError, match="unknown GAN loss 'x'; known: least-squares"):
        registry.get("x")
    assert load("toy_plugins:least_squares_generator") is toy_plugins.least_squares_generator


def test_a_registered_projection_is_offered_by_the_panel_and_makes_the_map(
    toy_projection, qtbot, window, digits_checkpoint
):
    """(Registered before the window is built, as a plugin is.)"""
    from gui_helpers import TIMEOUT, open_and_wait

    open_and_wait(qtbot, window, digits_checkpoint)
    dock = window.projection_dock
    offered = [dock.method.itemData(i) for i in range(dock.method.count())]
    assert offered == ["pca", "tsne", "first-two"]
    assert "a toy projection registered by a test" in dock.method.toolTip()
    dock.method.setCurrentIndex(dock.method.findData("first-two"))
    assert not dock.setting("tsne", "perplexity").isVisible()  # t-SNE's settings are not its
    assert not dock.seed.isVisible()  # its result does not depend on a seed
    stretch = dock.setting("first-two", "scale")  # its own setting, from its own dataclass
    assert stretch.isVisible() and dock._form.labelForField(stretch).text() == "Stretch by"
    stretch.setValue(2.5)
    with qtbot.waitSignal(window.explorer.map_ready, timeout=TIMEOUT):
        dock.method.activated.emit(dock.method.currentIndex())
    data = window.explorer.map_data
    assert data.config.method == "first-two" and data.axis_labels == ("z[0]", "z[1]")
    assert data.config.settings == toy_plugins.FirstTwoSettings(scale=2.5)
    np.testing.assert_allclose(data.xy, 2.5 * data.cloud.latents[:, :2], rtol=1e-6)
    assert "exact" not in data.inverse_methods  # clicks go through another inverse


def test_an_unregistered_projection_is_a_clear_config_error():
    with pytest.raises(ConfigError, match="method must be one of pca, tsne"):
        ProjectionConfig(method="umap")


def test_a_projection_s_settings_are_its_own_and_checked_by_their_ranges(toy_projection):
    config = ProjectionConfig.of("first-two", scale=3.0)
    assert config.settings == toy_plugins.FirstTwoSettings(scale=3.0)
    assert ProjectionConfig(method="first-two").settings.scale == 1.0  # its defaults
    with pytest.raises(ConfigError, match=r"scale must be between 0\.5 and 4, got 9"):
        ProjectionConfig.of("first-two", scale=9.0)
    with pytest.raises(ConfigError, match="settings must be FirstTwoSettings, got TsneSettings"):
        ProjectionConfig(method="first-two", settings=ProjectionConfig.of("tsne").settings)
    with pytest.raises(ConfigError, match="the pca projection has no settings"):
        ProjectionConfig.of("pca", perplexity=5)


PLAIN_AE = ModelKind(
    "mlp-ae",
    "MLP autoencoder",
    "MLP autoencoder: a toy kind registered by a test (only the mlp architecture).",
    model="latentlab.models.autoencoder:Autoencoder",
    objective="latentlab.training.objectives:AutoencoderObjective",
    has_encoder=True,
    architectures=("mlp",),
    learning_rate=3e-3,
)


@pytest.fixture
def toy_kind():
    MODEL_KINDS.add(PLAIN_AE)
    yield PLAIN_AE
    MODEL_KINDS.remove(PLAIN_AE.name)


def test_a_registered_model_kind_is_offered_built_and_trained(qtbot, tiny_images, toy_kind):
    from latentlab.ui.training.training_dialog import TrainingDialog

    dialog = TrainingDialog()
    qtbot.addWidget(dialog)
    kinds = [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())]
    assert kinds == ["vae", "ae", "dcgan", "cvae", "cdcgan", "stylegan", "mlp-ae"]
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("mlp-ae"))
    assert dialog.arch_combo.currentData() == "mlp"  # the only architecture it has
    assert not dialog.beta_spin.isEnabled() and not dialog.gan_loss_combo.isEnabled()
    assert dialog.lr_edit.placeholderText() == "default (0.003)"
    assert build_parser().parse_args(["train", "--model", "mlp-ae"]).model == "mlp-ae"
    with pytest.raises(ConfigError, match="mlp-ae has only the mlp architecture"):
        ModelConfig(kind="mlp-ae", architecture="conv")
    config = ModelConfig(kind="mlp-ae", architecture="mlp", latent_dim=4, hidden_dim=32)
    trainer = Trainer(config, TrainConfig(epochs=1, batch_size=16), tiny_images)
    records = list(trainer.run())
    assert trainer.model.kind == "mlp-ae" and trainer.objective.learning_rate.base == 3e-3
    assert records and trainer.global_step > 0
