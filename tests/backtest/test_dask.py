"""The same backtest tasks on a dask.distributed LocalCluster give identical results."""

import pandas as pd
import pytest

import tickcast as tc

distributed = pytest.importorskip("distributed")  # installed by the [dev] extra


def test_dask_backend_matches_serial():
    y = tc.load("dbk").iloc[-500:]
    models = [tc.Naive(), tc.Drift()]
    splitter = tc.WalkForward(initial=400, step=10, horizon=3, refit_every=2)
    serial = tc.backtest(models, y, splitter=splitter, n_jobs=1, progress=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster):
            remote = tc.backtest(
                models, y, splitter=splitter, backend="dask", n_jobs=-1, progress=False
            )
    cols = [c for c in serial.forecasts.columns if c != "seconds"]
    pd.testing.assert_frame_equal(serial.forecasts[cols], remote.forecasts[cols])
    assert remote.settings["backend"] == "dask"
