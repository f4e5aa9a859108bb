"""Losses: values, gradients' shapes and dtypes, the pinball minimiser, bad settings."""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.errors import ConfigError, InputTypeError
from tickcast.nn import MSE, Huber, Pinball, make_loss


def test_mse_value_and_gradient():
    p, y = np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]])
    assert MSE().value(p, y) == pytest.approx(2.5)
    np.testing.assert_allclose(MSE().gradient(p, y), [[1.0], [2.0]])


def test_huber_is_quadratic_inside_linear_outside():
    loss = Huber(delta=1.0)
    y = np.zeros((2, 1))
    p = np.array([[0.5], [3.0]])
    assert loss.value(p, y) == pytest.approx((0.125 + 2.5) / 2)
    np.testing.assert_allclose(loss.gradient(p, y), [[0.25], [0.5]])


def test_pinball_minimised_by_the_quantile():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(4000, 1))
    grid = np.linspace(-2, 2, 401)
    for q in (0.1, 0.5, 0.9):
        values = [Pinball(q).value(np.full_like(y, c), y) for c in grid]
        assert grid[int(np.argmin(values))] == pytest.approx(np.quantile(y, q), abs=0.02)


def test_pinball_several_quantiles_layout():
    loss = Pinball([0.1, 0.9])
    y = np.array([[0.0, 10.0]])  # two targets
    p = np.array([[1.0, 1.0, 9.0, 11.0]])  # target 0 at q=0.1, 0.9; target 1 at q=0.1, 0.9
    # r = y - p: [-1, -1, 1, -1] -> max(q r, (q-1) r): [0.9, 0.1, 0.1, 0.1]
    assert loss.value(p, y) == pytest.approx(0.3)
    assert loss.n_per_target == 2
    g = loss.gradient(p, y)
    assert g.shape == p.shape
    np.testing.assert_allclose(g * 4, [[0.9, 0.1, -0.1, 0.1]])


@pytest.mark.parametrize("loss", [MSE(), Huber(), Pinball([0.2, 0.8])])
def test_gradient_keeps_float32(loss):
    k = loss.n_per_target
    p = np.ones((3, 2 * k), dtype=np.float32)
    y = np.zeros((3, 2), dtype=np.float32)
    assert loss.gradient(p, y).dtype == np.float32


def test_make_loss_names_and_configs():
    assert isinstance(make_loss("MSE"), MSE)
    assert make_loss({"name": "huber", "delta": 2.0}).delta == 2.0
    assert make_loss(Pinball(0.3).get_config()).quantiles == [0.3]


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ("mae", ConfigError, "loss"),
        (Huber(delta=0), ConfigError, "delta"),
        (Huber(delta="1"), ConfigError, "delta"),
        (Pinball(1.0), ConfigError, "quantiles"),
        (Pinball([0.5, -0.1]), ConfigError, "quantiles"),
        (Pinball("a"), ConfigError, "quantiles"),
        (3, InputTypeError, "loss"),
    ],
)
def test_invalid(spec, error, match):
    with pytest.raises(error, match=match):
        make_loss(spec)
