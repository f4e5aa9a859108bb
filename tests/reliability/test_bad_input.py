"""Every bad input across the public API gets a tickcast error that names the problem.

One table (``CASES``): each row calls one public entry point (``load``, the features, each
model's ``fit``/``predict``/``simulate``/``update``, ``load_model``, ``backtest``, the CLI)
with one bad input and states the exact error type and a regex the message must match.
Inputs that are *accepted* on purpose (constant series, horizons beyond the history, a CSV
with a BOM and ';', read-only cache...) are in ``test_accepted_inputs``-style tests at the
end, each asserting the documented outcome (see docs/RELIABILITY.md).
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.cli import main
from tickcast.errors import (
    CacheWarning,
    ConfigError,
    ConvergenceWarning,
    DataError,
    FallbackWarning,
    InputTypeError,
    ModelFileError,
    NetworkError,
    NotFittedError,
    TickcastError,
)
from tickcast.features import (
    FeatureSet,
    LogReturn,
    StandardScaler,
    align_exog,
    make_windows,
)

# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------
N = 300
DATES = pd.bdate_range("2020-01-01", periods=N)


def _walk(n: int = N, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(
        100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n))), index=DATES[:n], name="walk"
    )


Y = _walk()
EXOG = pd.DataFrame({"x": np.random.default_rng(1).normal(size=N)}, index=DATES)
FUTURE = pd.bdate_range(DATES[-1] + pd.offsets.BDay(1), periods=10)


def _with(y: pd.Series, pos: int, value: float) -> pd.Series:
    out = y.copy()
    out.iloc[pos] = value
    return out


def _exog_at(pos: int, value: object) -> pd.DataFrame:
    out = EXOG.astype(object) if isinstance(value, str) else EXOG.copy()
    out.iloc[pos, 0] = value
    return out


def _mixed_tz_index(n: int) -> pd.Index:
    stamps = list(DATES[:n])
    stamps[0] = stamps[0].tz_localize("UTC")
    return pd.Index(stamps, dtype=object)


#: bad `y` -> (builder, error, message regex); fed to every model's fit (and backtest)
BAD_Y: dict[str, tuple[Callable[[], object], type, str]] = {
    "empty": (
        lambda: pd.Series([], index=pd.DatetimeIndex([]), dtype=float),
        DataError,
        r"too short: at least \d+ observations are needed; got 0",
    ),
    "one-point": (lambda: Y.iloc[:1], DataError, r"too short: .*; got 1\b"),
    "all-nan": (
        lambda: pd.Series(np.nan, index=DATES),
        DataError,
        r"finite numbers; 300 value\(s\) are NaN or infinite",
    ),
    "nan-inside": (
        lambda: _with(Y, 10, np.nan),
        DataError,
        r"1 value\(s\) are NaN or infinite, the first \(NaN\) on 2020-01-15",
    ),
    "inf-inside": (
        lambda: _with(Y, 10, np.inf),
        DataError,
        r"the first \(infinite\) on 2020-01-15",
    ),
    "unsorted": (lambda: Y.iloc[::-1], DataError, r"must be sorted by date.*sort_index"),
    "duplicate-dates": (
        lambda: pd.concat([Y.iloc[:5], Y.iloc[4:]]),
        DataError,
        r"duplicate dates: 2020-01-07",
    ),
    "mixed-tz-index": (
        lambda: pd.Series(Y.to_numpy(), index=_mixed_tz_index(N)),
        DataError,
        r"mixes time-zone aware and naive dates",
    ),
    "non-numeric-strings": (
        lambda: pd.Series(["abc"] * N, index=DATES, dtype=object),
        DataError,
        r"must hold numbers; .*'abc' on 2020-01-01",
    ),
    "decimal-commas": (
        lambda: pd.Series([f"{v:.2f}".replace(".", ",") for v in Y], index=DATES, dtype=object),
        DataError,
        r"must hold numbers; .*'\d+,\d+'.*decimal comma",
    ),
    "dataframe": (
        lambda: pd.DataFrame({"open": Y, "close": Y}),
        InputTypeError,
        r"must be a pandas Series; got DataFrame.*select one column",
    ),
    "ndarray": (lambda: Y.to_numpy(), InputTypeError, r"must be a pandas Series; got ndarray"),
    "no-dates": (
        lambda: Y.reset_index(drop=True),
        DataError,
        r"must have a DatetimeIndex; got RangeIndex",
    ),
    # values that are not real numbers (issue 15): pandas/NumPy would turn them into floats
    "datetimes": (
        lambda: pd.Series(DATES, index=DATES),
        DataError,
        r"`y` must hold real numbers .*got dates or times .*Pass the column of prices",
    ),
    "tz-datetimes": (
        lambda: pd.Series(DATES.tz_localize("UTC"), index=DATES),
        DataError,
        r"`y` must hold real numbers .*got dates or times .*datetime64\[\w+, UTC\]",
    ),
    "timedeltas": (
        lambda: pd.Series(DATES - DATES[0], index=DATES),
        DataError,
        r"`y` must hold real numbers .*got time spans \(timedeltas\).*total_seconds",
    ),
    "complex": (
        lambda: pd.Series(Y.to_numpy() + 1j, index=DATES),
        DataError,
        r"`y` must hold real numbers .*got complex numbers .*complex128.*\.real or abs",
    ),
    "booleans": (
        lambda: pd.Series(Y.to_numpy() > 100, index=DATES),
        DataError,
        r"`y` must hold real numbers .*got True/False \(booleans\).*dtype bool",
    ),
    "object-dates": (
        lambda: pd.Series([pd.Timestamp("2020-01-01")] * N, index=DATES, dtype=object),
        DataError,
        r"got dates or times \(e\.g\. Timestamp\('2020-01-01.*dtype object",
    ),
    "object-complex": (
        lambda: pd.Series([*Y.iloc[:-1], 2 + 1j], index=DATES, dtype=object),
        DataError,
        r"got complex numbers \(e\.g\. \(2\+1j\)\), dtype object",
    ),
    "periods": (
        lambda: pd.Series(pd.period_range("2020-01-01", periods=N, freq="D"), index=DATES),
        DataError,
        r"got dates or times .*period\[D\]",
    ),
}

MODELS: dict[str, Callable[[], tc.Forecaster]] = {
    "naive": lambda: tc.Naive(),
    "drift": lambda: tc.Drift(),
    "mean": lambda: tc.Mean(),
    "snaive": lambda: tc.SeasonalNaive(),
    "linear": lambda: tc.LinearForecaster(lags=3, horizon=2),
    "arima": lambda: tc.ARIMAForecaster(order=(1, 1, 0)),
    "rnn": lambda: tc.RNNForecaster("rnn", hidden=2, lookback=3, horizon=2, epochs=2),
}
EXOG_MODELS = ("linear", "rnn")

_FITTED: dict[tuple[str, bool], tc.Forecaster] = {}


def fitted(name: str, *, exog: bool = False) -> tc.Forecaster:
    """A model fitted once on the walk (with the exogenous column if asked), shared."""
    key = (name, exog)
    if key not in _FITTED:
        _FITTED[key] = MODELS[name]().fit(Y, EXOG if exog else None)
    return _FITTED[key]


# --------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[SimpleNamespace], object]
    error: type[TickcastError]
    match: str
    net: bool = False  # needs the fake network (tests/reliability/conftest.py)
    warns: type[Warning] | None = None


def _csv(text: str | bytes, name: str = "data.csv") -> Callable[[SimpleNamespace], object]:
    def call(ctx):
        path = ctx.tmp / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return tc.load(f"csv:{path}")

    return call


def _saved(ctx, edit: Callable[[dict], dict] | None = None) -> Path:
    """A saved Naive model, optionally with its arrays edited, re-saved as .npz."""
    path = Path(fitted("naive").save(ctx.tmp / "model.npz"))
    if edit is None:
        return path
    with np.load(path) as f:
        files = {k: f[k] for k in f.files}
    files = edit(files)
    out = ctx.tmp / "edited.npz"
    np.savez(out, **files)
    return out


def _header(files: dict, **changes) -> dict:
    header = json.loads(str(files["__header__"]))
    header.update(changes)
    return {**files, "__header__": np.array(json.dumps(header))}


def _truncated(ctx):
    path = _saved(ctx)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    return tc.load_model(path)


def _pickled(ctx):
    path = ctx.tmp / "model.pkl"
    path.write_bytes(pickle.dumps(fitted("naive")))
    return tc.load_model(path)


def _corrupt_cache_then_cache_only(ctx):
    from tickcast.data import cache

    frame = pd.DataFrame(
        {"value": [1.0, 2.0]}, index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"])
    )
    cache.write("fred:DGS10", frame)
    path = cache.path_for("fred:DGS10")
    path.write_bytes(path.read_bytes()[:-5])  # a torn write
    return tc.load("fred:DGS10", source="cache")


def _bt(y=Y, X=None, models=None, **splitter):
    settings = {"initial": 200, "step": 20, "horizon": 2, **splitter}
    models = [tc.Naive()] if models is None else models
    return lambda ctx: tc.backtest(
        models, y, X, splitter=tc.WalkForward(**settings), progress=False
    )


def _bt_kw(**kwargs):
    return lambda ctx: tc.backtest(
        [tc.Naive()], Y, splitter=tc.WalkForward(initial=200, step=20), progress=False, **kwargs
    )


def _fred(status: int, body: str, spec: str = "fred:NOSUCH", **load_kw):
    def call(ctx):
        ctx.net.route("/fred", (status, body))
        return tc.load(spec, source="network", **load_kw)

    return call


def _ecb(status: int, body: str):
    def call(ctx):
        ctx.net.route("/ecb/FM/D.U2.EUR.4F.KR.MRR_FR.XXX", (status, body))
        return tc.load("ecb:FM/D.U2.EUR.4F.KR.MRR_FR.XXX", source="network")

    return call


def _network_down(ctx):
    ctx.monkeypatch.setenv("TICKCAST_FRED_URL", ctx.closed_url + "/fred")
    return tc.load("fred:T10YIE")  # no cache, no bundled snapshot: nothing can stand in


def _future(n: int, **values) -> pd.DataFrame:
    return pd.DataFrame(values or {"x": np.zeros(n)}, index=FUTURE[:n])


CASES: list[Case] = []

# ---- every model x every bad series ----------------------------------------------------------
for _m in MODELS:
    for _bad, (_build, _err, _match) in BAD_Y.items():
        CASES.append(
            Case(
                f"fit/{_m}/{_bad}",
                lambda ctx, m=_m, b=_build: MODELS[m]().fit(b()),
                _err,
                _match,
            )
        )
    CASES += [
        Case(
            f"predict/{_m}/before-fit",
            lambda ctx, m=_m: MODELS[m]().predict(3),
            NotFittedError,
            r"is not fitted yet; call `fit\(y\)` first",
        ),
        Case(
            f"simulate/{_m}/before-fit",
            lambda ctx, m=_m: MODELS[m]().simulate(3),
            NotFittedError,
            r"is not fitted yet",
        ),
        Case(
            f"update/{_m}/before-fit",
            lambda ctx, m=_m: MODELS[m]().update(Y),
            NotFittedError,
            r"is not fitted yet",
        ),
        Case(
            f"predict/{_m}/horizon-0",
            lambda ctx, m=_m: fitted(m).predict(0),
            ConfigError,
            r"`horizon` must be a positive integer; got 0",
        ),
        Case(
            f"predict/{_m}/horizon-negative",
            lambda ctx, m=_m: fitted(m).predict(-3),
            ConfigError,
            r"`horizon` must be a positive integer; got -3",
        ),
        Case(
            f"predict/{_m}/horizon-float",
            lambda ctx, m=_m: fitted(m).predict(2.5),
            ConfigError,
            r"`horizon` must be a positive integer; got 2\.5 \(float\)",
        ),
        Case(
            f"predict/{_m}/horizon-str",
            lambda ctx, m=_m: fitted(m).predict("5"),
            ConfigError,
            r"`horizon` must be a positive integer.*got '5' \(str\)",
        ),
        Case(
            f"predict/{_m}/level-0",
            lambda ctx, m=_m: fitted(m).predict(3, level=0),
            ConfigError,
            r"`level` must lie strictly between 0 and 100.*got 0",
        ),
        Case(
            f"predict/{_m}/level-100",
            lambda ctx, m=_m: fitted(m).predict(3, level=(80, 100)),
            ConfigError,
            r"`level` must lie strictly between 0 and 100.*got 100",
        ),
        Case(
            f"predict/{_m}/level-fraction-nan",
            lambda ctx, m=_m: fitted(m).predict(3, level=float("nan")),
            ConfigError,
            r"`level` must hold numbers in percent",
        ),
        Case(
            f"simulate/{_m}/n-paths-0",
            lambda ctx, m=_m: fitted(m).simulate(3, 0),
            ConfigError,
            r"`n_paths` must be a positive integer; got 0",
        ),
        Case(
            f"update/{_m}/old-dates",
            lambda ctx, m=_m: fitted(m).update(Y.iloc[-5:]),
            DataError,
            r"`y_new` must start after the last fitted date 2021-02-23",
        ),
    ]
    if _m not in EXOG_MODELS:
        CASES.append(
            Case(
                f"fit/{_m}/exog-not-supported",
                lambda ctx, m=_m: MODELS[m]().fit(Y, EXOG),
                ConfigError,
                r"`X` is not used by \w+",
            )
        )

# ---- prices that cannot be logged --------------------------------------------------------------
_zero = _with(Y, 10, 0.0)
_negative_price = _with(Y, 12, -1.0)
_negative_price.attrs["kind"] = "price"  # as tc.load() labels a price series
CASES += [
    Case(
        "fit/naive/zero-price-log-return",
        lambda ctx: tc.Naive(target="log_return").fit(_zero),
        DataError,
        r"strictly positive for LogReturn .*got 0\.0 at 2020-01-15",
    ),
    Case(
        "fit/arima/negative-price-labelled-price",
        lambda ctx: tc.ARIMAForecaster(order=(1, 1, 0)).fit(_negative_price),
        DataError,
        r"strictly positive for LogReturn .*got -1\.0 at 2020-01-17",
    ),
    Case(
        "fit/mean/negative-price-labelled-price",
        lambda ctx: tc.Mean().fit(_negative_price),
        DataError,
        r"`y` must be strictly positive for Mean on prices; got -1\.0 at 2020-01-17",
    ),
    Case(
        "fit/snaive/negative-price-labelled-price",
        lambda ctx: tc.SeasonalNaive().fit(_negative_price),
        DataError,
        r"`y` must be strictly positive for SeasonalNaive on prices; got -1\.0 at 2020-01-17",
    ),
    Case(
        "fit/linear/lookback-longer-than-history",
        lambda ctx: tc.LinearForecaster(lags=400).fit(Y),
        DataError,
        r"too short for LinearForecaster\(lags=400.*needs at least \d+ .*got 300",
    ),
    Case(
        "fit/rnn/lookback-longer-than-history",
        lambda ctx: tc.RNNForecaster(lookback=400, epochs=1).fit(Y),
        DataError,
        r"too short: at least \d+ observations .*got 300.*lookback",
    ),
    Case(
        "fit/arima/pct-change-target",
        lambda ctx: tc.ARIMAForecaster(order=(1, 1, 0), target="pct_change").fit(Y),
        ConfigError,
        r"`target` must be 'log_return', 'diff'.*got 'pct_change'",
    ),
    Case(
        "fit/arima/bad-order",
        lambda ctx: tc.ARIMAForecaster(order=(1, 3, 0)).fit(Y),
        ConfigError,
        r"`order` must have d <= 2",
    ),
    Case(
        "fit/naive/unknown-target",
        lambda ctx: tc.Naive(target="log").fit(Y),
        ConfigError,
        r"`target` must be one of .*got 'log'",
    ),
]

# ---- exogenous input ---------------------------------------------------------------------------
for _m in EXOG_MODELS:
    CASES += [
        Case(
            f"fit/{_m}/exog-misaligned",
            lambda ctx, m=_m: MODELS[m]().fit(Y, EXOG.shift(3, freq="B")),
            DataError,
            r"`X` is misaligned with `y`: 3 dates of `y` are missing.*2020-01-01",
        ),
        Case(
            f"fit/{_m}/exog-tz-aware",
            lambda ctx, m=_m: MODELS[m]().fit(Y, EXOG.tz_localize("UTC")),
            DataError,
            r"`X` and `y` must both have time-zone aware or both naive dates; got UTC",
        ),
        Case(
            f"fit/{_m}/exog-nan",
            lambda ctx, m=_m: MODELS[m]().fit(Y, _exog_at(7, np.nan)),
            DataError,
            r"`X` has NaN or infinite values, first on 2020-01-10",
        ),
        Case(
            f"fit/{_m}/exog-strings",
            lambda ctx, m=_m: MODELS[m]().fit(Y, _exog_at(2, "n/a")),
            DataError,
            r"column 'x' of `X` must hold numbers; got 'n/a' on 2020-01-03",
        ),
        Case(
            f"fit/{_m}/exog-ndarray",
            lambda ctx, m=_m: MODELS[m]().fit(Y, EXOG.to_numpy()),
            InputTypeError,
            r"`X` must be a pandas DataFrame indexed by date; got ndarray",
        ),
        Case(
            f"fit/{_m}/exog-duplicate-dates",
            lambda ctx, m=_m: MODELS[m]().fit(Y, pd.concat([EXOG, EXOG.iloc[[4]]])),
            DataError,
            r"`X` has duplicate dates, first 2020-01-07",
        ),
        Case(
            f"predict/{_m}/exog-future-missing-rows",
            lambda ctx, m=_m: fitted(m, exog=True).predict(5, _future(2)),
            DataError,
            r"`X_future` is missing future values: 5 rows after 2021-02-23 .*got 2",
        ),
        Case(
            f"predict/{_m}/exog-future-absent",
            lambda ctx, m=_m: fitted(m, exog=True).predict(5),
            DataError,
            r"`X_future` is required: .*\['x'\]",
        ),
        Case(
            f"predict/{_m}/exog-future-nan",
            lambda ctx, m=_m: fitted(m, exog=True).predict(2, _future(2, x=[0.0, np.nan])),
            DataError,
            r"`X_future` has NaN or infinite values",
        ),
        Case(
            f"predict/{_m}/exog-future-in-the-past",
            lambda ctx, m=_m: fitted(m, exog=True).predict(2, EXOG.iloc[-5:]),
            DataError,
            r"`X_future` is missing future values: 2 rows after 2021-02-23 .*got 0",
        ),
        Case(
            f"predict/{_m}/exog-future-wrong-columns",
            lambda ctx, m=_m: fitted(m, exog=True).predict(2, _future(2, z=[0.0, 1.0])),
            DataError,
            r"`X_future` lacks the exogenous columns \['x'\]",
        ),
        Case(
            f"predict/{_m}/exog-future-without-exog-fit",
            lambda ctx, m=_m: fitted(m).predict(2, _future(2)),
            ConfigError,
            r"`X_future` was given but \w+ was fitted without `X`",
        ),
    ]

# ---- saved models ------------------------------------------------------------------------------
CASES += [
    Case(
        "load_model/missing-file",
        lambda ctx: tc.load_model(ctx.tmp / "nope.npz"),
        ModelFileError,
        r"no model file at .*nope\.npz",
    ),
    Case(
        "load_model/truncated",
        _truncated,
        ModelFileError,
        r"not a readable tickcast model file \(truncated",
    ),
    Case(
        "load_model/pickle-refused",
        _pickled,
        ModelFileError,
        r"pickle, which is never loaded.*pickled",
    ),
    Case(
        "load_model/newer-version",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: _header(f, format_version=99))),
        ModelFileError,
        r"saved in model format 99, newer than this tickcast reads \(1\)",
    ),
    Case(
        "load_model/edited-header",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: {**f, "__header__": np.array("{oops")})),
        ModelFileError,
        r"unreadable header",
    ),
    Case(
        "load_model/unknown-class",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: _header(f, **{"class": "os.system"}))),
        ModelFileError,
        r"unknown model class 'os\.system'",
    ),
    Case(
        "load_model/missing-array",
        lambda ctx: tc.load_model(
            _saved(ctx, lambda f: {k: v for k, v in f.items() if k != "y_values"})
        ),
        ModelFileError,
        r"damaged or inconsistent .*KeyError: 'y_values'",
    ),
    Case(
        "load_model/inconsistent-lengths",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: {**f, "y_values": f["y_values"][:-3]})),
        ModelFileError,
        r"damaged or inconsistent .*Length of values \(297\)",
    ),
    Case(
        "load_model/not-a-model-npz",
        lambda ctx: (np.savez(ctx.tmp / "a.npz", a=np.arange(3)), tc.load_model(ctx.tmp / "a.npz")),
        ModelFileError,
        r"an \.npz file but not a tickcast model",
    ),
]

# ---- load ---------------------------------------------------------------------------------------
CASES += [
    Case("load/csv-empty-file", _csv(""), DataError, r"is empty; it needs a header line"),
    Case(
        "load/csv-header-only",
        _csv("date,close\n"),
        DataError,
        r"got columns \['date', 'close'\] and 0 rows",
    ),
    Case(
        "load/csv-all-missing",
        _csv("date,close\n2020-01-01,\n2020-01-02,.\n"),
        DataError,
        r"has no observations: every value is missing",
    ),
    Case(
        "load/csv-duplicate-dates",
        _csv("date,close\n2020-01-01,1\n2020-01-01,2\n2020-01-02,3\n"),
        DataError,
        r"duplicate dates: 2020-01-01",
    ),
    Case(
        "load/csv-non-numeric",
        _csv("date,close\n2020-01-01,abc\n2020-01-02,3\n"),
        DataError,
        r"column 'close' .* must hold numbers; 1 value\(s\) are not, e\.g\. 'abc' on 2020-01-01",
    ),
    Case(
        "load/csv-decimal-commas-with-comma-separator",
        _csv('date,close\n2020-01-01,"1,5"\n2020-01-02,"2,5"\n'),
        DataError,
        r"'1,5' on 2020-01-01\. It looks like a decimal comma",
    ),
    Case(
        "load/csv-thousands-separators",
        _csv('date,close\n2020-01-01,"1,234.5"\n'),
        DataError,
        r"'1,234\.5'.*Remove the thousands separators",
    ),
    Case(
        "load/csv-infinite-value",
        _csv("date,close\n2020-01-01,1.0\n2020-01-02,inf\n"),
        DataError,
        r"column 'close' .* holds an infinite value \(inf\) on 2020-01-02",
    ),
    Case(
        "load/csv-bad-date",
        _csv("date,close\nyesterday,1\n2020-01-02,3\n"),
        DataError,
        r"column 'date' .* is not a column of dates: 'yesterday'",
    ),
    Case(
        "load/csv-missing-date",
        _csv("date,close\n,1\n2020-01-02,3\n"),
        DataError,
        r"missing date in row 1",
    ),
    Case("load/csv-no-date-column", _csv("a,b\nx,1\ny,2\n"), DataError, r"has no date column"),
    Case("load/csv-binary", _csv(b"PK\x03\x04\x00\x00binary"), DataError, r"binary content"),
    Case(
        "load/csv-missing-file",
        lambda ctx: tc.load(f"csv:{ctx.tmp / 'nope.csv'}"),
        DataError,
        r"cannot read file .*nope\.csv': No such file or directory",
    ),
    Case(
        "load/unknown-dataset",
        lambda ctx: tc.load("sp5000"),
        DataError,
        r"unknown dataset 'sp5000'; did you mean 'sp500'\?",
    ),
    Case(
        "load/spec-not-a-string",
        lambda ctx: tc.load(42),
        InputTypeError,
        r"`spec` must be a string.*got int",
    ),
    Case("load/spec-empty", lambda ctx: tc.load("  "), ConfigError, r"`spec` must not be empty"),
    Case(
        "load/unknown-prefix", lambda ctx: tc.load("bloomberg:IBM"), ConfigError, r"unknown prefix"
    ),
    Case(
        "load/start-after-end",
        lambda ctx: tc.load("dbk", "2020-01-01", "2019-01-01"),
        ConfigError,
        r"`start` must not be after `end`.*Swap them",
    ),
    Case(
        "load/unparsable-start",
        lambda ctx: tc.load("dbk", start="soon"),
        ConfigError,
        r"`start` must be a date like '2020-12-31'; got 'soon'",
    ),
    Case(
        "load/range-without-data",
        lambda ctx: tc.load("dbk", "1900-01-01", "1900-12-31"),
        DataError,
        r"no observations between `start` and `end` \(1900-01-01 – 1900-12-31\)",
    ),
    Case(
        "load/unknown-field",
        lambda ctx: tc.load("dbk", field="bid"),
        ConfigError,
        r"`field` 'bid' is not in 'dbk'; its fields are open, high",
    ),
    Case(
        "load/bad-freq",
        lambda ctx: tc.load("dbk", freq="h"),
        ConfigError,
        r"`freq` must be a daily or coarser pandas frequency",
    ),
    Case(
        "load/bad-source",
        lambda ctx: tc.load("fred:DGS10", source="web"),
        ConfigError,
        r"`source` must be one of auto, bundled, cache, network; got 'web'",
    ),
    Case(
        "load/fred-id-malformed",
        lambda ctx: tc.load("fred:DGS 10"),
        ConfigError,
        r"FRED series id must be letters, digits and '_'.*'DGS 10'",
    ),
    Case(
        "load/ecb-key-malformed",
        lambda ctx: tc.load("ecb:FM"),
        ConfigError,
        r"ECB spec must be 'ecb:FLOW/KEY'.*got 'ecb:FM'",
    ),
    Case(
        "load/ecb-key-malformed-dimensions",
        lambda ctx: tc.load("ecb:FM/D..U2 EUR"),
        ConfigError,
        r"ECB spec must be 'ecb:FLOW/KEY'",
    ),
    Case(
        "load/cache-only-nothing-cached",
        lambda ctx: tc.load("fred:DGS10", source="cache"),
        DataError,
        r"nothing is cached for 'fred:DGS10'",
    ),
    Case(
        "load/corrupt-cache-file",
        _corrupt_cache_then_cache_only,
        DataError,
        r"nothing is cached for 'fred:DGS10'",
        warns=CacheWarning,
    ),
    Case(
        "load/offline-unknown-ticker",
        lambda ctx: tc.load("ZZZZQX"),
        NetworkError,
        r"network access is disabled .*'ZZZZQX' is not a bundled dataset either",
    ),
    # with the fake network
    Case(
        "load/unknown-ticker",
        lambda ctx: tc.load("ZZZZQX"),
        DataError,
        r"Yahoo Finance returned no prices for ticker 'ZZZZQX'",
        net=True,
    ),
    Case(
        "load/fred-series-does-not-exist",
        _fred(404, "<html>Not found</html>"),
        DataError,
        r"FRED has no series 'NOSUCH' \(HTTP 404\)",
        net=True,
    ),
    Case(
        "load/fred-answers-html",
        _fred(200, "<!doctype html><p>maintenance</p>"),
        DataError,
        r"FRED did not return CSV data for 'NOSUCH'.*doctype",
        net=True,
    ),
    Case(
        "load/ecb-key-rejected-by-server",
        _ecb(400, "Syntax error in key"),
        ConfigError,
        r"ECB rejected the key .*malformed \(HTTP 400",
        net=True,
    ),
    Case(
        "load/ecb-key-does-not-exist",
        _ecb(404, "No results found"),
        DataError,
        r"ECB has no data for 'FM/D\.U2\.EUR\.4F\.KR\.MRR_FR\.XXX' \(HTTP 404\)",
        net=True,
    ),
    Case(
        "load/network-down",
        _network_down,
        NetworkError,
        r"cannot fetch FRED series 'T10YIE': no connection",
        net=True,
    ),
    Case(
        "load/http-500", _fred(500, "oops"), NetworkError, r"answered HTTP 500 .* 3 times", net=True
    ),
    Case(
        "load/http-429-forever",
        _fred(429, "slow down"),
        NetworkError,
        r"answered HTTP 429 .* 3 times",
        net=True,
    ),
]

# ---- features -----------------------------------------------------------------------------------
_arr = np.arange(10.0)
CASES += [
    Case(
        "windows/lookback-longer-than-history",
        lambda ctx: make_windows(_arr, 20, 1),
        DataError,
        r"needs at least lookback \+ horizon = 20 \+ 1 = 21 observations .*got 10",
    ),
    Case(
        "windows/empty",
        lambda ctx: make_windows(np.array([]), 1, 1),
        DataError,
        r"at least lookback \+ horizon = 1 \+ 1 = 2 .*got 0",
    ),
    Case(
        "windows/lookback-0",
        lambda ctx: make_windows(_arr, 0, 1),
        ConfigError,
        r"`lookback` must be a positive integer; got 0",
    ),
    Case(
        "windows/horizon-negative",
        lambda ctx: make_windows(_arr, 2, -1),
        ConfigError,
        r"`horizon` must be a positive integer; got -1",
    ),
    Case(
        "windows/horizon-float",
        lambda ctx: make_windows(_arr, 2, 1.5),
        ConfigError,
        r"`horizon` must be a positive integer; got 1\.5 \(float\)",
    ),
    Case(
        "windows/stride-0",
        lambda ctx: make_windows(_arr, 2, 1, stride=0),
        ConfigError,
        r"`stride` must be a positive integer; got 0",
    ),
    Case(
        "windows/nan",
        lambda ctx: make_windows(np.array([1.0, np.nan, 3, 4, 5]), 2, 1),
        DataError,
        r"`values` must be finite inside windows; found nan at position 1",
    ),
    Case(
        "windows/strings",
        lambda ctx: make_windows(np.array(["a", "b", "c"]), 1, 1),
        InputTypeError,
        r"`values` must hold numbers; got dtype <U1",
    ),
    Case(
        "windows/3d",
        lambda ctx: make_windows(np.zeros((4, 2, 2)), 1, 1),
        InputTypeError,
        r"must have shape \(n_obs,\) or \(n_obs, n_features\).*\(4, 2, 2\)",
    ),
    Case(
        "windows/exog-misaligned-index",
        lambda ctx: make_windows(Y.iloc[:20], 3, 1, exog=EXOG.iloc[1:21]),
        DataError,
        r"`exog` must have the same index as `values`",
    ),
    Case(
        "windows/exog-wrong-length",
        lambda ctx: make_windows(_arr, 3, 1, exog=np.zeros(8)),
        DataError,
        r"`exog` must have shape \(10, n_exog\).*got shape \(8, 1\)",
    ),
    Case(
        "logreturn/zero-price",
        lambda ctx: LogReturn().fit_transform(_zero),
        DataError,
        r"strictly positive for LogReturn .*got 0\.0 at 2020-01-15 \(position 10\)",
    ),
    Case(
        "logreturn/negative-price",
        lambda ctx: LogReturn().fit_transform(np.array([1.0, -2.0, 3.0])),
        DataError,
        r"got -2\.0 at position 1.*use Diff\(\)",
    ),
    Case(
        "logreturn/dataframe",
        lambda ctx: LogReturn().fit(pd.DataFrame({"a": Y, "b": Y})),
        InputTypeError,
        r"`y` must be one series .*got a DataFrame with columns \['a', 'b'\]",
    ),
    Case(
        "logreturn/inverse-before-fit",
        lambda ctx: LogReturn().inverse_transform([0.1]),
        NotFittedError,
        r"needs `last_level` or a prior call to fit",
    ),
    Case(
        "scaler/all-nan-column",
        lambda ctx: StandardScaler().fit(np.full((5, 1), np.nan)),
        DataError,
        r"at least one non-missing value per column; column 0 has none",
    ),
    Case(
        "scaler/infinite",
        lambda ctx: StandardScaler().fit(np.array([1.0, np.inf])),
        DataError,
        r"must not contain infinities; got inf at row 1",
    ),
    Case(
        "scaler/before-fit",
        lambda ctx: StandardScaler().transform(np.ones(3)),
        NotFittedError,
        r"StandardScaler is not fitted yet",
    ),
    Case(
        "scaler/wrong-width",
        lambda ctx: StandardScaler().fit(np.ones((4, 2))).transform(np.ones((4, 3))),
        DataError,
        r"must have 2 feature\(s\) along its last axis",
    ),
    Case(
        "align_exog/tz-aware-vs-naive",
        lambda ctx: align_exog(Y.index, EXOG.tz_localize("UTC")),
        DataError,
        r"must both be time-zone aware or both naive; got UTC and None",
    ),
    Case(
        "align_exog/negative-lag",
        lambda ctx: align_exog(Y.index, EXOG, lag=-1),
        ConfigError,
        r"`lag` must be >= 0 \(a negative lag would read the future\)",
    ),
    Case(
        "align_exog/unsorted-target",
        lambda ctx: align_exog(Y.index[::-1], EXOG),
        DataError,
        r"`target_index` must be sorted ascending",
    ),
    Case(
        "featureset/series-where-frame-expected",
        lambda ctx: FeatureSet(["slope_10y2y"], target_key="dgs10").transform(Y, exog=EXOG["x"]),
        InputTypeError,
        r"`exog` must be a DataFrame or a mapping of name -> pd\.Series; got Series",
    ),
    Case(
        "featureset/unknown-feature",
        lambda ctx: FeatureSet(["momentum_9"]).transform(Y),
        ConfigError,
        r"unknown feature 'momentum_9'",
    ),
    Case(
        "featureset/ndarray",
        lambda ctx: FeatureSet(["ret_5"]).transform(Y.to_numpy()),
        InputTypeError,
        r"`y` must be a pd\.Series indexed by date; got ndarray",
    ),
]

# ---- backtest -----------------------------------------------------------------------------------
for _bad in (
    "empty",
    "nan-inside",
    "unsorted",
    "duplicate-dates",
    "dataframe",
    "mixed-tz-index",
    "datetimes",
    "complex",
    "timedeltas",
):
    _build, _err, _match = BAD_Y[_bad]
    if _bad == "empty":  # the engine checks the data before the splitter's lengths
        _match = r"`y` .*"
    if _bad == "dataframe":
        _match = r"`y` must be a pandas Series of levels or a dict of them; got DataFrame"
    CASES.append(Case(f"backtest/{_bad}", lambda ctx, b=_build: _bt(y=b())(ctx), _err, _match))
CASES += [
    Case(
        "backtest/initial-longer-than-series",
        _bt(initial=1000),
        ConfigError,
        r"`initial` \+ `gap` \+ `horizon` must not exceed the series length \(300\)",
    ),
    Case("backtest/step-0", _bt(step=0), ConfigError, r"`step` must be a positive integer; got 0"),
    Case(
        "backtest/gap-negative", _bt(gap=-1), ConfigError, r"`gap` must be an integer >= 0; got -1"
    ),
    Case(
        "backtest/horizon-0",
        _bt(horizon=0),
        ConfigError,
        r"`horizon` must be a positive integer; got 0",
    ),
    Case(
        "backtest/horizon-float",
        _bt(horizon=2.5),
        ConfigError,
        r"`horizon` must be a positive integer; got 2\.5",
    ),
    Case("backtest/window-unknown", _bt(window="rolling"), ConfigError, r"`window` must be one of"),
    Case(
        "backtest/level-100",
        _bt_kw(level=100),
        ConfigError,
        r"`level` must lie strictly between 0 and 100",
    ),
    Case("backtest/level-0", _bt_kw(level=(0, 80)), ConfigError, r"got 0"),
    Case("backtest/n-jobs-0", _bt_kw(n_jobs=0), ConfigError, r"`n_jobs` must be a positive number"),
    Case(
        "backtest/errors-unknown",
        _bt_kw(errors="ignore"),
        ConfigError,
        r"`errors` must be one of 'skip', 'raise'",
    ),
    Case(
        "backtest/backend-unknown", _bt_kw(backend="mpi"), ConfigError, r"`backend` must be one of"
    ),
    Case(
        "backtest/models-by-name",
        _bt(models="naive"),
        InputTypeError,
        r"`models` must be a forecaster",
    ),
    Case("backtest/no-models", _bt(models=[]), InputTypeError, r"non-empty list of forecasters"),
    Case(
        "backtest/splitter-missing",
        lambda ctx: tc.backtest([tc.Naive()], Y, splitter=None),
        InputTypeError,
        r"`splitter` must be a tickcast WalkForward; got NoneType",
    ),
    Case(
        "backtest/exog-misaligned",
        _bt(X=EXOG.iloc[10:]),
        DataError,
        r"`X\['walk'\]` is misaligned with `y`: 10 dates",
    ),
    Case(
        "backtest/exog-nan",
        _bt(X=_exog_at(150, np.nan)),
        DataError,
        r"`X\['walk'\]` has NaN or infinite values, first on 2020-07-29",
    ),
    Case(
        "backtest/exog-ndarray-in-dict",
        lambda ctx: _bt(y={"walk": Y}, X={"walk": EXOG.to_numpy()})(ctx),
        InputTypeError,
        r"`X\['walk'\]` must be a pandas DataFrame",
    ),
    Case(
        "backtest/errors-raise-propagates",
        lambda ctx: tc.backtest(
            [tc.LinearForecaster(lags=150, horizon=2)],
            Y,
            splitter=tc.WalkForward(initial=100, step=50, horizon=2),
            errors="raise",
            progress=False,
        ),
        DataError,
        r"too short for LinearForecaster\(lags=150",
    ),
]

# ---- issue 15: loaders ------------------------------------------------------------------------
CASES += [
    Case(
        "load/csv-extra-field",
        _csv("date,close\n2020-01-01,1,5\n2020-01-02,2\n"),
        DataError,
        r"line 2 of file .* has 3 fields but the header has 2 \(\['date', 'close'\]\); the "
        r"extra value\(s\) \['5'\]",
    ),
    Case(
        "load/csv-extra-field-later",
        _csv("date,close\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3,4,5\n"),
        DataError,
        r"line 4 of file .* has 4 fields",
    ),
    Case(
        "load/csv-trailing-delimiter",
        _csv("date,close\n2020-01-01,1,\n2020-01-02,2,\n"),
        DataError,
        r"has 3 fields but the header has 2.*a trailing delimiter counts as a field",
    ),
    Case(
        "load/csv-extra-field-semicolons",
        _csv("Datum;Schluss\n02.01.2020;1,5;7\n"),
        DataError,
        r"line 2 of file .* has 3 fields but the header has 2",
    ),
    Case(
        "load/csv-utf16-undecodable",
        _csv(b"\xff\xfed\x00a\x00\x00\xd8"),  # a BOM, then a lone surrogate
        DataError,
        r"looks like UTF-16 text but does not decode.*Save it as UTF-8",
    ),
]


# ---- issue 15: a cache entry edited with its checksum recomputed -------------------------------
def _tampered_cache(body: str, **header):
    """Write a valid entry for fred:DGS10, replace its body (checksum recomputed), then load
    from the cache only: the entry must be refused as corrupt, not served."""

    def call(ctx):
        import hashlib

        from tickcast.data import cache

        frame = pd.DataFrame(
            {"value": [1.0, 2.0, 3.0]},
            index=pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"], name="date"),
        )
        cache.write("fred:DGS10", frame, meta={"kind": "rate"})
        path = cache.path_for("fred:DGS10")
        head = json.loads(path.read_bytes().split(b"\n", 1)[0][len(b"# tickcast-cache ") :])
        data = ("date,value\n" + body).encode()
        rows = body.count("\n")
        head.update(sha256=hashlib.sha256(data).hexdigest(), rows=rows, **header)
        path.write_bytes(b"# tickcast-cache " + json.dumps(head).encode() + b"\n" + data)
        return tc.load("fred:DGS10", source="cache")

    return call


_CACHE_ROWS = "2024-01-02,1.0\n2024-01-03,2.0\n"
CASES += [
    Case(
        f"cache/{name}",
        _tampered_cache(body, **header),
        DataError,
        r"nothing is cached for 'fred:DGS10'",
        warns=CacheWarning,
    )
    for name, body, header in [
        ("unsorted", "2024-01-03,2.0\n2024-01-02,1.0\n", {}),
        ("duplicate-dates", "2024-01-02,1.0\n2024-01-02,2.0\n", {}),
        ("inf", "2024-01-02,1.0\n2024-01-03,inf\n", {}),
        ("minus-inf", "2024-01-02,-inf\n2024-01-03,2.0\n", {}),
        ("all-missing", "2024-01-02,\n2024-01-03,\n", {}),
        ("missing-date", ",1.0\n2024-01-03,2.0\n", {}),
        ("fetched-in-the-future", _CACHE_ROWS, {"fetched": "2999-01-01T00:00:00+00:00"}),
        ("meta-not-a-mapping", _CACHE_ROWS, {"meta": [1, 2]}),
        ("unknown-kind", _CACHE_ROWS, {"meta": {"kind": "banana"}}),
    ]
]


# ---- issue 15: risk ----------------------------------------------------------------------------
_PATHS = np.array([[10.0, 4.0, 6.0], [10.0, 9.0, 8.0]])
CASES += [
    Case(
        "risk/barrier-level-none",
        lambda ctx: tc.barrier_probability(_PATHS, None),
        ConfigError,
        r"`level` must be a finite number \(the barrier.*got None \(NoneType\)",
    ),
    Case(
        "risk/barrier-level-string",
        lambda ctx: tc.barrier_probability(_PATHS, "5"),
        ConfigError,
        r"`level` must be a finite number .*got '5' \(str\)",
    ),
    Case(
        "risk/barrier-level-bool",
        lambda ctx: tc.barrier_probability(_PATHS, True),
        ConfigError,
        r"`level` must be a finite number .*got True",
    ),
    Case(
        "risk/barrier-level-complex",
        lambda ctx: tc.barrier_probability(_PATHS, 5 + 1j),
        ConfigError,
        r"`level` must be a finite number",
    ),
    Case(
        "risk/barrier-ragged-paths",
        lambda ctx: tc.barrier_probability([[1.0, 2.0], [1.0]], 1.5),
        InputTypeError,
        r"`paths` must be a 2-D array of numbers .*every path of the same length",
    ),
    Case(
        "risk/barrier-ragged-object-array",
        lambda ctx: tc.barrier_probability(np.array([[1.0, 2.0], [1.0]], dtype=object), 1.5),
        InputTypeError,
        r"`paths` must be a 2-D array of numbers",
    ),
    Case(
        "risk/barrier-complex-paths",
        lambda ctx: tc.barrier_probability(_PATHS + 1j, 5.0),
        DataError,
        r"`paths` must hold real numbers .*complex",
    ),
    Case(
        "risk/first-passage-level-none",
        lambda ctx: tc.first_passage_times(_PATHS, None),
        ConfigError,
        r"`level` must be a finite number",
    ),
    Case(
        "risk/prob-hit-seed-negative",
        lambda ctx: tc.prob_hit(Y, level=50.0, seed=-3),
        ConfigError,
        r"`seed` must be None or an integer >= 0; got -3 \(int\)",
    ),
    Case(
        "risk/prob-hit-seed-float",
        lambda ctx: tc.prob_hit(Y, level=50.0, seed=1.5),
        ConfigError,
        r"`seed` must be None or an integer >= 0; got 1\.5 \(float\)",
    ),
    Case(
        "risk/prob-hit-seed-string",
        lambda ctx: tc.prob_hit(Y, level=50.0, seed="0"),
        ConfigError,
        r"`seed` must be None or an integer >= 0; got '0'",
    ),
    Case(
        "risk/prob-hit-too-many-values",
        lambda ctx: tc.prob_hit(Y, level=50.0, n_paths=10**10, within="1Y"),
        ConfigError,
        r"`n_paths` x `horizon` = 10,000,000,000 x \d+ .*GiB\) exceeds the limit",
    ),
    Case(
        "risk/prob-hit-level-none",
        lambda ctx: tc.prob_hit("no-such-dataset", level=None),  # before loading
        ConfigError,
        r"`level` must be a finite number",
    ),
    Case(
        "risk/prob-hit-model-by-name",
        lambda ctx: tc.prob_hit(Y, level=50.0, model="naive"),
        InputTypeError,
        r"`model` must be an unfitted tickcast forecaster .*got 'naive' \(str\)",
    ),
    Case(
        "risk/prob-hit-direction",
        lambda ctx: tc.prob_hit("no-such-dataset", level=1.0, direction="up"),
        ConfigError,
        r"`direction` must be one of",
    ),
]


# ---- issue 15: saved models: reading and writing -----------------------------------------------
def _huge_member(ctx) -> Path:
    """A saved model whose y_values member declares 10^12 float64 (8 TB) in its npy header."""
    import io
    import zipfile

    from numpy.lib import format as npy

    src = _saved(ctx)
    out = ctx.tmp / "huge.npz"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "y_values.npy":
                head = io.BytesIO()
                npy.write_array_header_1_0(
                    head, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
                )
                data = head.getvalue() + data[128:]
            zout.writestr(info, data)
    return out


def _read_only(ctx):
    """Make the file system refuse writes (as a read-only mount does, even for root)."""
    import errno
    import os
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    ctx.monkeypatch.setattr(tempfile, "mkstemp", refuse)
    ctx.monkeypatch.setattr(Path, "write_text", refuse)


def _fit_with_attr(**attrs):
    y = Y.copy()
    y.attrs = {**y.attrs, **attrs}
    return tc.Naive().fit(y)


def _backtest_result():
    return tc.backtest(
        [tc.Naive()], Y, splitter=tc.WalkForward(initial=250, step=20, horizon=2), progress=False
    )


CASES += [
    Case(
        "load_model/path-none",
        lambda ctx: tc.load_model(None),
        InputTypeError,
        r"`path` must be the path of a saved model file .*got None \(NoneType\)",
    ),
    Case(
        "load_model/path-int",
        lambda ctx: tc.load_model(3),
        InputTypeError,
        r"`path` must be the path of a saved model file .*got 3 \(int\)",
    ),
    Case(
        "load_model/path-empty",
        lambda ctx: tc.load_model(""),
        InputTypeError,
        r"`path` must be the path",
    ),
    Case(
        "load_model/a-folder",
        lambda ctx: tc.load_model(ctx.tmp),
        ModelFileError,
        r"is a folder, not a model file",
    ),
    Case(
        "load_model/declared-shape-10-to-the-12",
        lambda ctx: tc.load_model(_huge_member(ctx)),
        ModelFileError,
        r"member 'y_values\.npy' declares shape \(1000000000000,\) of float64 "
        r"\(8,000,000,000,000 bytes\) but holds [\d,]+ bytes",
    ),
    Case(
        "load_model/format-version-string",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: _header(f, format_version="1"))),
        ModelFileError,
        r"has format_version '1' \(str\), not an integer; tickcast writes 1",
    ),
    Case(
        "load_model/format-version-float",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: _header(f, format_version=1.0))),
        ModelFileError,
        r"has format_version 1\.0 \(float\), not an integer",
    ),
    Case(
        "load_model/format-version-bool",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: _header(f, format_version=True))),
        ModelFileError,
        r"has format_version True \(bool\)",
    ),
    Case(
        "load_model/format-version-missing",
        lambda ctx: tc.load_model(
            _saved(
                ctx,
                lambda f: {
                    **f,
                    "__header__": np.array(
                        json.dumps(
                            {
                                k: v
                                for k, v in json.loads(str(f["__header__"])).items()
                                if k != "format_version"
                            }
                        )
                    ),
                },
            )
        ),
        ModelFileError,
        r"has no format_version in its header",
    ),
    Case(
        "load_model/format-version-0",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: _header(f, format_version=0))),
        ModelFileError,
        r"has format_version 0; tickcast model formats start at 1",
    ),
    Case(
        "load_model/params-not-a-mapping",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: _header(f, params=[1]))),
        ModelFileError,
        r"damaged or inconsistent and cannot be restored as a Naive",
    ),
    Case(
        "save/path-none",
        lambda ctx: fitted("naive").save(None),
        InputTypeError,
        r"`path` must be a file path .* for the model file; got None",
    ),
    Case(
        "save/parent-is-a-file",
        lambda ctx: fitted("naive").save(_saved(ctx) / "inside.npz"),
        ConfigError,
        r"model\.npz' is a file, not a folder, so the model file cannot be written there",
    ),
    Case(
        "save/read-only-file-system",
        lambda ctx: (_read_only(ctx), fitted("naive").save(ctx.tmp / "m.npz")),
        ConfigError,
        r"cannot write the model file to `path` .*m\.npz': Read-only file system\. "
        r"Nothing was written",
    ),
    Case(
        "save/target-object",
        lambda ctx: tc.Naive(target=tc.Diff()).fit(Y).save(ctx.tmp / "m.npz"),
        ConfigError,
        r"cannot save Naive: its parameter `target` is a Diff .*Pass it by name",
    ),
    Case(
        "save/attrs-timestamp",
        lambda ctx: _fit_with_attr(asof=pd.Timestamp("2021-01-01")).save(ctx.tmp / "m.npz"),
        ConfigError,
        r"`y\.attrs\['asof'\]` of the fitted series is a Timestamp .*Store it as a string",
    ),
    Case(
        "save/attrs-object",
        lambda ctx: _fit_with_attr(note=object()).save(ctx.tmp / "m.npz"),
        ConfigError,
        r"`y\.attrs\['note'\]` of the fitted series is a object",
    ),
    Case(
        "save/rnn-activation-object",
        lambda ctx: (
            tc.RNNForecaster("rnn", hidden=2, lookback=3, horizon=2, epochs=1, activations=_tanh())
            .fit(Y)
            .save(ctx.tmp / "m.npz")
        ),
        ConfigError,
        r"cannot save RNNForecaster: its parameter `activations` is a Tanh",
    ),
    Case(
        "report/to-html-parent-is-a-file",
        lambda ctx: _backtest_result().to_html(_saved(ctx) / "r.html"),
        ConfigError,
        r"`path` .*r\.html': .*model\.npz' is a file, not a folder, so the HTML report",
    ),
    Case(
        "report/to-html-read-only",
        lambda ctx: (_read_only(ctx), _backtest_result().to_html(ctx.tmp / "r.html")),
        ConfigError,
        r"cannot write the HTML report to `path` .*Read-only file system",
    ),
    Case(
        "report/to-html-path-none",
        lambda ctx: _backtest_result().to_html(None),
        InputTypeError,
        r"`path` must be a file path .* for the HTML report; got None",
    ),
    Case(
        "report/to-html-a-folder",
        lambda ctx: _backtest_result().to_html(ctx.tmp),
        ConfigError,
        r"is a folder; give a file name for the HTML report inside it",
    ),
]


def _tanh():
    from tickcast.nn.activations import Tanh

    return Tanh()


# ---- issue 15, second pass: models (seeds, update, parameter rules, loaded state) -------------
_SEEDED = {m: f for m, f in MODELS.items() if m != "arima"}  # ARIMA has no randomness
_SEED_RULE = {"rnn": r"`seed` must be an integer >= 0; got -1"}


def _new_prices(pos: int, value: float, n: int = 5) -> pd.Series:
    """``n`` new prices after the walk's last date, ``value`` at position ``pos``."""
    out = pd.Series(float(Y.iloc[-1]), index=FUTURE[:n], name="walk")
    out.iloc[pos] = value
    return out


