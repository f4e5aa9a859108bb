"""Naive/Drift ``update``: transforms only the new observations, equals a refit exactly."""

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.models.forecast import quantiles_for_levels

QS = quantiles_for_levels((80, 95))


@pytest.mark.parametrize("cls", [tc.Naive, tc.Drift])
@pytest.mark.parametrize("name", ["dbk", "dgs10"])
def test_update_equals_refit(cls, name):
    y = tc.load(name).iloc[-400:]
    updated = cls(volatility="constant").fit(y.iloc[:300])  # EWMA parameters stay fixed on update
    for a, b in [(300, 301), (301, 340), (340, 400)]:
        updated.update(y.iloc[a:b])
        refit = cls(volatility="constant").fit(y.iloc[:b])
        assert updated.y_.index.equals(refit.y_.index)
        for attr in ("drift_", "sigma_", "drift_se_"):
            assert getattr(updated, attr) == pytest.approx(getattr(refit, attr), rel=0, abs=0)
        np.testing.assert_array_equal(updated.residuals_, refit.residuals_)
        a_fc, r_fc = updated.predict(7), refit.predict(7)
        np.testing.assert_array_equal(a_fc.quantiles.to_numpy(), r_fc.quantiles.to_numpy())
        np.testing.assert_array_equal(a_fc.mean.to_numpy(), r_fc.mean.to_numpy())


def test_update_keeps_a_guessed_kind_and_refuses_values_outside_its_target():
    """The kind guessed at fit is the model's: an update never switches log returns to
    differences behind the user's back; values the target cannot take are a DataError."""
    idx = pd.bdate_range("2020-01-01", periods=80)
    y = pd.Series(np.r_[np.linspace(1.0, 0.2, 60), np.linspace(0.1, -0.5, 20)], index=idx)
    with pytest.warns(tc.errors.KindGuessWarning):
        m = tc.Drift().fit(y.iloc[:60])
    assert m.target_ == "log_return"
    with pytest.raises(tc.errors.DataError, match="`y_new` must be strictly positive"):
        m.update(y.iloc[60:])
    assert m.target_ == "log_return" and len(m.y_) == 60  # nothing appended


def test_update_with_a_bad_value_raises_naming_y_new():
    y = tc.load("dbk").iloc[-100:].copy()
    m = tc.Naive().fit(y.iloc[:90])
    bad = y.iloc[90:].copy()
    bad.iloc[3] = -1.0
    with pytest.raises(tc.errors.DataError) as fast:
        m.update(bad)
    with pytest.raises(tc.errors.DataError) as ref:
        tc.Naive().fit(pd.concat([y.iloc[:90], bad]))
    # the same rule and value; the update names its own argument and position in it
    assert "`y_new` must be strictly positive" in str(fast.value)
    assert "got -1.0 at 2020-12-22 (position 3)" in str(fast.value)
    assert str(ref.value).replace("`y`", "`y_new`").replace("position 93", "position 3") == str(
        fast.value
    )
