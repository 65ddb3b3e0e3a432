"""The explorer state without Qt: one model switch decides what survives."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from latentlab.latent.recipes import MapClickRecipe
from latentlab.session import ExplorerState, Keypoints, ModelIdentity, Preview


def fake_model(latent_dim: int, kind: str = "vae", has_encoder: bool = True):
    config = SimpleNamespace(kind=kind, architecture="conv", latent_dim=latent_dim)
    return SimpleNamespace(
        config=config, latent_dim=latent_dim, image_shape=(1, 16, 16), has_encoder=has_encoder
    )


PLACE = MapClickRecipe(map_xy=(0.5, -0.25), projection="pca", inverse="exact")


class Dataset:
    def __init__(self, name: str, size: int = 100) -> None:
        self.name, self.size, self.class_names = name, size, ("a", "b")

    def __len__(self) -> int:
        return self.size


def preview(dim: int) -> Preview:
    return Preview(np.zeros(dim), np.zeros((16, 16, 1), np.uint8), "a place", PLACE)


def explored(dim: int = 8, dataset: Dataset | None = None) -> ExplorerState:
    """A state exploring a latent-``dim`` model, with a preview, keypoints, items, a group and
    a selection, as after a few minutes of use."""
    state = ExplorerState()
    state.switch_model(fake_model(dim), dataset or Dataset("digits"))
    assert state.set_preview(preview(dim))
    image = np.zeros((16, 16, 1), np.uint8)
    state.keypoints.set(0, np.zeros(dim), image, "A")
    state.keypoints.set(1, np.ones(dim), image, "B")
    state.items.add("group", np.ones((3, dim)), indices=np.array([1, 2, 3]))
    state.items.add("place", np.ones(dim))
    state.set_selection(np.array([4, 5]))
    return state


def test_a_model_of_another_latent_size_drops_every_latent_and_says_so():
    state = explored(8)
    told, switches = [], []
    state.status_reported.connect(told.append)
    state.model_switched.connect(switches.append)
    state.switch_model(fake_model(16), Dataset("digits"))
    assert state.preview is None and len(state.keypoints) == 0
    assert [item.kind for item in state.items] == ["group"]  # re-read from the new map
    assert state.selected_indices.tolist() == [4, 5]  # same dataset: the same points
    assert state.map_data is None  # its points lived in the 8-dimensional space
    assert not switches[0].keeps_latents and switches[0].keeps_groups
    assert "8 → 16" in told[0]


def test_another_dataset_drops_groups_and_the_selection():
    state = explored(8)
    told = []
    state.status_reported.connect(told.append)
    state.switch_model(fake_model(8), Dataset("mnist", 10_000))
    assert [item.kind for item in state.items] == ["place"]  # a vector keeps its meaning
    assert len(state.selected_indices) == 0
    assert state.preview is not None and len(state.keypoints) == 2  # same latent size
    assert told == ["Dropped group G1 and the selection (digits points)."]


def test_new_weights_of_the_same_run_keep_everything():
    state = explored(8)
    switch = state.switch_model(fake_model(8), Dataset("digits"))
    assert switch.keeps_latents and switch.keeps_groups
    assert state.preview is not None and len(state.keypoints) == 2 and len(state.items) == 2
    assert state.selected_indices.tolist() == [4, 5]


def test_a_latent_of_the_wrong_size_is_refused():
    state = explored(8)
    assert not state.set_preview(preview(16))
    assert state.preview.latent.shape == (8,)
    assert not state.accepts(np.zeros((3, 16))) and state.accepts(np.zeros((3, 8)))
    assert not ExplorerState().accepts(np.zeros(8))  # no model: nothing is decodable


def test_identity_describes_the_model_for_the_status_bar():
    identity = ModelIdentity.of(fake_model(8), Dataset("digits"))
    assert identity.describe() == "vae (conv), latent 8, digits"
    gan = ModelIdentity.of(fake_model(16, "dcgan", has_encoder=False), None)
    assert gan.describe() == "dcgan (conv), latent 16, no dataset" and not gan.has_encoder


def test_keypoints_keep_one_latent_size_and_cache_their_path():
    keypoints = Keypoints()
    changed = []
    keypoints.changed.connect(lambda: changed.append(len(keypoints)))
    image = np.zeros((4, 4, 1), np.uint8)
    keypoints.set(1, np.zeros(3), image, "first")  # B before A: becomes A
    keypoints.set(1, np.ones(3), image, "second")
    with pytest.raises(ValueError, match="dims"):
        keypoints.set(2, np.ones(5), image, "wrong size")
    path = keypoints.path()
    assert path.shape == (64, 3) and keypoints.path() is path  # cached while nothing changes
    keypoints.set_method("slerp")
    assert keypoints.path() is not path
    assert keypoints.labels() == ["A", "B"] and changed == [1, 2]
    keypoints.clear()
    assert keypoints.stack() is None and keypoints.path().shape == (0, 0)