def _saved_model(ctx, name: str, edit: Callable[[dict], dict]) -> Path:
    """``fitted(name)`` saved, its arrays edited by ``edit``, re-saved as .npz."""
    path = Path(fitted(name).save(ctx.tmp / f"{name}.npz"))
    with np.load(path) as f:
        files = {k: f[k] for k in f.files}
    out = ctx.tmp / f"{name}-edited.npz"
    np.savez(out, **edit(files))
    return out


def _state(**changes) -> Callable[[dict], dict]:
    def edit(files: dict) -> dict:
        out = dict(files)
        for key, fn in changes.items():
            out[f"state.{key}"] = fn(files[f"state.{key}"])
        return out

    return edit


def _first_weight(files: dict) -> str:
    return sorted(k for k in files if k.startswith("state.net0."))[0]


for _m in _SEEDED:
    CASES += [
        Case(
            f"fit/{_m}/seed-negative",
            lambda ctx, m=_m: MODELS[m]().set_params(seed=-1).fit(Y),
            ConfigError,
            _SEED_RULE.get(_m, r"`seed` must be None or an integer >= 0; got -1 \(int\)"),
        ),
        Case(
            f"fit/{_m}/seed-float",
            lambda ctx, m=_m: MODELS[m]().set_params(seed=1.5).fit(Y),
            ConfigError,
            r"`seed` must be .*got 1\.5 \(float\)",
        ),
        Case(
            f"backtest/{_m}/seed-string",
            lambda ctx, m=_m: tc.backtest(
                [MODELS[m]().set_params(seed="0")],
                Y,
                splitter=tc.WalkForward(initial=200, step=50, horizon=2),
                progress=False,
            ),
            ConfigError,
            r"`seed` must be .*got '0' \(str\)",
        ),
    ]
