"""Target transforms: values, exact round trips, paths, errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tickcast.errors import ConfigError, DataError, InputTypeError, NotFittedError
from tickcast.features import (
    Diff,
    Level,
    LogReturn,
    PctChange,
    TargetTransform,
    default_target,
    make_target,
)

SETTINGS = settings(max_examples=50, deadline=None)
positive = arrays(
    np.float64,
    st.integers(2, 60),
    elements=st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False),
)
finite = arrays(
    np.float64,
    st.integers(2, 60),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
# Step ratios within 1e-3..1e3: beyond that, 1 + p cancels digits (inherent to simple returns).
nonzero = arrays(
    np.float64,
    st.integers(2, 60),
    elements=st.one_of(st.floats(1.0, 1e3), st.floats(-1e3, -1.0)),
)


def _round_trip(t: TargetTransform, y: np.ndarray, k: int) -> np.ndarray:
    """Levels after position k rebuilt from the transformed series and y[k]."""
    z = t.transform(y)[k:]
    return t.inverse_transform(z, last_level=y[k])


@SETTINGS
@given(y=positive, data=st.data())
def test_log_return_round_trip_exact(y, data):
    k = data.draw(st.integers(0, len(y) - 2))
    back = _round_trip(LogReturn(), y, k)
    np.testing.assert_allclose(back, y[k + 1 :], rtol=1e-12, atol=0)


@SETTINGS
@given(y=nonzero, data=st.data())
def test_pct_change_round_trip_exact(y, data):
    k = data.draw(st.integers(0, len(y) - 2))
    back = _round_trip(PctChange(), y, k)
    np.testing.assert_allclose(back, y[k + 1 :], rtol=1e-12, atol=0)


@SETTINGS
@given(y=finite, bps=st.booleans(), data=st.data())
def test_diff_round_trip_exact(y, bps, data):
    k = data.draw(st.integers(0, len(y) - 2))
    back = _round_trip(Diff(bps=bps), y, k)
    scale = max(1.0, np.abs(y).max())
    np.testing.assert_allclose(back, y[k + 1 :], rtol=0, atol=1e-12 * scale)


@SETTINGS
@given(y=finite)
def test_level_round_trip_is_identity(y):
    t = Level()
    np.testing.assert_array_equal(t.inverse_transform(t.transform(y), 123.0), y)


def test_values_on_known_numbers():
    y = np.array([100.0, 110.0, 99.0])
    np.testing.assert_allclose(LogReturn().transform(y), np.log([1.1, 0.9]))
    np.testing.assert_allclose(PctChange().transform(y), [0.1, -0.1])
    np.testing.assert_allclose(Diff().transform(np.array([4.0, 4.05])), [0.05])
    np.testing.assert_allclose(Diff(bps=True).transform(np.array([4.0, 4.05])), [5.0])
    np.testing.assert_allclose(Diff(bps=True).inverse_transform([5.0, -10.0], 4.0), [4.05, 3.95])


def test_series_in_series_out_keeps_index_and_name(sp500):
    r = LogReturn().transform(sp500)
    assert isinstance(r, pd.Series)
    assert r.index.equals(sp500.index[1:])
    assert r.name == "sp500"
    assert r.iloc[0] == pytest.approx(np.log(sp500.iloc[1] / sp500.iloc[0]))
    lv = Level().transform(sp500)
    assert lv.index.equals(sp500.index)


def test_real_sp500_round_trip_from_any_origin(sp500):
    t = LogReturn().fit(sp500.iloc[:3000])
    assert t.last_value_ == sp500.iloc[2999]
    assert t.n_obs_ == 3000
    r = t.transform(sp500)
    # forecast = realised returns after the fit end -> must give the realised prices
    back = t.inverse_transform(r.iloc[2999:3019].to_numpy())
    np.testing.assert_allclose(back, sp500.iloc[3000:3020].to_numpy(), rtol=1e-12)


def test_inverse_paths_cumulate_along_horizon():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 0.01, size=(7, 5))
    out = LogReturn().inverse_transform(z, 50.0)
    assert out.shape == (7, 5)
    np.testing.assert_allclose(out, 50.0 * np.exp(np.cumsum(z, axis=1)))
    # one path equals the point-forecast inverse of that path
    np.testing.assert_allclose(out[3], LogReturn().inverse_transform(z[3], 50.0))
    # one last level per path
    last = np.arange(1.0, 8.0)
    out2 = Diff().inverse_transform(z, last)
    np.testing.assert_allclose(out2[:, 0], last + z[:, 0])
    np.testing.assert_allclose(out2[4], 5.0 + np.cumsum(z[4]))


def test_inverse_series_forecast_keeps_index():
    idx = pd.bdate_range("2024-01-01", periods=3)
    fc = pd.Series([0.0, 0.1, -0.1], index=idx, name="mean")
    out = PctChange().inverse_transform(fc, 10.0)
    assert isinstance(out, pd.Series) and out.index.equals(idx)
    np.testing.assert_allclose(out, [10.0, 11.0, 9.9])


def test_inverse_defaults_to_fitted_last_level():
    t = Diff().fit(np.array([1.0, 2.0, 5.0]))
    np.testing.assert_allclose(t.inverse_transform([1.0, 1.0]), [6.0, 7.0])


def test_non_positive_price_names_first_bad_date(sp500):
    y = sp500.iloc[:50].copy()
    y.iloc[20] = 0.0
    y.iloc[30] = -1.0
    with pytest.raises(DataError) as e:
        LogReturn().transform(y)
    msg = str(e.value)
    assert str(y.index[20].date()) in msg and "0.0" in msg and "position 20" in msg
    with pytest.raises(DataError, match="position 2"):
        LogReturn().fit(np.array([1.0, 2.0, -3.0]))


def test_make_target_and_default_target():
    assert type(make_target("log_return")) is LogReturn
    assert type(make_target("diff")) is Diff and make_target("diff").bps is False
    assert make_target("diff_bps").bps is True
    assert type(make_target("pct_change")) is PctChange
    assert type(make_target("LEVEL")) is Level
    assert default_target("price") == "log_return"
    assert default_target("rate") == "diff"
    t = Diff(bps=True).fit(np.array([1.0, 2.0]))
    c = make_target(t)
    assert c is not t and c.bps is True


def test_invalid():
    with pytest.raises(ConfigError, match="log_return"):
        make_target("logret")
    with pytest.raises(InputTypeError):
        make_target(3)
    with pytest.raises(ConfigError, match="price"):
        default_target("stock")
    with pytest.raises(DataError, match="at least 2"):
        LogReturn().transform(np.array([1.0]))
    with pytest.raises(DataError, match="finite"):
        Diff().transform(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(InputTypeError, match="1-D"):
        Diff().transform(np.ones((3, 2)))
    with pytest.raises(InputTypeError, match="DataFrame"):
        Diff().transform(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(InputTypeError, match="numbers"):
        Diff().transform(np.array(["a", "b"]))
    with pytest.raises(DataError, match="non-zero"):
        PctChange().transform(np.array([1.0, 0.0, 2.0]))
    with pytest.raises(NotFittedError, match="last_level"):
        LogReturn().inverse_transform([0.1])
    with pytest.raises(InputTypeError, match="scalar"):
        LogReturn().inverse_transform(0.1, 1.0)
    with pytest.raises(InputTypeError, match="DataFrame"):
        LogReturn().inverse_transform(pd.DataFrame([[0.1]]), 1.0)
    with pytest.raises(ConfigError, match="last_level"):
        Diff().inverse_transform(np.zeros((4, 3)), np.ones(3))
    with pytest.raises(DataError, match="positive"):
        LogReturn().inverse_transform([0.1], -1.0)
    with pytest.raises(DataError, match="finite"):
        Diff().inverse_transform([0.1], np.nan)
    with pytest.raises(ConfigError, match="bps"):
        Diff(bps="yes").transform(np.array([1.0, 2.0]))
