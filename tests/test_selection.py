"""Lasso and rectangle selection geometry on the 2-D map."""

from __future__ import annotations

import numpy as np
import pytest

from latentlab.latent.selection import points_in_polygon, points_in_rectangle, simplify_lasso

SQUARE = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])


def test_square():
    points = np.array([[1.0, 1.0], [0.1, 1.9], [3.0, 1.0], [-0.1, 1.0], [1.0, 2.5]])
    np.testing.assert_array_equal(
        points_in_polygon(points, SQUARE), [True, True, False, False, False]
    )
    # Winding direction does not matter.
    np.testing.assert_array_equal(
        points_in_polygon(points, SQUARE[::-1]), points_in_polygon(points, SQUARE)
    )


def test_triangle():
    triangle = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    points = np.array([[1.0, 1.0], [1.9, 1.9], [2.1, 2.1], [3.5, 0.2], [0.2, 3.5], [-1.0, 1.0]])
    np.testing.assert_array_equal(
        points_in_polygon(points, triangle), [True, True, False, True, True, False]
    )


def test_concave_u_shape():
    # A "U": two arms 0–1 and 2–3 wide joined by a base 0–1 high; the notch between is outside.
    u_shape = np.array(
        [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]], dtype=float
    )
    points = np.array([[0.5, 2.5], [2.5, 2.5], [1.5, 0.5], [1.5, 2.0], [1.5, 2.9], [3.5, 0.5]])
    np.testing.assert_array_equal(
        points_in_polygon(points, u_shape), [True, True, True, False, False, False]
    )


def test_self_intersecting_bow_tie_uses_even_odd():
    bow_tie = np.array([[0.0, 0.0], [2.0, 2.0], [2.0, 0.0], [0.0, 2.0]])
    points = np.array([[0.3, 1.0], [1.7, 1.0], [1.0, 0.3], [1.0, 1.7], [-0.5, 1.0]])
    np.testing.assert_array_equal(
        points_in_polygon(points, bow_tie), [True, True, False, False, False]
    )


def test_fewer_than_three_vertices_select_nothing():
    points = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert not points_in_polygon(points, SQUARE[:2]).any()
    assert not points_in_polygon(points, np.zeros((0, 2))).any()
    assert points_in_polygon(np.zeros((0, 2)), SQUARE).shape == (0,)


def test_many_points_match_a_direct_check_on_a_star():
    rng = np.random.default_rng(0)
    points = rng.uniform(-2, 2, size=(5000, 2))
    angles = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    radius = 1.2 + 0.5 * np.sin(5 * angles)
    star = np.c_[radius * np.cos(angles), radius * np.sin(angles)]
    # The star is star-shaped about the origin; compare with the radius at each point's angle,
    # away from the boundary where polygon and curve differ.
    point_angle = np.arctan2(points[:, 1], points[:, 0]) % (2 * np.pi)
    curve = 1.2 + 0.5 * np.sin(5 * point_angle)
    distance = np.hypot(points[:, 0], points[:, 1])
    clear = np.abs(distance - curve) > 0.05
    inside = points_in_polygon(points, star)
    np.testing.assert_array_equal(inside[clear], (distance < curve)[clear])


def test_rectangle_corners_in_any_order_and_inclusive():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 3.0], [2.1, 1.0], [1.0, -0.1]])
    expected = [True, True, True, False, False]
    for corner, opposite in [
        ((0, 0), (2, 3)),
        ((2, 3), (0, 0)),
        ((0, 3), (2, 0)),
        ((2, 0), (0, 3)),
    ]:
        np.testing.assert_array_equal(points_in_rectangle(points, corner, opposite), expected)


def test_simplify_lasso_drops_near_duplicates():
    lasso = np.array(
        [[0.0, 0.0], [0.01, 0.0], [0.02, 0.01], [1.0, 0.0], [1.0, 0.005], [1.0, 1.0], [0.0, 1.0]]
    )
    simplified = simplify_lasso(lasso, 0.1)
    np.testing.assert_array_equal(simplified, lasso[[0, 3, 5, 6]])
    np.testing.assert_array_equal(simplify_lasso(lasso, 0.0), lasso)
    assert simplify_lasso(np.zeros((0, 2)), 0.1).shape == (0, 2)
    with pytest.raises(ValueError):
        simplify_lasso(lasso, -1.0)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="N×2"):
        points_in_polygon(np.zeros((3, 3)), SQUARE)
