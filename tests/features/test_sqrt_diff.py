"""SqrtDiff: the square-root target of non-negative rates (values, round trip, floor, errors)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tickcast.errors import DataError
from tickcast.features import SqrtDiff, make_target

non_negative = arrays(
    np.float64,
    st.integers(2, 60),
    elements=st.floats(0.0, 1e4, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=50, deadline=None)
@given(y=non_negative, data=st.data())
def test_round_trip_exact(y, data):
    k = data.draw(st.integers(0, len(y) - 2))
    t = SqrtDiff()
    back = t.inverse_transform(t.transform(y)[k:], last_level=y[k])
    scale = max(1.0, y.max())
    np.testing.assert_allclose(back, y[k + 1 :], rtol=1e-12, atol=1e-12 * scale)


def test_values_against_the_square_root():
    y = np.array([4.0, 9.0, 2.25, 0.0])
    np.testing.assert_allclose(SqrtDiff().transform(y), [1.0, -1.5, -1.5])
    # paths: cumulated along the last axis from sqrt(last), squared
    z = np.array([[0.5, 0.5], [-1.0, -0.5]])
    np.testing.assert_allclose(SqrtDiff().inverse_transform(z, 4.0), [[6.25, 9.0], [1.0, 0.25]])


def test_a_root_below_zero_is_the_zero_floor_and_the_map_is_monotone():
    t = SqrtDiff()
    cum = np.linspace(-3.0, 1.0, 41)  # cumulated steps from sqrt(4) = 2
    levels = t.inverse_transform(cum[:, None], 4.0)[:, 0]
    assert np.all(levels >= 0) and np.all(np.diff(levels) >= 0)
    np.testing.assert_array_equal(levels[cum <= -2.0], 0.0)
    np.testing.assert_allclose(levels[cum > -2.0], (2.0 + cum[cum > -2.0]) ** 2)


def test_integrated_scale_is_the_square_root():
    t = make_target("sqrt_diff")
    assert type(t) is SqrtDiff
    np.testing.assert_allclose(t.to_integrated(np.array([0.0, 1.0, 6.25])), [0.0, 1.0, 2.5])
    np.testing.assert_allclose(t.from_integrated(np.array([-1.0, 0.0, 2.5])), [0.0, 0.0, 6.25])


def test_negative_rates_are_refused_with_the_date():
    y = pd.Series([0.5, 0.1, -0.2, 0.3], index=pd.bdate_range("2015-03-02", periods=4), name="estr")
    with pytest.raises(DataError, match=r"2015-03-04.*target='diff'"):
        SqrtDiff().fit(y)
    with pytest.raises(DataError, match=">= 0"):
        SqrtDiff().inverse_transform([0.1], -0.5)
