"""Scalers: statistics from the training slice only, constant columns, shapes, errors."""

import numpy as np
import pandas as pd
import pytest

from tickcast.errors import ConfigError, DataError, InputTypeError, NotFittedError
from tickcast.features import RobustScaler, StandardScaler


def test_standard_scaler_uses_training_slice_only(sp500):
    r = np.log(sp500).diff().dropna()
    train, test = r.iloc[:2500], r.iloc[2500:]
    sc = StandardScaler().fit(train)
    assert sc.center_[0] == pytest.approx(train.mean())
    assert sc.scale_[0] == pytest.approx(train.std(ddof=0))
    z = sc.transform(test)
    assert isinstance(z, pd.Series) and z.index.equals(test.index)
    np.testing.assert_allclose(z, (test - train.mean()) / train.std(ddof=0))
    np.testing.assert_allclose(sc.inverse_transform(z), test, rtol=1e-12)
    # fitting on everything gives different statistics: the slice mattered
    assert StandardScaler().fit(r).center_[0] != sc.center_[0]


def test_robust_scaler_median_iqr():
    x = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [100.0, 40.0]])
    sc = RobustScaler().fit(x)
    np.testing.assert_allclose(sc.center_, [2.5, 25.0])
    q1, q3 = np.percentile(x, [25, 75], axis=0)
    np.testing.assert_allclose(sc.scale_, q3 - q1)
    np.testing.assert_allclose(sc.transform(x), (x - [2.5, 25.0]) / (q3 - q1))
    sc90 = RobustScaler(quantile_range=(10.0, 90.0)).fit(x)
    assert np.all(sc90.scale_ > sc.scale_)


@pytest.mark.parametrize("cls", [StandardScaler, RobustScaler])
def test_constant_column_gets_unit_scale_no_division_by_zero(cls):
    x = np.column_stack([np.full(20, 3.7), np.arange(20.0)])
    with np.errstate(all="raise"):
        sc = cls().fit(x)
        z = sc.transform(x)
    np.testing.assert_array_equal(sc.constant_, [True, False])
    assert sc.scale_[0] == 1.0
    np.testing.assert_allclose(z[:, 0], 0.0, atol=1e-12)
    assert np.all(np.isfinite(z))
    np.testing.assert_allclose(sc.inverse_transform(z), x)


@pytest.mark.parametrize("cls", [StandardScaler, RobustScaler])
def test_nan_ignored_in_fit_and_kept_in_transform(cls):
    x = np.array([np.nan, 1.0, 2.0, 3.0])
    sc = cls().fit(x)
    assert sc.center_[0] == pytest.approx(2.0)
    z = sc.transform(x)
    assert np.isnan(z[0]) and np.all(np.isfinite(z[1:]))


def test_dataframe_and_windows_shapes():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(30, 3)), columns=["a", "b", "c"])
    sc = StandardScaler().fit(df.iloc[:20])
    assert sc.feature_names_in_ == ["a", "b", "c"]
    assert sc.n_features_in_ == 3 and sc.n_samples_seen_ == 20
    out = sc.transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b", "c"]
    windows = rng.normal(size=(5, 7, 3))
    zw = sc.transform(windows)
    assert zw.shape == (5, 7, 3)
    np.testing.assert_allclose(zw[2, 4], (windows[2, 4] - sc.center_) / sc.scale_)


def test_invalid():
    with pytest.raises(NotFittedError, match="fit"):
        StandardScaler().transform(np.ones(3))
    with pytest.raises(NotFittedError):
        RobustScaler().inverse_transform(np.ones(3))
    with pytest.raises(DataError, match="infinities"):
        StandardScaler().fit(np.array([1.0, np.inf]))
    with pytest.raises(DataError, match="non-missing"):
        StandardScaler().fit(np.array([[1.0, np.nan], [2.0, np.nan]]))
    with pytest.raises(DataError, match="non-missing"):
        StandardScaler().fit(np.empty((0, 2)))
    with pytest.raises(InputTypeError, match="shape"):
        StandardScaler().fit(np.ones((2, 2, 2)))
    with pytest.raises(InputTypeError, match="numbers"):
        StandardScaler().fit(np.array(["a", "b"]))
    sc = StandardScaler().fit(np.ones((4, 2)))
    with pytest.raises(DataError, match="2 feature"):
        sc.transform(np.ones((4, 3)))
    with pytest.raises(DataError, match="2 feature"):
        sc.transform(np.ones(4))
    named = StandardScaler().fit(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 3.0]}))
    with pytest.raises(DataError, match="columns"):
        named.transform(pd.DataFrame({"b": [1.0], "a": [2.0]}))
    for bad in [(75.0, 25.0), (-1.0, 50.0), (25.0,), "iqr", (True, 50.0)]:
        with pytest.raises(ConfigError, match="quantile_range"):
            RobustScaler(quantile_range=bad).fit(np.arange(5.0))