for _m in MODELS:
    CASES += [
        Case(
            f"simulate/{_m}/seed-negative",
            lambda ctx, m=_m: fitted(m).simulate(3, 10, seed=-2),
            ConfigError,
            r"`seed` must be None or an integer >= 0; got -2 \(int\)",
        ),
        Case(
            f"simulate/{_m}/seed-float",
            lambda ctx, m=_m: fitted(m).simulate(3, 10, seed=1.5),
            ConfigError,
            r"`seed` must be None or an integer >= 0; got 1\.5 \(float\)",
        ),
        Case(
            f"simulate/{_m}/seed-string",
            lambda ctx, m=_m: fitted(m).simulate(3, 10, seed="a"),
            ConfigError,
            r"`seed` must be None or an integer >= 0; got 'a' \(str\)",
        ),
        Case(
            f"simulate/{_m}/ten-to-the-10-paths",
            lambda ctx, m=_m: fitted(m).simulate(10, 10**10),
            ConfigError,
            r"`n_paths` x `horizon` = 10,000,000,000 x 10 = .*exceeds the limit of 100,000,000",
        ),
        Case(
            f"update/{_m}/nan-price",
            lambda ctx, m=_m: fitted(m).update(_new_prices(1, np.nan)),
            DataError,
            r"`y_new` must hold finite numbers; 1 value\(s\)",
        ),
    ]

