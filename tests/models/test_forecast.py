"""The Forecast result object."""

import numpy as np
import pandas as pd
import pytest

from tickcast.errors import ConfigError
from tickcast.models._calendar import future_index
from tickcast.models.forecast import Forecast, quantiles_for_levels


def _forecast():
    idx = pd.bdate_range("2024-01-01", periods=3)
    qs = quantiles_for_levels((80, 95))
    # quantiles of N(10, 1) per step
    from statistics import NormalDist

    vals = np.array([[10 + NormalDist().inv_cdf(q) * s for q in qs] for s in (1, 2, 3)])
    return Forecast(
        pd.Series([10.0, 10.0, 10.0], index=idx),
        pd.DataFrame(vals, index=idx, columns=qs),
        levels=(80, 95),
        model="test",
        method="model",
    )


def test_lower_upper_quantile():
    fc = _forecast()
    assert fc.upper(95).iloc[0] == pytest.approx(11.959964, abs=1e-5)
    assert fc.lower(80).iloc[2] == pytest.approx(10 - 3 * 1.281552, abs=1e-5)
    q = fc.quantile(0.33).iloc[0]
    assert 10 - 0.5 < q < 10 - 0.4  # interpolated on the grid
    with pytest.raises(ConfigError):
        fc.quantile(0.999)
    with pytest.raises(ConfigError):
        fc.quantile(1.5)
    with pytest.raises(ConfigError):
        fc.lower(100)


def test_plot_returns_axes(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    ax = _forecast().plot()
    ax.figure.savefig(tmp_path / "fan.png")
    assert (tmp_path / "fan.png").stat().st_size > 1000


def test_future_index_business_days_and_monthly():
    daily = pd.bdate_range("2024-01-01", "2024-01-05")  # Mon..Fri
    fut = future_index(daily, 3)
    assert list(fut.strftime("%a")) == ["Mon", "Tue", "Wed"]
    monthly = pd.date_range("2020-01-31", periods=24, freq="ME")
    assert future_index(monthly, 2)[0] == pd.Timestamp("2022-01-31")
