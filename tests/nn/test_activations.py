"""Activations: values, derivatives from outputs, per-unit mixes, rejected specifications."""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.errors import ConfigError, InputTypeError
from tickcast.nn import ACTIVATIONS, MixedActivation, get_activation

Z = np.linspace(-4.0, 4.0, 41)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("tanh", np.tanh),
        ("sigmoid", lambda z: 1.0 / (1.0 + np.exp(-z))),
        ("relu", lambda z: np.maximum(z, 0.0)),
        ("leaky_relu", lambda z: np.where(z > 0, z, 0.01 * z)),
        ("elu", lambda z: np.where(z > 0, z, np.exp(z) - 1.0)),
        ("softplus", lambda z: np.log1p(np.exp(z))),
        ("linear", lambda z: z),
    ],
)
def test_values_match_reference(name, reference):
    np.testing.assert_allclose(
        get_activation(name).forward(Z), reference(Z), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_from_output_matches_finite_difference(name):
    act = get_activation(name)
    z = Z[np.abs(Z) > 0.05]  # away from the kinks of relu-like units
    h = 1e-6
    numeric = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(act.forward(z)), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_out_argument_may_alias_input(name):
    act = get_activation(name)
    z = Z.copy()
    expected = act.forward(Z)
    assert act.forward(z, out=z) is z
    np.testing.assert_allclose(z, expected)


def test_sigmoid_and_softplus_do_not_overflow():
    z = np.array([-1000.0, 1000.0])
    with np.errstate(over="raise"):
        assert get_activation("softplus").forward(z).tolist() == [0.0, 1000.0]
    with np.errstate(over="ignore"):
        assert get_activation("sigmoid").forward(z).tolist() == [0.0, 1.0]


def test_tuple_splits_units_evenly():
    act = get_activation(("tanh", "relu"), units=6)
    z = -np.ones((2, 6))
    out = act.forward(z)
    np.testing.assert_allclose(out[:, :3], np.tanh(-1.0))
    np.testing.assert_allclose(out[:, 3:], 0.0)


def test_per_unit_list_and_uneven_split():
    per_unit = get_activation(["relu", "linear", "relu"], units=3)
    assert per_unit.forward(np.array([[-1.0, -1.0, 2.0]])).tolist() == [[0.0, -1.0, 2.0]]
    uneven = MixedActivation(("tanh", "relu"), 5)
    assert [(g[0].start, g[0].stop) for g in uneven.groups] == [(0, 3), (3, 5)]


def test_fractions():
    act = get_activation({"tanh": 0.75, "relu": 0.25}, units=8)
    assert [(sl.stop - sl.start, a.name) for sl, a in act.groups] == [(6, "tanh"), (2, "relu")]


def test_mixed_on_another_axis():
    act = get_activation(("linear", "relu"), units=2, axis=-2)
    z = -np.ones((2, 3))  # units on rows, batch on columns
    assert act.forward(z).tolist() == [[-1.0] * 3, [0.0] * 3]


def test_single_name_sequence_is_plain_activation():
    assert get_activation(("tanh",), units=4).name == "tanh"


@pytest.mark.parametrize(
    ("spec", "units", "error", "match"),
    [
        ("swish", None, ConfigError, "activation"),
        (("tanh", "relu"), None, ConfigError, "units"),
        (("tanh", "relu", "elu"), 2, ConfigError, "at most"),
        ((), 3, ConfigError, "at least one"),
        ({"tanh": 0.5, "relu": 0.2}, 4, ConfigError, "sum to 1"),
        ({"tanh": -0.5, "relu": 1.5}, 4, ConfigError, "non-negative"),
        (3.0, None, InputTypeError, "activation"),
        (("tanh", 3), 4, InputTypeError, "activation"),
    ],
)
def test_invalid(spec, units, error, match):
    with pytest.raises(error, match=match):
        get_activation(spec, units=units)