for _m in ("mean", "snaive"):  # they model price levels: prices are still > 0
    CASES.append(
        Case(
            f"update/{_m}/negative-price",
            lambda ctx, m=_m: fitted(m).update(_new_prices(2, -5.0)),
            DataError,
            r"`y_new` must be strictly positive for \w+ on prices; got -5\.0 at 2021-02-26",
        )
    )

for _m in [m for m in MODELS if m not in ("mean", "snaive")]:  # log returns refuse them
    CASES += [
        Case(
            f"update/{_m}/negative-price",
            lambda ctx, m=_m: fitted(m).update(_new_prices(2, -5.0)),
            DataError,
            r"`y_new` must be strictly positive for LogReturn .*got -5\.0 at 2021-02-26",
        ),
        Case(
            f"update/{_m}/zero-last-price",
            lambda ctx, m=_m: fitted(m).update(_new_prices(4, 0.0)),
            DataError,
            r"`y_new` must be strictly positive for LogReturn .*got 0\.0 at 2021-03-02",
        ),
    ]

for _m in EXOG_MODELS:
    CASES.append(
        Case(
            f"update/{_m}/x-new-nan",
            lambda ctx, m=_m: fitted(m, exog=True).update(
                _new_prices(4, float(Y.iloc[-1])), _future(5, x=[0.0, np.nan, 0.0, 0.0, 0.0])
            ),
            DataError,
            r"`X_new` has NaN or infinite values, first on 2021-02-25",
        )
    )

