"""make_windows / last_window / iter_batches: shapes, zero copy, memory, errors."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from tickcast.errors import ConfigError, DataError, InputTypeError
from tickcast.features import Windows, iter_batches, last_window, make_windows


def test_values_and_shapes_against_a_loop():
    rng = np.random.default_rng(0)
    v = rng.normal(size=40)
    ex = rng.normal(size=(40, 2))
    X, y, origins = make_windows(v, 5, 3, exog=ex)
    n = 40 - 5 - 3 + 1
    assert X.shape == (n, 5, 3) and y.shape == (n, 3) and len(origins) == n
    for i in range(n):
        np.testing.assert_array_equal(X[i, :, 0], v[i : i + 5])
        np.testing.assert_array_equal(X[i, :, 1:], ex[i : i + 5])
        np.testing.assert_array_equal(y[i], v[i + 5 : i + 8])
        assert origins[i] == i + 4


def test_stride_is_anchored_at_the_end():
    v = np.arange(20.0)
    w = make_windows(v, 4, 2, stride=3)
    full = make_windows(v, 4, 2)
    assert isinstance(w, Windows)
    assert w.X.shape[0] == (20 - 4 - 2) // 3 + 1
    np.testing.assert_array_equal(w.X[-1], full.X[-1])  # newest window always present
    np.testing.assert_array_equal(w.y[-1], [18.0, 19.0])
    assert list(np.diff(w.origins)) == [3] * (len(w.origins) - 1)


def test_x_and_y_are_read_only_views_sharing_memory():
    v = np.random.default_rng(1).normal(size=(500, 4))
    X, y, _ = make_windows(v, 30, 5)
    assert np.shares_memory(X, v) and np.shares_memory(y, v)
    assert not X.flags.writeable and not y.flags.writeable
    with pytest.raises(ValueError):
        X[0, 0, 0] = 1.0
    with_exog = make_windows(v[:, 0], 30, 5, exog=v[:, 1:])
    assert np.shares_memory(with_exog.y, v)  # y reads the target itself, even with exog
    np.testing.assert_array_equal(with_exog.X, X)


def test_memory_does_not_grow_with_lookback():
    v = np.random.default_rng(2).normal(size=(20_000, 4))

    def peak(lookback: int) -> int:
        tracemalloc.start()
        X = make_windows(v[:, 0], lookback, 5, exog=v[:, 1:]).X
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert X.shape[1] == lookback
        return top

    small, large = peak(5), peak(500)
    copy_of_large = (20_000 - 504) * 500 * 4 * 8  # what materialising X would cost
    assert large < 1.5 * small + 100_000
    assert large < copy_of_large / 100


def test_origins_from_series_index_and_from_index_argument(sp500):
    w = make_windows(sp500, 60, 5)
    assert isinstance(w.origins, pd.DatetimeIndex)
    assert w.origins[0] == sp500.index[59] and w.origins[-1] == sp500.index[-6]
    np.testing.assert_array_equal(w.X[-1, :, 0], sp500.iloc[-65:-5].to_numpy())
    np.testing.assert_array_equal(w.y[-1], sp500.iloc[-5:].to_numpy())
    arr = make_windows(sp500.to_numpy(), 60, 5, index=sp500.index)
    assert arr.origins.equals(w.origins)
    assert make_windows(np.arange(10.0), 3, 1).origins.tolist() == list(range(2, 9))


def test_dataframe_exog_aligned_and_batches(sp500):
    r = np.log(sp500).diff().dropna()
    ex = pd.DataFrame({"abs": r.abs(), "sq": r**2}, index=r.index)
    w = make_windows(r, 20, 5, exog=ex)
    assert w.X.shape[2] == 3
    np.testing.assert_array_equal(w.X[10, :, 2], (r**2).iloc[10:30].to_numpy())
    rng = np.random.default_rng(0)
    seen = np.concatenate(list(iter_batches(len(w.X), 64, rng)))
    assert sorted(seen.tolist()) == list(range(len(w.X)))
    assert not np.array_equal(seen, np.arange(len(w.X)))
    idx = next(iter_batches(len(w.X), 64, 0))
    b = w.take(idx)
    assert b.X.shape == (64, 20, 3) and b.y.shape == (64, 5) and len(b.origins) == 64
    assert b.X.flags.writeable and not np.shares_memory(b.X, w.X)
    np.testing.assert_array_equal(b.X[5], w.X[idx[5]])
    assert b.origins[5] == w.origins[idx[5]]


def test_iter_batches_order_and_seed():
    assert [b.tolist() for b in iter_batches(5, 2, None, shuffle=False)] == [[0, 1], [2, 3], [4]]
    a = np.concatenate(list(iter_batches(50, 7, 3)))
    b = np.concatenate(list(iter_batches(50, 7, np.random.default_rng(3))))
    np.testing.assert_array_equal(a, b)


def test_last_window_is_the_newest_view():
    v = np.arange(30.0)
    ex = np.arange(60.0).reshape(30, 2)
    lw = last_window(v, 4, exog=ex)
    assert lw.shape == (1, 4, 3)
    np.testing.assert_array_equal(lw[0, :, 0], [26, 27, 28, 29])
    np.testing.assert_array_equal(lw[0, :, 1:], ex[-4:])
    lw1 = last_window(v, 4)
    assert np.shares_memory(lw1, v) and not lw1.flags.writeable
    assert v.flags.writeable  # the caller's array is untouched


def test_too_little_data_says_how_many_points_are_needed():
    with pytest.raises(DataError, match=r"65 observations .* got 40"):
        make_windows(np.arange(40.0), 60, 5)
    make_windows(np.arange(65.0), 60, 5)  # exactly enough: one window
    with pytest.raises(DataError, match=r"lookback = 10 .* got 9"):
        last_window(np.arange(9.0), 10)


def test_invalid():
    v = np.arange(20.0)
    for kw in [
        {"lookback": 0},
        {"lookback": 2.5},
        {"lookback": True},
        {"horizon": 0},
        {"horizon": "3"},
        {"stride": 0},
        {"stride": 1.0},
    ]:
        args = {"lookback": 3, "horizon": 2, **kw}
        with pytest.raises(ConfigError, match=next(iter(kw))):
            make_windows(v, args.pop("lookback"), args.pop("horizon"), **args)
    with pytest.raises(InputTypeError, match="shape"):
        make_windows(np.ones((5, 2, 2)), 2, 1)
    with pytest.raises(DataError, match="exog"):
        make_windows(v, 3, 2, exog=np.ones((19, 2)))
    s = pd.Series(v, index=pd.bdate_range("2020-01-01", periods=20))
    with pytest.raises(DataError, match="align_exog"):
        make_windows(s, 3, 2, exog=pd.Series(v, index=pd.bdate_range("2020-02-03", periods=20)))
    with pytest.raises(DataError, match="index"):
        make_windows(v, 3, 2, index=pd.bdate_range("2020-01-01", periods=5))
    bad = v.copy()
    bad[7] = np.nan
    with pytest.raises(DataError, match="position 7"):
        make_windows(bad, 3, 2)
    with pytest.raises(DataError, match="exog"):
        make_windows(v, 3, 2, exog=np.where(v > 10, np.nan, v))
    with pytest.raises(ConfigError, match="lookback"):
        last_window(v, 0)
    with pytest.raises(ConfigError, match="rng"):
        iter_batches(10, 2, None)
    with pytest.raises(InputTypeError, match="rng"):
        iter_batches(10, 2, "seed")
    with pytest.raises(ConfigError, match="batch_size"):
        iter_batches(10, 0, 0)
    with pytest.raises(ConfigError, match="shuffle"):
        iter_batches(10, 2, 0, shuffle="yes")
