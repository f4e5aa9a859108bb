"""WalkForward: origins, windows, embargo and refit semantics."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickcast.backtest.splitters import Fold, WalkForward
from tickcast.errors import ConfigError, DataError, InputTypeError


@st.composite
def splitter_and_length(draw):
    initial = draw(st.integers(1, 40))
    horizon = draw(st.integers(1, 6))
    gap = draw(st.integers(0, 4))
    step = draw(st.integers(1, 7))
    n = draw(st.integers(initial + gap + horizon, initial + gap + horizon + 80))
    window = draw(st.sampled_from(["expanding", "sliding"]))
    window_size = draw(st.none() | st.integers(1, initial)) if window == "sliding" else None
    refit_every = draw(st.none() | st.integers(1, 6))
    max_origins = draw(st.none() | st.integers(1, 30))
    cv = WalkForward(
        initial,
        step=step,
        horizon=horizon,
        gap=gap,
        window=window,
        window_size=window_size,
        refit_every=refit_every,
        max_origins=max_origins,
    )
    return cv, n


PROPS = settings(max_examples=60, deadline=None)


@PROPS
@given(splitter_and_length())
def test_no_test_position_precedes_or_touches_training_plus_gap(case):
    cv, n = case
    for f in cv.split(n):
        assert min(f.test) - max(f.train) == cv.gap + 1
        assert f.train.stop == f.origin + 1
        assert len(f.test) == cv.horizon
        assert f.test.stop <= n
        assert f.train.start >= 0
        assert min(f.test) > max(f.fitted_on) + cv.gap


@PROPS
@given(splitter_and_length())
def test_origins_increase_by_step_and_each_is_used_once(case):
    cv, n = case
    folds = list(cv.split(n))
    origins = [f.origin for f in folds]
    assert len(origins) == len(set(origins)) == cv.n_splits(n)
    assert [f.number for f in folds] == list(range(len(folds)))
    assert all(b - a == cv.step for a, b in itertools.pairwise(origins))
    # the last origin is the last that fits, and no earlier one is dropped without max_origins
    assert origins[-1] + cv.step + cv.gap + cv.horizon > n - 1
    if cv.max_origins is None:
        assert origins[0] == cv.initial - 1
    else:
        assert len(origins) <= cv.max_origins


@PROPS
@given(splitter_and_length())
def test_window_lengths(case):
    cv, n = case
    folds = list(cv.split(n))
    if cv.window == "sliding":
        size = cv.initial if cv.window_size is None else cv.window_size
        assert {len(f.train) for f in folds} == {size}
    else:
        assert all(f.train.start == 0 for f in folds)


@PROPS
@given(splitter_and_length())
def test_refit_exactly_on_folds_0_k_2k(case):
    cv, n = case
    folds = list(cv.split(n))
    refits = [f.number for f in folds if f.refit]
    k = cv.refit_every
    assert refits == ([0] if k is None else list(range(0, len(folds), k)))
    last_fit = None
    for f in folds:
        if f.refit:
            last_fit = f.train
        assert f.fitted_on == last_fit


def test_worked_example_expanding_with_gap():
    cv = WalkForward(initial=4, step=3, horizon=2, gap=1, refit_every=2)
    folds = list(cv.split(12))
    # origins 3, 6 fit (3 + 1 + 2 = 6 <= 11, 6 + 3 = 9 <= 11); origin 9 would need 12 > 11
    assert [f.origin for f in folds] == [3, 6]
    assert folds[0] == Fold(0, 3, range(0, 4), range(5, 7), True, range(0, 4))
    assert folds[1] == Fold(1, 6, range(0, 7), range(8, 10), False, range(0, 4))
    y = np.arange(12.0)
    assert y[folds[1].test_slice].tolist() == [8.0, 9.0]
    assert y[folds[1].train_slice].tolist() == list(range(7))


def test_max_origins_keeps_the_last_ones_and_counts_refits_among_them():
    cv = WalkForward(initial=3, refit_every=2, max_origins=3)
    folds = list(cv.split(10))  # all origins 2..8; keep 6, 7, 8
    assert [f.origin for f in folds] == [6, 7, 8]
    assert [f.refit for f in folds] == [True, False, True]


def test_refit_every_none_fits_once():
    folds = list(WalkForward(initial=3, refit_every=None).split(8))
    assert [f.refit for f in folds] == [True] + [False] * (len(folds) - 1)
    assert all(f.fitted_on == range(0, 3) for f in folds)


def test_start_and_end_as_positions_and_timestamps():
    idx = pd.bdate_range("2021-01-04", periods=20)  # Mon 4 Jan .. Fri 29 Jan
    by_pos = WalkForward(initial=3, step=2, start=5, end=11)
    assert [f.origin for f in by_pos.split(20)] == [5, 7, 9, 11]
    # 2021-01-09 is a Saturday: start resolves to the next observation (Mon 11 Jan, pos 5);
    # end 2021-01-17 (Sunday) resolves to the last observation on or before it (Fri 15, pos 9)
    by_date = WalkForward(initial=3, step=2, start="2021-01-09", end="2021-01-17")
    assert [f.origin for f in by_date.split(idx)] == [5, 7, 9]
    series = pd.Series(np.arange(20.0), index=idx)
    assert [f.origin for f in by_date.split(series)] == [5, 7, 9]
    # start before the first possible origin is clipped to initial - 1
    assert next(WalkForward(initial=6, start=0).split(20)).origin == 5


def test_timezone_aware_index():
    idx = pd.bdate_range("2021-01-04", periods=10, tz="Europe/Berlin")
    cv = WalkForward(initial=2, start="2021-01-06")
    assert next(cv.split(idx)).origin == 2


def test_fold_is_frozen():
    fold = next(WalkForward(initial=2).split(5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fold.refit = False  # type: ignore[misc]


def test_constructor_only_stores_arguments():
    cv = WalkForward(initial=-5, step=0, window="nonsense")  # invalid, but not checked yet
    assert cv.get_params()["step"] == 0
    assert "initial=-5" in repr(cv)
    with pytest.raises(ConfigError):
        cv.split(10)


def test_describe_records_refit_semantics():
    d = WalkForward(initial=10, step=5, refit_every=20, window="sliding").describe()
    assert d["refit_every"] == 20 and d["window_size"] == 10
    assert "0, 20, 40" in d["refit"]
    assert "origin+gap+1" in d["test"]
    assert "fit once" in WalkForward(initial=10, refit_every=None).describe()["refit"]
    bounds = WalkForward(initial=10, start=pd.Timestamp("2020-01-02"), end=50).describe()
    assert bounds["start"] == "2020-01-02 00:00:00" and bounds["end"] == 50


@pytest.mark.parametrize(
    ("kwargs", "n", "error", "match"),
    [
        ({"initial": 0}, 10, ConfigError, "`initial` must be a positive integer"),
        ({"initial": 2.5}, 10, ConfigError, "got 2.5"),
        ({"initial": True}, 10, ConfigError, "`initial`"),
        ({"initial": 10}, 10, ConfigError, "must not exceed the series length"),
        ({"initial": 5, "horizon": 3, "gap": 3}, 10, ConfigError, "Lower initial to at most 4"),
        ({"initial": 2, "step": 0}, 10, ConfigError, "`step` must be a positive integer"),
        ({"initial": 2, "horizon": 0}, 10, ConfigError, "`horizon`"),
        ({"initial": 2, "gap": -1}, 10, ConfigError, "`gap` must be an integer >= 0"),
        ({"initial": 2, "window": "rolling"}, 10, ConfigError, "`window` must be one of"),
        ({"initial": 2, "window_size": 2}, 10, ConfigError, "only applies to window='sliding'"),
        ({"initial": 2, "window": "sliding", "window_size": 3}, 10, ConfigError, "exceed"),
        ({"initial": 2, "window": "sliding", "window_size": 0}, 10, ConfigError, "window_size"),
        ({"initial": 2, "refit_every": 0}, 10, ConfigError, "`refit_every`"),
        ({"initial": 2, "max_origins": 0}, 10, ConfigError, "`max_origins`"),
        ({"initial": 2, "start": -1}, 10, ConfigError, "`start` must be a non-negative"),
        ({"initial": 2, "start": 1.5}, 10, ConfigError, "`start` must be None"),
        ({"initial": 2, "start": 7, "end": 3}, 10, ConfigError, "no origin lies between"),
        ({"initial": 2, "start": "2021-01-01"}, 10, ConfigError, "no DatetimeIndex"),
        ({"initial": 2}, 0, DataError, "positive series length"),
        ({"initial": 2}, "ten", InputTypeError, "`n_or_index` must be"),
        ({"initial": 2}, [1, 2, 3], InputTypeError, "got list"),
    ],
)
def test_invalid(kwargs, n, error, match):
    with pytest.raises(error, match=match):
        WalkForward(**kwargs).split(n)


def test_invalid_timestamp_bounds():
    idx = pd.bdate_range("2021-01-04", periods=10)
    with pytest.raises(ConfigError, match="parsable timestamp"):
        WalkForward(initial=2, end="not a date").split(idx)
    with pytest.raises(DataError, match="sorted"):
        WalkForward(initial=2, start="2021-01-05").split(idx[::-1])
    with pytest.raises(ConfigError, match="no origin"):
        WalkForward(initial=2, start="2030-01-01").split(idx)