CASES += [
    # parameter rules declared once per class (`_parameter_constraints`)
    Case("fit/mean/window-0", lambda ctx: tc.Mean(window=0).fit(Y), ConfigError, r"`window`"),
    Case(
        "fit/snaive/season-length-float",
        lambda ctx: tc.SeasonalNaive(season_length=2.5).fit(Y),
        ConfigError,
        r"`season_length` must be a positive integer; got 2\.5 \(float\)",
    ),
    Case(
        "fit/linear/alpha-negative",
        lambda ctx: tc.LinearForecaster(alpha=-1.0).fit(Y),
        ConfigError,
        r"`alpha` must be a finite number >= 0 \(the ridge penalty\); got -1\.0",
    ),
    Case(
        "fit/linear/alpha-nan",
        lambda ctx: tc.LinearForecaster(alpha=float("nan")).fit(Y),
        ConfigError,
        r"`alpha` must be a finite number >= 0",
    ),
    Case(
        "fit/linear/calibration-fraction-1",
        lambda ctx: tc.LinearForecaster(calibration_fraction=1).fit(Y),
        ConfigError,
        r"`calibration_fraction` must be a number strictly between 0 and 1",
    ),
    Case(
        "fit/arima/trend-unknown",
        lambda ctx: tc.ARIMAForecaster(order=(1, 1, 0), trend="x").fit(Y),
        ConfigError,
        r"`trend` must be one of 'n', 'c', 't', 'ct'; got 'x'",
    ),
    Case(
        "fit/arima/maxiter-0",
        lambda ctx: tc.ARIMAForecaster(order=(1, 1, 0), maxiter=0).fit(Y),
        ConfigError,
        r"`maxiter` must be a positive integer; got 0",
    ),
    Case(
        "backtest/arima/d-values-3",
        lambda ctx: tc.backtest(
            [tc.ARIMAForecaster(d_values=(3,))],
            Y,
            splitter=tc.WalkForward(initial=200),
            progress=False,
        ),
        ConfigError,
        r"`d_values` must be a non-empty sequence of integers in 0\.\.2",
    ),
    Case(
        "fit/rnn/dtype-float16",
        lambda ctx: tc.RNNForecaster(dtype="float16").fit(Y),
        ConfigError,
        r"`dtype` must be 'float32' or 'float64'",
    ),
    # a loaded model is checked as strictly as a fitted one
    Case(
        "load_model/y-dates-reversed",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: {**f, "y_dates": f["y_dates"][::-1]})),
        ModelFileError,
        r"cannot be restored as a Naive \(DataError: `y_values` must be sorted by date",
    ),
    Case(
        "load_model/y-dates-duplicated",
        lambda ctx: tc.load_model(
            _saved(ctx, lambda f: {**f, "y_dates": np.repeat(f["y_dates"][:150], 2)})
        ),
        ModelFileError,
        r"\(DataError: `y_values` has duplicate dates: 2020-01-01",
    ),
    Case(
        "load_model/y-values-nan",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: {**f, "y_values": f["y_values"] * np.nan})),
        ModelFileError,
        r"`y_values` must hold finite numbers; 300 value\(s\)",
    ),
    Case(
        "load_model/y-values-complex",
        lambda ctx: tc.load_model(_saved(ctx, lambda f: {**f, "y_values": f["y_values"] + 1j})),
        ModelFileError,
        r"`y_values` must hold real numbers",
    ),
    Case(
        "load_model/y-values-negative-price",
        lambda ctx: tc.load_model(
            _saved_model(ctx, "arima", lambda f: {**f, "y_values": -f["y_values"]})
        ),
        ModelFileError,
        r"cannot be restored as a ARIMAForecaster .*gives the target .diff., but the model was "
        r"fitted on .log_return.",
    ),
    Case(
        "load_model/header-seed-negative",
        lambda ctx: tc.load_model(
            _saved(ctx, lambda f: _header(f, params={"seed": -1, "target": None, "kind": None}))
        ),
        ModelFileError,
        r"\(ConfigError: `seed` must be None or an integer >= 0; got -1",
    ),
    Case(
        "load_model/arima-params-zeros",
        lambda ctx: tc.load_model(_saved_model(ctx, "arima", _state(params=np.zeros_like))),
        ModelFileError,
        r"state 'params' has sigma2 = 0\.0, not > 0",
    ),
    Case(
        "load_model/arima-unit-root",
        lambda ctx: tc.load_model(
            _saved_model(ctx, "arima", _state(params=lambda p: np.r_[1.0, p[1:]]))
        ),
        ModelFileError,
        r"AR coefficients \[1\.0\] with a root of modulus 1 <= 1: the model is not stationary",
    ),
    Case(
        "load_model/arima-explosive-ar",
        lambda ctx: tc.load_model(
            _saved_model(ctx, "arima", _state(params=lambda p: np.r_[-1.5, p[1:]]))
        ),
        ModelFileError,
        r"root of modulus 0\.666667 <= 1: the model is not stationary",
    ),
    Case(
        "load_model/arima-order-disagrees-with-params",
        lambda ctx: tc.load_model(
            _saved_model(ctx, "arima", _state(order=lambda o: np.array([2, 1, 1])))
        ),
        ModelFileError,
        r"state 'params' has 2 values but ARIMA\(2, 1, 1\) .*has 4 .*the order disagrees",
    ),
    Case(
        "load_model/arima-params-nan",
        lambda ctx: tc.load_model(_saved_model(ctx, "arima", _state(params=lambda p: p * np.nan))),
        ModelFileError,
        r"state array 'params' holds 2 NaN or infinite value\(s\)",
    ),
    Case(
        "load_model/arima-scale-negative",
        lambda ctx: tc.load_model(_saved_model(ctx, "arima", _state(scale=lambda s: -s))),
        ModelFileError,
        r"state 'scale' is -1\.0, not a positive number",
    ),
    Case(
        "load_model/linear-sums-inf",
        lambda ctx: tc.load_model(_saved_model(ctx, "linear", _state(sum_xx=lambda a: a * np.inf))),
        ModelFileError,
        r"state array 'sum_xx' holds \d+ NaN or infinite value\(s\)",
    ),
    Case(
        "load_model/linear-residuals-strings",
        lambda ctx: tc.load_model(
            _saved_model(ctx, "linear", _state(residuals=lambda a: a.astype("U8")))
        ),
        ModelFileError,
        r"state array 'residuals' holds <U8 values, not numbers",
    ),
    Case(
        "load_model/rnn-weights-nan",
        lambda ctx: tc.load_model(
            _saved_model(
                ctx, "rnn", lambda f: {**f, _first_weight(f): f[_first_weight(f)] * np.nan}
            )
        ),
        ModelFileError,
        r"state array 'net0\.\S+' holds \d+ NaN or infinite value\(s\)",
    ),
    Case(
        "load_model/rnn-scaler-inf",
        lambda ctx: tc.load_model(
            _saved_model(ctx, "rnn", _state(scaler_scale=lambda a: a * np.inf))
        ),
        ModelFileError,
        r"state array 'scaler_scale' holds",
    ),
]


