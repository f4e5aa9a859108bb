"""`alias=` on every forecaster: its name in results; duplicate names are a ConfigError."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import tickcast as tc
from tickcast.errors import ConfigError, InputTypeError

_FACTORIES = {
    "naive": lambda **kw: tc.Naive(**kw),
    "drift": lambda **kw: tc.Drift(**kw),
    "mean": lambda **kw: tc.Mean(**kw),
    "snaive": lambda **kw: tc.SeasonalNaive(**kw),
    "linear": lambda **kw: tc.LinearForecaster(lags=3, horizon=2, **kw),
    "arima": lambda **kw: tc.ARIMAForecaster(order=(0, 1, 0), **kw),
    "lstm": lambda **kw: tc.RNNForecaster("lstm", hidden=2, lookback=5, epochs=1, **kw),
    "tuned": lambda **kw: tc.Tuned(tc.Naive(), {"seed": [0, 1]}, **kw),
}


def _y(n=120):
    rng = np.random.default_rng(3)
    y = pd.Series(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, n))),
        index=pd.bdate_range("2020-01-01", periods=n),
        name="walk",
    )
    y.attrs["kind"] = "price"
    return y


@pytest.mark.parametrize("name", list(_FACTORIES))
def test_alias_is_a_stored_parameter_and_the_label(name):
    default = _FACTORIES[name]()
    assert default.alias is None and default.label != "mine"
    m = _FACTORIES[name](alias="mine")
    assert m.alias == "mine" and m.label == "mine"
    assert m.get_params(deep=False)["alias"] == "mine"
    assert clone(m).label == "mine"
    m._check_params()


@pytest.mark.parametrize("bad", ["", "   ", 3, ["a"]])
@pytest.mark.parametrize("name", ["naive", "mean", "snaive", "linear", "arima", "lstm"])
def test_bad_alias_is_a_config_error(name, bad):
    with pytest.raises(ConfigError, match=r"`alias` must be None or a non-empty string"):
        _FACTORIES[name](alias=bad)._check_params()


@pytest.mark.parametrize("name", ["naive", "linear", "arima"])
def test_save_and_load_keep_the_alias(name, tmp_path):
    m = _FACTORIES[name](alias="kept").fit(_y())
    back = tc.load_model(m.save(str(tmp_path / "m.tcm")))
    assert back.alias == "kept" and back.label == "kept"
    np.testing.assert_array_equal(back.predict(3).mean, m.predict(3).mean)


def _split():
    return tc.WalkForward(initial=80, step=10, horizon=2)


def test_duplicate_labels_are_a_config_error_suggesting_alias():
    with pytest.raises(ConfigError, match=r"two models named 'naive'.*alias='naive_2'"):
        tc.backtest([tc.Naive(), tc.Naive(seed=1)], _y(), splitter=_split())
    with pytest.raises(ConfigError, match=r"two models named 'x'"):
        tc.backtest([tc.Naive(alias="x"), tc.Drift(alias="x")], _y(), splitter=_split())


def test_aliases_and_dicts_name_results_with_unchanged_numbers():
    y = _y()
    plain = tc.backtest([tc.Naive(), tc.Drift()], y, splitter=_split()).forecasts
    named = tc.backtest(
        [tc.Naive(alias="rw"), tc.Drift(alias="rw_drift")], y, splitter=_split()
    ).forecasts
    template = tc.Drift()
    as_dict = tc.backtest({"rw": tc.Naive(), "rw_drift": template}, y, splitter=_split()).forecasts
    assert template.alias is None  # the caller's model is not changed
    assert sorted(named["model"].unique()) == ["rw", "rw_drift"]
    pd.testing.assert_frame_equal(named.drop(columns="seconds"), as_dict.drop(columns="seconds"))
    renamed = plain.replace({"model": {"naive": "rw", "drift": "rw_drift"}})

    def by_model(df):
        out = df.drop(columns="seconds").astype({"model": str})
        return out.sort_values("model", kind="mergesort").reset_index(drop=True)

    pd.testing.assert_frame_equal(by_model(named), by_model(renamed))


def test_bad_dict_keys_are_type_errors():
    with pytest.raises(InputTypeError, match=r"non-empty names"):
        tc.backtest({"": tc.Naive()}, _y(), splitter=_split())
    with pytest.raises(InputTypeError, match=r"`models\['a'\]` must be a tickcast forecaster"):
        tc.backtest({"a": "naive"}, _y(), splitter=_split())
