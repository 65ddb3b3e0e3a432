"""The map's class purity: islands of one class score near 1, mixed classes near chance."""

from __future__ import annotations

import numpy as np

from latentlab.projection.class_purity import chance_purity, neighbour_class_purity


def test_islands_are_pure_and_a_random_placement_is_at_chance():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 250)
    islands = rng.normal(size=(1000, 2)) * 0.1 + labels[:, None] * 5.0
    mixed = rng.normal(size=(1000, 2))
    assert neighbour_class_purity(islands, labels) > 0.99
    assert chance_purity(labels) == 0.25
    assert abs(neighbour_class_purity(mixed, labels) - 0.25) < 0.04


def test_purity_leaves_the_point_itself_out_and_needs_two_classes():
    xy = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    # each point's one nearest neighbour is the other point of its pair
    assert neighbour_class_purity(xy, np.array([0, 0, 1, 1]), k=1) == 1.0
    assert neighbour_class_purity(xy, np.array([0, 1, 0, 1]), k=1) == 0.0
    assert neighbour_class_purity(xy, np.zeros(4), k=1) is None
    assert neighbour_class_purity(xy[:2], np.array([0, 1]), k=3) is None
