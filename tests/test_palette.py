"""The class palette of the map: tab10 first, then colours that stay apart for many classes."""

from __future__ import annotations

import numpy as np
import pytest

from latentlab.class_palette import ciede2000, srgb_to_lab

TAB10 = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
]  # fmt: skip
# CIEDE2000 of about 1 is just noticeable; 10 is plainly another colour at a glance.
MIN_DIFFERENCE = {40: 12.0, 60: 10.0}


def _min_pairwise(rgb: np.ndarray) -> float:
    lab = srgb_to_lab(rgb)
    d = ciede2000(lab[:, None], lab[None])
    d[np.eye(len(rgb), dtype=bool)] = np.inf
    return float(d.min())


def test_ciede2000_matches_sharmas_test_data():
    pairs = [  # Sharma, Wu and Dalal (2005), table 1: pairs 1, 3, 7 and 17
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ]
    for lab1, lab2, expected in pairs:
        assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)


def test_white_is_lab_100_and_black_is_0():
    lab = srgb_to_lab(np.array([[255, 255, 255], [0, 0, 0]]))
    np.testing.assert_allclose(lab, [[100, 0, 0], [0, 0, 0]], atol=1e-3)


@pytest.mark.parametrize("n", sorted(MIN_DIFFERENCE))
def test_many_classes_stay_distinguishable(n):
    from latentlab.ui.map.map_colours import NEUTRAL_CLASS_COLOUR, categorical_colours

    colours = categorical_colours(n)
    assert colours.shape == (n, 4) and (colours[:, 3] == 255).all()
    assert _min_pairwise(colours[:, :3]) > MIN_DIFFERENCE[n]
    # Classes left out of a coloured subset are grey: no class may look like them.
    neutral = srgb_to_lab(np.array(NEUTRAL_CLASS_COLOUR[:3]))
    assert ciede2000(srgb_to_lab(colours[:, :3]), neutral).min() > MIN_DIFFERENCE[n]


def test_the_first_ten_are_tab10_and_a_longer_palette_starts_with_a_shorter_one():
    from latentlab.ui.map.map_colours import categorical_colours

    assert [tuple(int(v) for v in c[:3]) for c in categorical_colours(10)] == TAB10
    np.testing.assert_array_equal(categorical_colours(60)[:40], categorical_colours(40))
    np.testing.assert_array_equal(categorical_colours(3), categorical_colours(40)[:3])
    assert categorical_colours(0).shape == (0, 4)