# ---- command line (--debug re-raises, so the exact type is visible) ----------------------------
CLI_ARGV: list[tuple[str, list[str], type, str]] = [
    (
        "forecast-unknown-model",
        ["forecast", "dbk", "--model", "prophet"],
        ConfigError,
        r"`model` must be one of naive, drift.*got 'prophet'",
    ),
    (
        "backtest-unknown-model",
        ["backtest", "dbk", "--models", "naive,nope"],
        ConfigError,
        r"`model` must be one of .*got 'nope'",
    ),
    (
        "forecast-horizon-0",
        ["forecast", "dbk", "--horizon", "0"],
        ConfigError,
        r"`horizon` must be a positive integer; got 0",
    ),
    (
        "forecast-level-100",
        ["forecast", "dbk", "--level", "100"],
        ConfigError,
        r"`level` must lie strictly between 0 and 100",
    ),
    (
        "forecast-unknown-dataset",
        ["forecast", "sp5000"],
        DataError,
        r"unknown dataset 'sp5000'; did you mean 'sp500'",
    ),
    (
        "forecast-offline-unknown-ticker",
        ["forecast", "ZZZZQX"],
        NetworkError,
        r"network access is disabled",
    ),
    (
        "forecast-missing-csv",
        ["forecast", "csv:{tmp}/x.csv"],
        DataError,
        r"cannot read file .*x\.csv",
    ),
    (
        "backtest-step-0",
        ["backtest", "dbk", "--models", "naive", "--step", "0"],
        ConfigError,
        r"`step` must be a positive integer; got 0",
    ),
    (
        "backtest-initial-too-long",
        ["backtest", "dbk", "--models", "naive", "--initial", "999999"],
        ConfigError,
        r"`initial` \+ `gap` \+ `horizon` must not exceed",
    ),
    (
        "data-show-unknown-field",
        ["data", "show", "dbk", "--field", "bid"],
        ConfigError,
        r"`field` 'bid' is not in 'dbk'",
    ),
    (
        "data-download-ecb-malformed",
        ["data", "download", "ecb:FM"],
        ConfigError,
        r"ECB spec must be 'ecb:FLOW/KEY'",
    ),
    # issue 15: checked before loading or fitting
    (
        "forecast-seed-negative",
        ["forecast", "dbk", "--seed", "-1"],
        ConfigError,
        r"`--seed` must be None or an integer >= 0; got -1",
    ),
    (
        "forecast-horizon-huge",
        ["forecast", "dbk", "--horizon", "1000000"],
        ConfigError,
        r"`horizon` must be at most 10,000 steps on the command line.*got 1,000,000",
    ),
    (
        "forecast-every-beyond-horizon",
        ["forecast", "dbk", "--horizon", "10", "--every", "50"],
        ConfigError,
        r"`--every` must be an integer between 1 and --horizon \(10\).*got 50",
    ),
    (
        "forecast-every-0",
        ["forecast", "dbk", "--every", "0"],
        ConfigError,
        r"`--every` must be an integer between 1 and --horizon \(20\).*got 0",
    ),
    (
        "forecast-every-negative",
        ["forecast", "dbk", "--every", "-3"],
        ConfigError,
        r"`--every` must be an integer between 1 .*got -3",
    ),
    (
        "forecast-paths-too-many",
        ["forecast", "dbk", "--horizon", "2000", "--paths", "100000", "--prob-below", "5"],
        ConfigError,
        r"`n_paths` x `horizon` = 100,000 x 2,000 = 200,000,000 .*at most 50,000",
    ),
    (
        "forecast-csv-extra-field",
        ["forecast", "csv:{tmp}/extra.csv"],
        DataError,
        r"line 3 of file .*extra\.csv' has 3 fields but the header has 2",
    ),
]


