"""What kind of series is this: `kind=` on tc.load and the forecasters, FRED files, warnings.

The reference for interval widths is the empirical spread of the file's own daily changes
(numpy), not anything tickcast computes.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import tickcast as tc
from tickcast.errors import ConfigError, KindGuessWarning

DATA = Path(__file__).resolve().parents[2] / "data"


def _dgs10_rows(n: int = 2600) -> list[str]:
    """The last ``n`` data lines of the bundled FRED DGS10 file, '.' days included."""
    lines = (DATA / "fred_DGS10.csv").read_text().splitlines()
    assert lines[0] == "DATE,DGS10"
    return lines[-n:]


def _fred_file(tmp_path, date_header="observation_date", series="DGS30", name="dgs_download"):
    rows = _dgs10_rows()
    assert any(r.endswith(",.") for r in rows)  # FRED's missing-day marker is in the sample
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join([f"{date_header},{series}", *rows]) + "\n")
    return path


def _plain(y: pd.Series) -> pd.Series:
    """``y`` as a user would build it: same values, no attrs."""
    return pd.Series(y.to_numpy(), index=y.index, name="user")


@pytest.fixture
def no_kind_guess():
    with warnings.catch_warnings():
        warnings.simplefilter("error", KindGuessWarning)
        yield


# ------------------------------------------------------------------ the loader
@pytest.mark.parametrize("date_header", ["observation_date", "DATE"])
def test_fred_download_of_dgs30_loads_as_a_rate_without_warning(tmp_path, date_header):
    path = _fred_file(tmp_path, date_header)
    with warnings.catch_warnings():
        warnings.simplefilter("error", KindGuessWarning)
        y = tc.load(path)
    assert y.attrs["kind"] == "rate" and y.attrs["units"] == "percent"
    assert len(y) == sum(not r.endswith(",.") for r in _dgs10_rows())  # '.' days dropped
    assert np.isfinite(y).all()


def test_column_named_after_a_known_rate_is_a_rate_without_warning(tmp_path, no_kind_guess):
    path = tmp_path / "export.csv"
    path.write_text("date;dgs10\n" + "\n".join(r.replace(",", ";") for r in _dgs10_rows()[-50:]))
    y = tc.load(path)
    assert y.attrs["kind"] == "rate"


def test_generic_positive_csv_warns_naming_price(tmp_path):
    path = tmp_path / "mystock.csv"
    path.write_text("date,close\n2020-01-02,10.5\n2020-01-03,10.7\n2020-01-06,10.6\n")
    with pytest.warns(KindGuessWarning, match="guessed as 'price'.*log returns"):
        y = tc.load(path)
    assert y.attrs["kind"] == "price"


def test_generic_csv_with_a_negative_value_warns_naming_rate(tmp_path):
    path = tmp_path / "spread.csv"
    path.write_text("date,value\n2020-01-02,0.1\n2020-01-03,-0.2\n2020-01-06,0.05\n")
    with pytest.warns(KindGuessWarning, match="guessed as 'rate'.*differences"):
        assert tc.load(path).attrs["kind"] == "rate"


def test_fred_download_of_an_unknown_id_is_a_rate_with_a_warning(tmp_path):
    path = _fred_file(tmp_path, series="WXYZ1")
    with pytest.warns(KindGuessWarning, match=r"guessed as 'rate' \(a FRED download of 'WXYZ1'"):
        assert tc.load(path).attrs["kind"] == "rate"


def test_fred_download_of_a_price_is_a_price(tmp_path, no_kind_guess):
    path = _fred_file(tmp_path, series="DCOILWTICO")
    assert tc.load(path).attrs["kind"] == "price"


def test_explicit_kind_overrides_the_file_and_the_source(tmp_path, no_kind_guess):
    assert tc.load(_fred_file(tmp_path), kind="price").attrs["kind"] == "price"
    assert tc.load("sp500", kind="rate").attrs["kind"] == "rate"


@pytest.mark.parametrize("spec", ["dgs10", "sp500", "fred:DGS10", "DB", "^TNX"])
def test_bundled_and_known_provider_loads_do_not_guess(spec, no_kind_guess):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tc.errors.FallbackWarning)  # offline in the tests
        y = tc.load(spec)
    assert y.attrs["kind"] == ("price" if spec in ("sp500", "DB") else "rate")


# ------------------------------------------------------------------ the forecasters
def _models():
    return [
        tc.Naive(kind="rate"),
        tc.Drift(kind="rate"),
        tc.LinearForecaster(lags=3, horizon=2, kind="rate"),
        tc.ARIMAForecaster(order=(0, 1, 0), kind="rate"),
        tc.RNNForecaster(hidden=2, lookback=5, horizon=2, epochs=1, kind="rate"),
    ]


@pytest.mark.parametrize("model", _models(), ids=lambda m: type(m).__name__)
def test_kind_rate_on_a_positive_series_models_differences(model, no_kind_guess):
    y = _plain(tc.load("dgs10").iloc[-300:])
    assert (y > 0).all()
    model.fit(y)
    assert model.kind_ == "rate" and model.target_ == "diff"
    assert model.kind == "rate"  # stored untouched
    assert clone(model).get_params()["kind"] == "rate"


def test_explicit_kind_overrides_attrs(no_kind_guess):
    y = tc.load("sp500").iloc[-200:]
    assert y.attrs["kind"] == "price"
    assert tc.Naive(kind="rate").fit(y).target_ == "diff"
    assert tc.Naive().fit(y).target_ == "log_return"


def test_fit_warns_only_when_the_sign_decides():
    y = _plain(tc.load("dgs10").iloc[-300:])
    with pytest.warns(KindGuessWarning, match="Naive.fit.*guessed as 'price'"):
        m = tc.Naive().fit(y)
    assert m.kind_ == "price" and m.target_ == "log_return"  # the documented sign rule
    with warnings.catch_warnings():
        warnings.simplefilter("error", KindGuessWarning)
        tc.Naive(target="diff").fit(y)  # the target is explicit: kind decides nothing
        tc.Mean().fit(y)  # level model: kind decides nothing
        y.attrs["kind"] = "rate"
        assert tc.Naive().fit(y).target_ == "diff"


@pytest.mark.parametrize("cls", [tc.Naive, tc.ARIMAForecaster], ids=lambda c: c.__name__)
def test_rate_intervals_match_the_spread_of_daily_changes(tmp_path, cls):
    """One-step 95 % half-width vs 1.96 * std of the daily changes of a FRED DGS30 file."""
    y = tc.load(_fred_file(tmp_path))
    ref = 1.96 * np.std(np.diff(y.to_numpy()), ddof=1)
    model = cls(order=(0, 1, 0)) if cls is tc.ARIMAForecaster else cls()
    model.set_params(volatility="constant")  # the spread of all daily changes
    fc = model.fit(y).predict(1, level=95)
    half = float(fc.upper(95).iloc[0] - fc.lower(95).iloc[0]) / 2
    assert 0.7 * ref <= half <= 1.5 * ref, (half, ref)
    # the old sign rule (log returns of a yield ending near 1 %): about half as wide
    wrong = cls(order=(0, 1, 0), kind="price") if cls is tc.ARIMAForecaster else cls(kind="price")
    fc = wrong.fit(y).predict(1, level=95)
    assert float(fc.upper(95).iloc[0] - fc.lower(95).iloc[0]) / 2 < 0.7 * ref


def test_kind_survives_save_and_load(tmp_path, no_kind_guess):
    y = _plain(tc.load("dgs10").iloc[-100:])
    model = tc.Naive(kind="rate").fit(y)
    back = tc.load_model(model.save(tmp_path / "m"))
    assert back.kind == "rate" and back.target_ == "diff"
    pd.testing.assert_frame_equal(back.predict(3).to_frame(), model.predict(3).to_frame())


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("bad", ["bond", "", 1, ("rate",)])
def test_invalid(bad, tmp_path):
    with pytest.raises(ConfigError, match="`kind` must be 'price', 'rate' or None"):
        tc.load("dgs10", kind=bad)
    y = tc.load("dgs10").iloc[-50:]
    for model in _models():
        model.set_params(kind=bad)
        with pytest.raises(ConfigError, match="`kind` must be 'price', 'rate' or None"):
            model.fit(y)
