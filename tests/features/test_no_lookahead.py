"""Proof of no look-ahead: changing data after time t changes nothing computed for <= t.

One property test per family: target transforms, scalers (fitted on a prefix), every
handcrafted feature (with exogenous yields on another calendar and a publication lag),
align_exog and make_windows with exog.
"""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tickcast.features import (
    FEATURES,
    Diff,
    FeatureSet,
    Level,
    LogReturn,
    PctChange,
    RobustScaler,
    StandardScaler,
    align_exog,
    make_windows,
)

SETTINGS = settings(max_examples=50, deadline=None)
START = pd.Timestamp("2021-01-04")


@st.composite
def perturbed(draw, min_n=2, max_n=80, n_cols=1):
    """(original, perturbed, t): a positive random walk and a copy changed after row t."""
    n = draw(st.integers(min_n, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.02, size=(n, n_cols)), axis=0))
    t = draw(st.integers(0, n - 1))
    b = a.copy()
    b[t + 1 :] *= np.exp(rng.normal(0, 0.3, size=b[t + 1 :].shape))
    # sometimes a more violent change: new values unrelated to the old ones
    if draw(st.booleans()):
        b[t + 1 :] = rng.uniform(1.0, 1e4, size=b[t + 1 :].shape)
    return a, b, t


def _series(a: np.ndarray) -> pd.Series:
    return pd.Series(a[:, 0], index=pd.bdate_range(START, periods=len(a)), name="y")


@SETTINGS
@given(case=perturbed(), which=st.sampled_from(["log", "diff", "bps", "pct", "level"]))
def test_transforms(case, which):
    a, b, t = case
    make = {
        "log": LogReturn,
        "diff": Diff,
        "bps": lambda: Diff(bps=True),
        "pct": PctChange,
        "level": Level,
    }[which]
    ya, yb = _series(a), _series(b)
    cut = ya.index[t]
    out_a, out_b = make().transform(ya), make().transform(yb)
    np.testing.assert_array_equal(out_a.loc[:cut], out_b.loc[:cut])
    # fit() on the prefix remembers the same last level
    if t >= 1:
        assert make().fit(ya.loc[:cut]).last_value_ == make().fit(yb.loc[:cut]).last_value_


@SETTINGS
@given(case=perturbed(n_cols=3), cls=st.sampled_from([StandardScaler, RobustScaler]))
def test_scalers_fitted_on_prefix(case, cls):
    a, b, t = case
    sa, sb = cls().fit(a[: t + 1]), cls().fit(b[: t + 1])
    np.testing.assert_array_equal(sa.center_, sb.center_)
    np.testing.assert_array_equal(sa.scale_, sb.scale_)
    np.testing.assert_array_equal(sa.transform(a)[: t + 1], sb.transform(b)[: t + 1])


def _exog(seed: int, n_days: int) -> dict[str, pd.Series]:
    """Three yields on a calendar-day grid (not the target's business days)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(START - pd.Timedelta(days=3), periods=n_days, freq="D")
    lvl = 3.0 + np.cumsum(rng.normal(0, 0.05, size=(n_days, 3)), axis=0)
    return {k: pd.Series(lvl[:, i], index=days) for i, k in enumerate(["dgs10", "dgs2", "dgs3mo"])}


def _perturb_after(ex: dict[str, pd.Series], cut: pd.Timestamp, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for k, s in ex.items():
        s = s.copy()
        late = s.index > cut
        s[late] = rng.normal(5.0, 2.0, size=int(late.sum()))
        out[k] = s
    return out


ALL = [
    "ret_3", "vol_5", "ma_gap_4", "rsi_5", "drawdown", "chg_2", "dow", "month",
    "slope_10y2y", "slope_10y3m",
]  # fmt: skip


def test_all_registered_features_are_covered():
    assert {n.rsplit("_", 1)[0] if n[-1].isdigit() else n for n in ALL} == set(FEATURES)


@SETTINGS
@given(
    case=perturbed(min_n=2, max_n=60),
    seed=st.integers(0, 2**32 - 1),
    lag=st.sampled_from([0, 1, "1D", "36h"]),
)
def test_every_feature(case, seed, lag):
    a, b, t = case
    ya, yb = _series(a), _series(b)
    cut = ya.index[t]
    ex_a = _exog(seed, 3 * len(a) + 10)
    ex_b = _perturb_after(ex_a, cut, seed + 1)
    fs = FeatureSet(ALL, exog_lag=lag)
    fa, fb = fs.transform(ya, exog=ex_a), fs.transform(yb, exog=ex_b)
    assert list(fa.columns) == fs.names
    np.testing.assert_array_equal(fa.loc[:cut].to_numpy(), fb.loc[:cut].to_numpy())
    # the perturbation is visible after t (so the comparison above could fail)
    if t + 2 < len(a):
        assert fa["chg_2"].iloc[t + 2] != fb["chg_2"].iloc[t + 2]


@SETTINGS
@given(case=perturbed(min_n=2, max_n=60), seed=st.integers(0, 2**32 - 1), lag=st.integers(0, 3))
def test_align_exog(case, seed, lag):
    a, _, t = case
    idx = _series(a).index
    cut = idx[t]
    ex_a = pd.DataFrame(_exog(seed, 3 * len(a) + 10))
    ex_b = pd.DataFrame(_perturb_after(dict(ex_a.items()), cut, seed + 1))
    # drop some exog rows at random too (missing days) -- only after the cut
    ex_b = ex_b.drop(ex_b.index[ex_b.index > cut][::3])
    out_a, out_b = align_exog(idx, ex_a, lag=lag), align_exog(idx, ex_b, lag=lag)
    np.testing.assert_array_equal(out_a.loc[:cut].to_numpy(), out_b.loc[:cut].to_numpy())


@SETTINGS
@given(
    case=perturbed(min_n=12, max_n=80, n_cols=3),
    lookback=st.integers(1, 6),
    horizon=st.integers(1, 4),
    stride=st.integers(1, 3),
)
def test_make_windows_with_exog(case, lookback, horizon, stride):
    a, b, t = case
    if len(a) < lookback + horizon:
        return
    idx = pd.bdate_range(START, periods=len(a))
    wa = make_windows(pd.Series(a[:, 0], index=idx), lookback, horizon, stride=stride,
                      exog=pd.DataFrame(a[:, 1:], index=idx))  # fmt: skip
    wb = make_windows(pd.Series(b[:, 0], index=idx), lookback, horizon, stride=stride,
                      exog=pd.DataFrame(b[:, 1:], index=idx))  # fmt: skip
    assert wa.origins.equals(wb.origins)
    pos = idx.get_indexer(wa.origins)
    past = pos <= t
    np.testing.assert_array_equal(wa.X[past], wb.X[past])
    # X never holds anything after its origin; y is exactly the next `horizon` targets
    for i, o in enumerate(pos):
        np.testing.assert_array_equal(wa.X[i, -1], a[o])
        np.testing.assert_array_equal(wa.y[i], a[o + 1 : o + 1 + horizon, 0])
    known = pos + horizon <= t
    np.testing.assert_array_equal(wa.y[known], wb.y[known])