def _argv(argv: list[str], ctx) -> list[str]:
    (ctx.tmp / "extra.csv").write_text("date,close\n2020-01-01,1\n2020-01-02,2,9\n")
    return [a.replace("{tmp}", str(ctx.tmp)) for a in argv]


CASES += [
    Case(f"cli/{name}", lambda ctx, a=argv: main(["--debug", *_argv(a, ctx)]), error, match)
    for name, argv, error, match in CLI_ARGV
]


@pytest.fixture
def ctx(tmp_path, monkeypatch, closed_url):
    return SimpleNamespace(tmp=tmp_path, monkeypatch=monkeypatch, closed_url=closed_url, net=None)


def test_the_table_is_large_and_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 40
    areas = {c.id.split("/")[0] for c in CASES}
    assert {"load", "fit", "predict", "backtest", "cli", "windows", "load_model"} <= areas


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, ctx, request):
    if case.net:
        ctx.net = request.getfixturevalue("net")
    if case.warns is not None:
        with pytest.warns(case.warns), pytest.raises(case.error, match=case.match) as info:
            case.call(ctx)
    else:
        with pytest.raises(case.error, match=case.match) as info:
            case.call(ctx)
    assert type(info.value) is case.error, f"{type(info.value).__name__}: {info.value}"
    assert isinstance(info.value, TickcastError)
    # a TickcastError also derives from the built-in type that fits
    assert isinstance(info.value, (ValueError, TypeError, RuntimeError))


@pytest.mark.parametrize(
    ("argv", "match"), [(a, m) for _, a, _, m in CLI_ARGV], ids=[n for n, *_ in CLI_ARGV]
)
def test_cli_errors_are_one_line_without_traceback(argv, match, ctx, capsys):
    """Without --debug the same inputs exit with status 1 and one line naming the problem."""
    import re

    assert main(_argv(argv, ctx)) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("tickcast: error:")]
    assert len(lines) == 1 and "Traceback" not in err
    assert re.search(match, lines[0])


def test_cli_usage_errors_exit_2(capsys):
    assert main(["forecast", "dbk", "--horizon", "2.5"]) == 2
    assert "invalid int value: '2.5'" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


# --------------------------------------------------------------------------------------------
# inputs accepted on purpose (documented in docs/RELIABILITY.md)
# --------------------------------------------------------------------------------------------
CONSTANT = pd.Series(5.0, index=DATES, name="flat")


