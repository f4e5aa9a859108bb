"""Benchmark: size of the Diebold-Mariano test when forecast origins are spaced (issue 11, item 1).

Everything is printed; nothing is asserted (the small versions are in tests/backtest/test_dm.py).

1. Simulated error series, no model fitting. Two random-walk-type forecasts with equal expected
   loss: the k-step error from an origin is the sum of the k iid N(0, 1) shocks after it, so
   h-step errors are MA(h-1); origins are ``s`` observations apart. Each replication is one
   series of a long-format frame; ``dm_table`` (squared error, steps 1..h averaged per origin)
   tests "other" against "naive". Rejection rate at 5 % for (s, h) in {(1, 1), (1, 5), (2, 5),
   (5, 5)}, n differentials in {60, 200}, with the spacing-aware rule (``K = ceil(h/s) - 1``)
   and with the old rule (``K = h - 1`` whatever the spacing, i.e. ``spacing=1``).
2. The issue's measurement: Drift vs Naive on simulated driftless geometric random walks
   (600 business days, 1 % daily volatility), ``WalkForward(initial=300, step=5, horizon=5)``
   (60 origins), one backtest over ``--runs`` series; rejection at 5 % of the pooled-step test
   with both rules. Drift's estimated drift makes its expected loss slightly larger than
   Naive's (about 1-2 % at step 5), so this null holds only approximately.

Run:
    python benchmarks/bench_dm_size.py            # 4,000 replications, 120 runs (~3 min)
    python benchmarks/bench_dm_size.py --quick    # 500 replications, 30 runs
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import tickcast as tc
from tickcast.backtest.significance import dm_table

_CAL = pd.bdate_range("2001-01-01", periods=1500)
_CASES = ((1, 1), (1, 5), (2, 5), (5, 5))


def null_frame(rng: np.random.Generator, reps: int, n: int, horizon: int, spacing: int):
    """``reps`` series of two forecasts with equal expected loss (see the module docstring)."""
    origins = np.arange(n) * spacing
    steps = origins[:, None] + np.arange(1, horizon + 1)
    length = origins[-1] + horizon + 1
    shocks = rng.standard_normal((2, reps, length)).cumsum(-1)
    csum = np.concatenate([np.zeros((2, reps, 1)), shocks], -1)
    errors = csum[..., steps + 1] - csum[..., origins + 1][..., None]
    size = reps * n * horizon
    return pd.DataFrame(
        {
            "series": np.tile(np.repeat(np.arange(reps), n * horizon), 2),
            "model": np.repeat(["naive", "other"], size),
            "origin": np.tile(_CAL[np.repeat(origins, horizon)], 2 * reps),
            "step": np.tile(np.arange(1, horizon + 1), 2 * reps * n),
            "date": np.tile(_CAL[steps.ravel()], 2 * reps),
            "y_true": 0.0,
            "mean": -errors.ravel(),
        }
    )


def _rate(table: pd.DataFrame) -> float:
    return float((table["pvalue"] < 0.05).mean())


def simulated(reps: int, seed: int) -> pd.DataFrame:
    rows = []
    for n in (60, 200):
        for spacing, horizon in _CASES:
            rng = np.random.default_rng([seed, n, spacing, horizon])
            new, old = [], []
            for start in range(0, reps, 500):  # chunks keep the frames small
                frame = null_frame(rng, min(500, reps - start), n, horizon, spacing)
                new.append(dm_table(frame, by=("series", "model")))
                old.append(dm_table(frame, by=("series", "model"), spacing=1))
            new, old = pd.concat(new), pd.concat(old)
            rows.append(
                {
                    "n": n,
                    "s": spacing,
                    "h": horizon,
                    "K": int(new["overlap_lags"].iloc[0]),
                    "size": _rate(new),
                    "size_old_rule": _rate(old),
                    "bartlett_share": float((new["kernel"] == "bartlett").mean()),
                    "bartlett_share_old": float((old["kernel"] == "bartlett").mean()),
                }
            )
    return pd.DataFrame(rows)


def drift_vs_naive(runs: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2000-01-03", periods=600)
    ys = {
        f"rw{i}": pd.Series(100 * np.exp(np.cumsum(0.01 * rng.standard_normal(600))), index=index)
        for i in range(runs)
    }
    res = tc.backtest(
        [tc.Naive(), tc.Drift()],
        ys,
        splitter=tc.WalkForward(initial=300, step=5, horizon=5),
        progress=False,
    )
    new = dm_table(res.forecasts, by=("series", "model"))
    old = dm_table(res.forecasts, by=("series", "model"), spacing=1)
    return pd.DataFrame(
        {
            "runs": [runs],
            "n": [int(new["n"].iloc[0])],
            "K": [int(new["overlap_lags"].iloc[0])],
            "size": [_rate(new)],
            "size_old_rule": [_rate(old)],
            "min_p_old_rule": [float(old["pvalue"].min())],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 replications, 30 runs")
    parser.add_argument("--reps", type=int, default=None, help="replications per case")
    parser.add_argument("--runs", type=int, default=None, help="random walks in part 2")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    reps = args.reps or (500 if args.quick else 4000)
    runs = args.runs or (30 if args.quick else 120)
    pd.set_option("display.width", 120)

    t0 = time.perf_counter()
    table = simulated(reps, args.seed)
    band = 1.96 * np.sqrt(0.05 * 0.95 / reps)
    print(f"1. Simulated null, {reps} replications per row (95 % band 5 % ± {band:.1%})")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"   ({time.perf_counter() - t0:.0f} s)\n")

    t0 = time.perf_counter()
    dvn = drift_vs_naive(runs, args.seed)
    band = 1.96 * np.sqrt(0.05 * 0.95 / runs)
    print(f"2. Drift vs Naive, driftless random walks, step=5, horizon=5 (band 5 % ± {band:.1%})")
    print(dvn.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"   ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
