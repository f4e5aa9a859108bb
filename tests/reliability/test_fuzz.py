"""Property-based fuzzing (hypothesis): random CSV text into ``load``, random arrays into
``make_windows``, random small series and settings into ``backtest``.

The properties: nothing but a :class:`~tickcast.errors.TickcastError` escapes, and whatever is
returned is clean (no NaN, sorted unique dates, shapes as documented). Examples are few and
derandomized so the suite is fast and reproducible; set ``TICKCAST_FUZZ_EXAMPLES=500`` for a
longer, randomized search.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import tickcast as tc
from tickcast import errors
from tickcast.errors import TickcastError
from tickcast.features import make_windows

_LONG = os.environ.get("TICKCAST_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(_LONG) if _LONG else 30,
    deadline=None,
    database=None,
    derandomize=not _LONG,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------------------------
# load(csv:...)
# --------------------------------------------------------------------------------------------
_DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%dT00:00:00+02:00", "%Y%m%d"]
_BAD_DATES = ["", "not a date", "2020-13-45", "31/31/2020", ".", "null"]
_BAD_CELLS = ["abc", "1,234.5", "inf", "-inf", "1e400", "#DIV/0!", "TRUE", "--5"]
_MISSING = ["", ".", "NA", "null", "-"]


@st.composite
def csv_text(draw) -> str:
    """A plausible export (dates in one format, numbers, some missing cells, any separator),
    then 0-2 corruptions: a bad date, a bad number, a duplicated row, a shuffled row order."""
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    decimal = "," if sep == ";" and draw(st.booleans()) else "."
    n_values = draw(st.integers(1, 3))
    header = [draw(st.sampled_from(["date", "Date", "DATE", "observation_date", "when"]))]
    header += [
        f"{draw(st.sampled_from(['close', 'Close', 'value', 'Adj Close', 'x']))}{i or ''}"
        for i in range(n_values)
    ]
    days = draw(st.lists(st.integers(0, 3000), min_size=1, max_size=15, unique=True))
    fmt = draw(st.sampled_from(_DATE_FORMATS))
    dates = [f"{pd.Timestamp('2015-01-01') + pd.Timedelta(days=d):{fmt}}" for d in sorted(days)]
    cell = st.one_of(
        st.floats(-1e6, 1e6).map(lambda v: f"{v:.4f}".replace(".", decimal)),
        st.integers(-1000, 1000).map(str),
        st.sampled_from(_MISSING),
    )
    rows = [[d, *draw(st.lists(cell, min_size=n_values, max_size=n_values))] for d in dates]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        kind = draw(st.sampled_from(["date", "cell", "duplicate", "shuffle"]))
        i = draw(st.integers(0, len(rows) - 1))
        if kind == "date":
            rows[i][0] = draw(st.sampled_from(_BAD_DATES))
        elif kind == "cell":
            rows[i][draw(st.integers(1, n_values))] = draw(st.sampled_from(_BAD_CELLS))
        elif kind == "duplicate":
            rows.append(list(rows[i]))
        else:
            rows = draw(st.permutations(rows))

    def quote(value: str) -> str:
        return f'"{value}"' if sep in value else value

    lines = [sep.join(header)] + [sep.join(quote(v) for v in row) for row in rows]
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "\r\n", ""]))
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


@FUZZ
@given(text=csv_text(), as_bytes=st.binary(max_size=40), raw=st.booleans())
def test_load_random_csv_text(text, as_bytes, raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes(as_bytes if raw else text.encode("utf-8"))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", tc.errors.TickcastWarning)
                y = tc.load(f"csv:{path}", field=None)
        except TickcastError as exc:
            event(f"refused: {type(exc).__name__}")
            return
    event("loaded")
    assert isinstance(y, pd.DataFrame) and len(y) >= 1
    assert isinstance(y.index, pd.DatetimeIndex) and y.index.tz is None
    assert y.index.is_monotonic_increasing and y.index.is_unique
    assert (y.dtypes == np.float64).all()
    values = y.to_numpy()
    assert not np.isinf(values).any()
    assert not np.isnan(values).all(axis=1).any()  # no empty rows


# --------------------------------------------------------------------------------------------
# make_windows
# --------------------------------------------------------------------------------------------
_BAD_INTS = st.sampled_from([0, -1, 1.5, True, "3", None])


@FUZZ
@given(
    values=st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=30),
    holes=st.lists(st.tuples(st.integers(0, 29), st.sampled_from([np.nan, np.inf])), max_size=1),
    n_features=st.integers(1, 3),
    sizes=st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4)),
    corrupt=st.one_of(st.none(), st.none(), st.none(), st.tuples(st.integers(0, 2), _BAD_INTS)),
)
def test_make_windows_random(values, holes, n_features, sizes, corrupt):
    sizes = list(sizes)
    if corrupt is not None:
        sizes[corrupt[0]] = corrupt[1]
    lookback, horizon, stride = sizes
    data = np.resize(np.asarray(values, dtype=float), (len(values), n_features))
    for pos, value in holes:
        if pos < len(data):
            data[pos, pos % n_features] = value
    try:
        X, y, origins = make_windows(data, lookback, horizon, stride=stride)
    except TickcastError as exc:
        event(f"refused: {type(exc).__name__}")
        return
    event("windows")
    n = len(data)
    n_windows = (n - lookback - horizon) // stride + 1
    assert X.shape == (n_windows, lookback, n_features) and y.shape == (n_windows, horizon)
    assert len(origins) == n_windows and np.isfinite(X).all() and np.isfinite(y).all()
    for i in range(n_windows):  # no window reads past its origin; targets follow it
        end = int(origins[i])
        assert np.array_equal(X[i], data[end - lookback + 1 : end + 1])
        assert np.array_equal(y[i], data[end + 1 : end + 1 + horizon, 0])
    assert not X.flags.writeable


# --------------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------------
_TICKCAST_ERRORS = {
    name
    for name in dir(errors)
    if isinstance(getattr(errors, name), type) and issubclass(getattr(errors, name), TickcastError)
} | {"_BlockFailed"}


@st.composite
def small_series(draw) -> pd.Series:
    n = draw(st.integers(4, 60))
    kind = draw(st.sampled_from(["walk", "constant", "rate", "spiky"]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    if kind == "walk":
        values = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    elif kind == "constant":
        values = np.full(n, draw(st.sampled_from([0.0, 1.0, 123.456])))
    elif kind == "rate":
        values = np.cumsum(rng.normal(0, 0.1, n)) - 0.5  # crosses zero
    else:
        values = np.where(rng.random(n) < 0.1, 1e6, 1.0) * rng.uniform(0.5, 2.0, n)
    start = draw(st.sampled_from(["2020-01-01", "1999-12-31", "2024-02-28"]))
    freq = draw(st.sampled_from(["B", "D", "W-FRI", "ME"]))
    return pd.Series(values, index=pd.date_range(start, periods=n, freq=freq), name="s")


_MODELS = st.sampled_from(
    [
        lambda: tc.Naive(),
        lambda: tc.Drift(),
        lambda: tc.Mean(window=3),
        lambda: tc.LinearForecaster(lags=1, horizon=1),
        lambda: tc.LinearForecaster(lags=2, horizon=2, alpha=0.0),
    ]
)


@st.composite
def splitters(draw, n: int) -> tc.WalkForward:
    """Mostly settings that fit the series; sometimes one that does not."""
    ok = draw(st.sampled_from([True, True, True, False]))
    horizon = draw(st.integers(1, 3)) if ok else draw(st.integers(0, 4))
    gap = draw(st.integers(0, 2)) if ok else draw(st.integers(-1, 2))
    initial = draw(st.integers(1, max(1, n - horizon - gap))) if ok else draw(st.integers(-1, 70))
    step = draw(st.integers(1, 5)) if ok else draw(st.integers(0, 6))
    window = draw(st.sampled_from(["expanding", "sliding"]))
    size = (
        draw(st.one_of(st.none(), st.integers(1, max(1, initial)))) if window == "sliding" else None
    )
    return tc.WalkForward(
        initial=initial,
        step=step,
        horizon=horizon,
        gap=gap,
        window=window,
        window_size=size,
        refit_every=draw(st.one_of(st.none(), st.integers(1, 3))),
    )


@FUZZ
@given(
    data=st.data(), y=small_series(), make=_MODELS, level=st.sampled_from([(80, 95), 50, (), 99.9])
)
def test_backtest_random_small_series(data, y, make, level):
    splitter = data.draw(splitters(len(y)))
    horizon = splitter.horizon
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", tc.errors.TickcastWarning)
            res = tc.backtest([make()], y, splitter=splitter, level=level, progress=False)
    except TickcastError as exc:
        event(f"refused: {type(exc).__name__}")
        return
    event("ran, with failures" if len(res.failures) else "ran cleanly")
    f = res.forecasts
    value_cols = ["mean"] + [c for c in f.columns if c.startswith(("lower_", "upper_"))]
    assert np.isfinite(f[value_cols].to_numpy(dtype=float)).all(), f[value_cols]
    assert (f["date"] > f["origin"]).all()
    # every origin is either forecast (all steps) or recorded as a failure, never both
    done = set(f["origin"])
    failed = set(res.failures["origin"])
    assert done.isdisjoint(failed)
    assert len(done | failed) == splitter.n_splits(y)
    assert (f.groupby("origin").size() == horizon).all()
    # failures are tickcast errors (named problems), not crashes of the library
    assert set(res.failures["error"]) <= _TICKCAST_ERRORS, res.failures[["error", "message"]]


@pytest.mark.parametrize("n", [3, 4, 5])
def test_backtest_minimal_lengths(n):
    """The shortest series a backtest accepts: every origin has one forecast or a failure."""
    y = pd.Series(np.arange(1.0, n + 1), index=pd.bdate_range("2020-01-01", periods=n))
    res = tc.backtest([tc.Naive()], y, splitter=tc.WalkForward(initial=n - 1), progress=False)
    assert len(res.forecasts) + len(res.failures) == 1