@pytest.mark.parametrize("name", list(MODELS))
def test_constant_series_gives_finite_forecasts(name):
    """A flat series is valid input: every model forecasts it finitely, no NaN anywhere."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # ARIMA: a flat likelihood
        model = MODELS[name]().fit(CONSTANT)
    fc = model.predict(5, level=(80, 95))
    table = fc.to_frame()
    assert np.isfinite(table.to_numpy()).all()
    assert np.allclose(fc.mean, 5.0, atol=1e-6)
    paths = model.simulate(5, 50, seed=0)
    assert np.isfinite(paths).all()
    if name in ("naive", "drift", "mean", "snaive", "linear"):
        # no variation in the history: zero-width intervals, not NaN and not invented noise
        assert np.allclose(table["lower_95"], 5.0) and np.allclose(table["upper_95"], 5.0)


@pytest.mark.parametrize("kw", [{}, {"order": (2, 1, 1)}, {"order": (1, 0, 1)}])
def test_arima_on_a_constant_series_is_the_noiseless_random_walk(kw):
    """The order search on a flat series (every candidate's likelihood degenerate) once
    ended in a NumPy "All-NaN slice" ValueError, and a given order spent ~20 s of Powell
    iterations on a flat likelihood. Now: no ARMA dynamics, zero-width intervals, no
    optimiser and no warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = tc.ARIMAForecaster(kind="rate", **kw).fit(CONSTANT)
    p, _, q = m.order_
    if not kw:
        assert (p, q) == (0, 0) and m.search_results_ is not None
    assert m.converged_
    assert np.allclose(m.params_[-(p + q) - 1 : -1] if p + q else [], 0.0)
    table = m.predict(5, level=(80, 95)).to_frame()
    assert np.allclose(table.to_numpy(), 5.0)
    assert np.allclose(m.simulate(5, 20, seed=0), 5.0)


def test_constant_series_scales_with_unit_scale():
    sc = StandardScaler().fit(CONSTANT)
    assert sc.constant_.all() and sc.scale_[0] == 1.0
    assert np.array_equal(sc.transform(CONSTANT.to_numpy()), np.zeros(N))
    assert np.array_equal(LogReturn().fit_transform(CONSTANT).to_numpy(), np.zeros(N - 1))


@pytest.mark.parametrize("name", list(MODELS))
def test_horizon_beyond_the_history_is_finite(name):
    """Decision: a horizon longer than the history is allowed and never gives NaN."""
    model = fitted(name)
    horizon = N + 25
    fc = model.predict(horizon, level=95)
    assert len(fc.mean) == horizon and fc.index.is_unique and fc.index[0] > Y.index[-1]
    assert np.isfinite(fc.to_frame().to_numpy()).all()
    assert (fc.lower(95) <= fc.upper(95)).all()
    # (the point forecast may leave a bootstrapped interval far out when a model's
    # out-of-sample residuals are biased: see docs/RELIABILITY.md, "open points")


def test_unlabelled_series_with_a_zero_is_modelled_as_a_rate():
    """Decision: without attrs['kind'], a series that is not strictly positive is a rate
    (differences), so a zero never reaches a logarithm; label it a price to be told."""
    model = tc.Naive().fit(_zero)
    assert model.kind_ == "rate" and model.target_ == "diff"
    assert np.isfinite(model.predict(3).to_frame().to_numpy()).all()


def test_csv_with_bom_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffDatum;Schluss\r\n03.01.2020;1.234,5\r\n02.01.2020;12,25\r\n".encode())
    with pytest.raises(DataError, match="thousands separators"):
        tc.load(f"csv:{path}")
    path.write_bytes("\ufeffDate;Close\r\n03.01.2020;101,5\r\n02.01.2020;100,25\r\n".encode())
    y = tc.load(f"csv:{path}")
    assert y.name == "export" and y.attrs["via"] == "file"
    assert y.to_dict() == {pd.Timestamp("2020-01-02"): 100.25, pd.Timestamp("2020-01-03"): 101.5}


def test_csv_repairs_what_is_safe(tmp_path):
    """Unsorted rows are sorted; UTC offsets are dropped keeping the local date; a single row
    loads (models then ask for more)."""
    path = tmp_path / "p.csv"
    path.write_text(
        "date,close\n2020-01-03T00:00:00+01:00,3\n2020-01-01,1\n2020-01-02 00:00:00Z,2\n"
    )
    y = tc.load(path)
    assert list(y.index.strftime("%Y-%m-%d")) == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert list(y) == [1.0, 2.0, 3.0] and y.index.tz is None
    path.write_text("date,close\n2020-01-01,1\n")
    one = tc.load(path)
    assert len(one) == 1
    with pytest.raises(DataError, match="too short"):
        tc.Naive().fit(one)


def test_read_only_cache_falls_back_to_no_cache_with_a_warning(net, monkeypatch, tmp_path):
    """A cache folder that cannot be written is a CacheWarning; the data are still returned."""
    import errno
    import os

    from tickcast.data import cache

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    folder = tmp_path / "ro-cache"
    folder.mkdir()
    monkeypatch.setenv("TICKCAST_CACHE_DIR", str(folder))
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root ignores permissions: make the file system refuse
        monkeypatch.setattr(cache.tempfile, "mkstemp", read_only)
        monkeypatch.setattr(cache.Path, "mkdir", read_only)
    net.route("/fred", (200, "DATE,T10YIE\n2024-01-02,2.2\n2024-01-03,2.3\n"))
    try:
        with pytest.warns(
            CacheWarning, match="cannot write to the cache folder .*continuing without caching"
        ):
            y = tc.load("fred:T10YIE")
    finally:
        folder.chmod(0o755)
    assert list(y) == [2.2, 2.3] and y.attrs["via"] == "network"
    assert cache.read("fred:T10YIE") is None


def test_http_429_then_success(net):
    net.route("/fred", (429, "slow down"), (200, "DATE,T10YIE\n2024-01-02,2.2\n"))
    y = tc.load("fred:T10YIE")
    assert list(y) == [2.2]
    assert len(net.requests) == 2 and net.waits == [7.0]  # the server's Retry-After


def test_corrupt_cache_is_refetched(net):
    from tickcast.data import cache

    net.route("/fred", (200, "DATE,T10YIE\n2024-01-02,2.2\n2024-01-03,2.4\n"))
    tc.load("fred:T10YIE")
    path = cache.path_for("fred:T10YIE")
    path.write_bytes(path.read_bytes().replace(b"2.4", b"9.9"))  # edited: checksum mismatch
    with pytest.warns(CacheWarning, match="corrupt .*checksum mismatch.*fetched again"):
        y = tc.load("fred:T10YIE")
    assert list(y) == [2.2, 2.4] and len(net.requests) == 2


def test_network_down_falls_back_to_the_bundled_snapshot(net, monkeypatch, closed_url):
    monkeypatch.setenv("TICKCAST_FRED_URL", closed_url + "/fred")
    with pytest.warns(
        FallbackWarning, match="could not fetch 'fred:DGS10'.*bundled snapshot 'dgs10'"
    ):
        y = tc.load("fred:DGS10")
    assert y.attrs["via"] == "bundled" and len(y) > 1000


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_wide_unicode_csv_is_read_exactly(tmp_path, encoding):
    """Decision: UTF-16/32 CSV (Excel's "Unicode text" export) is read like UTF-8, with or
    without a byte-order mark, not refused as binary."""
    path = tmp_path / "wide.csv"
    path.write_bytes("Date;Close\r\n03.01.2020;101,5\r\n02.01.2020;100,25\r\n".encode(encoding))
    y = tc.load(f"csv:{path}", kind="price")
    assert y.to_dict() == {pd.Timestamp("2020-01-02"): 100.25, pd.Timestamp("2020-01-03"): 101.5}


def test_real_numbers_pass_check_real_values():
    """The check refuses only what is not a real number: ints, floats, numeric strings pass."""
    from tickcast.data.validate import check_real_values

    for values in (
        np.arange(3),
        np.ones(3, dtype=np.float32),
        pd.Series(["1.5", "2"], dtype=object),
        pd.Series([1, 2.5, None], dtype=object),
        pd.DataFrame({"a": [1.0], "b": [2]}),
    ):
        check_real_values(values, "`v`")
    with pytest.raises(DataError, match=r"column 'b' of `frame` must hold real numbers"):
        check_real_values(pd.DataFrame({"a": [1.0], "b": [True]}), "`frame`")
    check_real_values(pd.DataFrame({"dummy": [True, False]}), "`X`", allow_bool=True)
    check_real_values(pd.Series([True, 1.5], dtype=object), "`X`", allow_bool=True)
    with pytest.raises(DataError, match=r"column 'c' of `X` must hold real numbers .*got complex"):
        check_real_values(pd.DataFrame({"d": [True], "c": [1j]}), "`X`", allow_bool=True)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("2024-01-03,2.0\n2024-01-02,1.0\n", "dates not in increasing order"),
        ("2024-01-02,1.0\n2024-01-02,2.0\n", "duplicate dates, first 2024-01-02"),
        ("2024-01-02,1.0\n2024-01-03,inf\n", "an infinite value on 2024-01-03"),
    ],
)
def test_a_tampered_cache_entry_is_refetched_not_served(net, body, reason):
    """A cache file edited with its checksum recomputed is checked like any source: it is a
    CacheWarning naming what is wrong, the file is removed and the series fetched again."""
    import hashlib

    from tickcast.data import cache

    net.route("/fred", (200, "DATE,T10YIE\n2024-01-02,2.2\n2024-01-03,2.4\n"))
    tc.load("fred:T10YIE")
    path = cache.path_for("fred:T10YIE")
    head = json.loads(path.read_bytes().split(b"\n", 1)[0][len(b"# tickcast-cache ") :])
    data = ("date,value\n" + body).encode()
    head.update(sha256=hashlib.sha256(data).hexdigest(), rows=2)
    path.write_bytes(b"# tickcast-cache " + json.dumps(head).encode() + b"\n" + data)
    with pytest.warns(CacheWarning, match=rf"corrupt \({reason}\).*fetched again"):
        y = tc.load("fred:T10YIE")
    assert list(y) == [2.2, 2.4] and y.attrs["via"] == "network" and len(net.requests) == 2
    assert cache.read("fred:T10YIE").frame["value"].tolist() == [2.2, 2.4]


def test_seeds_accepted_by_prob_hit():
    """None, non-negative ints (also NumPy's) and Generators are valid seeds; same seed, same
    probability."""
    from tickcast.risk import check_seed

    assert check_seed(np.int64(3)) == 3 and check_seed(None) is None
    rng = np.random.default_rng(0)
    assert check_seed(rng) is rng
    level = 0.97 * float(Y.iloc[-1])
    p = [tc.prob_hit(Y, level=level, within=20, n_paths=500, seed=7) for _ in range(2)]
    assert p[0] == p[1] and 0.0 < p[0] < 1.0


def _width95(model: tc.Forecaster, y: pd.Series, horizon: int = 10) -> np.ndarray:
    fc = model.fit(y).predict(horizon, level=95)
    return (fc.upper(95) - fc.lower(95)).to_numpy()


@pytest.mark.parametrize("factor", [1e-8, 1e8])
def test_arima_at_tiny_and_huge_scales_matches_its_own_scale(factor):
    """A rate series x 1e-8 (or x 1e8): ARIMA rescales internally, so its 95 % intervals are
    those of the unscaled series times the factor and within 2x of Naive's on the same data
    (before: 133x Naive's at 1e-8, with only a ConvergenceWarning)."""
    y = tc.load("dgs10").iloc[-500:]
    scaled = y * factor
    scaled.attrs = dict(y.attrs)
    arima = tc.ARIMAForecaster(order=(1, 1, 1))
    width = _width95(arima, scaled)
    assert arima.scale_ != 1.0
    naive = _width95(tc.Naive(), scaled)
    assert np.all(width < 2 * naive) and np.all(width > naive / 2)
    plain = tc.ARIMAForecaster(order=(1, 1, 1))
    np.testing.assert_allclose(width / factor, _width95(plain, y), rtol=1e-3)
    assert plain.scale_ == 1.0  # series of ordinary scale are fitted as they are
    sims = arima.simulate(10, 2000, seed=0)
    assert 0.5 < np.std(sims[:, -1]) / (width[-1] / 3.92) < 2.0  # paths in the series' units
    assert np.std(arima.residuals_) == pytest.approx(np.std(plain.residuals_) * factor, rel=1e-2)


def test_a_rescaled_arima_saves_and_loads_exactly(tmp_path):
    y = tc.load("dgs10").iloc[-300:] * 1e-8
    y.attrs["kind"] = "rate"
    m = tc.ARIMAForecaster(order=(1, 1, 0)).fit(y)
    back = tc.load_model(m.save(tmp_path / "m.npz"))
    assert back.scale_ == m.scale_
    pd.testing.assert_frame_equal(back.predict(5).to_frame(), m.predict(5).to_frame())


@pytest.mark.parametrize("name", list(MODELS))
def test_simulate_accepts_generators_and_numpy_seeds(name):
    m = fitted(name)
    a = m.simulate(3, 20, seed=np.random.default_rng(5))
    b = m.simulate(3, 20, seed=np.int64(5))
    c = m.simulate(3, 20, seed=np.random.SeedSequence(5))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(b, c)


def test_a_loaded_model_forecasts_as_saved(tmp_path):
    """The load-time checks (history, parameters, state) accept every genuine file."""
    for name in MODELS:
        m = fitted(name)
        back = tc.load_model(m.save(tmp_path / f"{name}.npz"))
        np.testing.assert_allclose(back.predict(3).mean, m.predict(3).mean, rtol=1e-12)
